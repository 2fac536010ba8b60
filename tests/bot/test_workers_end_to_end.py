"""Two `carevoice serve` workers on one PostgreSQL database behind a round-robin proxy,
with Telegram (the Bot API emulator) delivering updates to the proxy several at a time.
Each worker is killed (SIGKILL) in turn mid-survey and started again; every young person
finishes, and the database holds every answer exactly once."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.bot.test_end_to_end import (
    FIRST_USER,
    PEOPLE,
    QUESTIONS,
    WAIT,
    _check_database,
    _prepare,
)
from tests.serve_workers import Patient, own_schema, serve_workers

PG_URL = os.environ.get("CAREVOICE_TEST_DATABASE_URL")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(not PG_URL, reason="needs CAREVOICE_TEST_DATABASE_URL (PostgreSQL)"),
]


@pytest.fixture
async def schema() -> AsyncIterator[str]:
    assert PG_URL is not None
    async with own_schema(PG_URL, "e2e") as name:
        yield name


async def _until(condition: Callable[[], bool], tasks: list[asyncio.Task[None]]) -> None:
    while not condition():
        if all(t.done() for t in tasks):
            raise AssertionError("everyone finished before the kill")
        await asyncio.sleep(0.02)


async def test_two_workers_killed_in_turn_lose_and_double_nothing(
    schema: str, tmp_path: Path
) -> None:
    assert PG_URL is not None
    codes = await _prepare(PG_URL, schema)
    async with serve_workers(PG_URL, schema, 2, tmp_path, connections=8) as running:
        emulator, proxy, workers = running.emulator, running.proxy, running.processes
        # a worker restarting on a busy 2-core box can take half a minute, and both may be
        # down at once: each young person waits three times as long as elsewhere
        people = [
            Patient(emulator, FIRST_USER + i, code, WAIT * 3) for i, code in enumerate(codes)
        ]
        tasks: list[asyncio.Task[None]] = []
        try:
            await running.ready()
            tasks = [asyncio.create_task(p.take_part()) for p in people]
            for n, worker in enumerate(workers):
                # the first dies once half are 2 questions in, the second at 4 (perhaps
                # while the first is still starting: updates wait at Telegram meanwhile)
                await _until(lambda n=n: sum(len(p.answered) >= 2 + 2 * n for p in people)
                             >= PEOPLE // 2, tasks)  # fmt: skip
                worker.kill()
                assert sum(len(p.answered) == len(QUESTIONS) for p in people) < PEOPLE
                worker.start()
            await running.ready()
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=WAIT * 3)
            for _ in range(300):  # the last replies' HTTP answers may still be on their way
                if emulator.webhook_info()["pending_update_count"] == 0:
                    break
                await asyncio.sleep(0.1)
        except BaseException:
            for task in tasks:
                task.cancel()
            for worker in workers:
                print(worker.output())
            raise
        info = emulator.webhook_info()
    await _check_database(PG_URL, people, schema=schema)
    assert [w.starts for w in workers] == [2, 2]
    assert all(proxy.sent[u] > 0 for u in proxy.upstreams)  # both took their share
    assert info["pending_update_count"] == 0
