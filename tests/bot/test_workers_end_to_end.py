"""Two `carevoice serve` workers on one PostgreSQL database behind a round-robin proxy,
with Telegram (the Bot API emulator) delivering updates to the proxy several at a time.
Each worker is killed (SIGKILL) in turn mid-survey and started again; every young person
finishes, and the database holds every answer exactly once."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import async_url
from tests.bot.test_end_to_end import (
    FIRST_USER,
    JSON,
    PEOPLE,
    QUESTIONS,
    SECRET,
    WAIT,
    BotProcess,
    Young,
    _check_database,
    _env,
    _free_port,
    _prepare,
)
from tests.round_robin import RoundRobin
from tests.telegram_emulator import EmulatorServer
from tests.telegram_emulator.server import serve_asgi

PG_URL = os.environ.get("CAREVOICE_TEST_DATABASE_URL")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(not PG_URL, reason="needs CAREVOICE_TEST_DATABASE_URL (PostgreSQL)"),
]


@pytest.fixture
async def schema() -> AsyncIterator[str]:
    assert PG_URL is not None
    name = f"e2e_{secrets.token_hex(6)}"
    admin = create_async_engine(async_url(PG_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        await admin.dispose()


class Patient(Young):
    """A young person who waits longer for a reply: a worker restarting on a busy 2-core
    box can take half a minute, and both may be down at once."""

    async def wait(self, predicate: Any) -> JSON:
        return await self.emu.wait_for_message(self.user_id, predicate, timeout=WAIT * 3)


async def _ready(port: int) -> None:
    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
        for _ in range(600):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"worker on port {port} did not start")


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
    ports = [_free_port(), _free_port()]
    proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
    async with (
        EmulatorServer(webhook_connections=8) as emulator,
        serve_asgi(proxy) as proxy_url,
    ):
        env = _env(
            emulator,
            PG_URL,
            CAREVOICE_DATABASE_SCHEMA=schema,
            CAREVOICE_WEBHOOK_URL=f"{proxy_url}/telegram/webhook",
            CAREVOICE_WEBHOOK_SECRET=SECRET,
        )
        workers = [
            BotProcess(["serve", "--port", str(port)], env, tmp_path / f"worker{n}.log")
            for n, port in enumerate(ports)
        ]
        people = [Patient(emulator, FIRST_USER + i, code) for i, code in enumerate(codes)]
        tasks: list[asyncio.Task[None]] = []
        try:
            for worker in workers:
                worker.start()
            await asyncio.gather(*(_ready(port) for port in ports))
            tasks = [asyncio.create_task(p.take_part()) for p in people]
            for n, worker in enumerate(workers):
                # the first dies once half are 2 questions in, the second at 4 (perhaps
                # while the first is still starting: updates wait at Telegram meanwhile)
                await _until(lambda n=n: sum(len(p.answered) >= 2 + 2 * n for p in people)
                             >= PEOPLE // 2, tasks)  # fmt: skip
                worker.kill()
                assert sum(len(p.answered) == len(QUESTIONS) for p in people) < PEOPLE
                worker.start()
            await asyncio.gather(*(_ready(port) for port in ports))
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
        finally:
            for worker in workers:
                worker.stop()
            await proxy.aclose()
        info = emulator.webhook_info()
    await _check_database(PG_URL, people, schema=schema)
    assert [w.starts for w in workers] == [2, 2]
    assert all(proxy.sent[u] > 0 for u in proxy.upstreams)  # both took their share
    assert info["pending_update_count"] == 0
