"""Updates and answers per second with 1, then 2, `carevoice serve` workers on one
PostgreSQL database, behind a round-robin proxy, in one run.

    python -m benchmarks.workers --url postgresql://postgres@127.0.0.1:5432/test
    python -m benchmarks.workers --url ... --people 80 --workers 1,2,3

Each run gets a schema of its own. The Bot API emulator (tests/telegram_emulator) plays
Telegram: young people (as in tests/bot/test_end_to_end.py: /start with a code, consent,
six questions, a tick, two typed answers) tap and type, and it delivers the updates to the
proxy's webhook address up to `--connections` at a time (each chat's in order), as
Telegram does up to the webhook's max_connections. The workers' replies go back to the
emulator over HTTP. Figures are wall-clock from the first update to the last reply; the
emulator, the proxy and the young people run in this process, so on a small machine they
take CPU from the workers too (the figures say what a box of this size does, not a bound).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.catalog import SurveyCatalog
from storage.database import Database, async_url
from storage.tables import AnswerRow, InboundMessageRow
from surveys.clock import SystemClock
from tests.bot.test_end_to_end import (
    FIRST_USER,
    JSON,
    SECRET,
    BotProcess,
    Young,
    _env,
    _free_port,
)
from tests.factories import campaign_with_codes
from tests.round_robin import RoundRobin
from tests.telegram_emulator import EmulatorServer
from tests.telegram_emulator.server import serve_asgi


class Patient(Young):
    """Waits up to two minutes for each reply (a loaded box is slow, not broken)."""

    async def wait(self, predicate: Any) -> JSON:
        return await self.emu.wait_for_message(self.user_id, predicate, timeout=120)


async def _ready(port: int, process: BotProcess) -> None:
    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
        for _ in range(1200):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"worker did not start:\n{process.output()}")


async def _counts(url: str, schema: str) -> tuple[int, int]:
    db = await Database.connect(url, schema=schema, migrate=False)
    try:
        async with db.reader() as session:
            answers = await session.scalar(select(func.count(AnswerRow.id)))
            inputs = await session.scalar(select(func.count(InboundMessageRow.id)))
    finally:
        await db.dispose()
    return int(answers or 0), int(inputs or 0)


async def one_run(url: str, workers: int, people: int, connections: int) -> dict[str, float]:
    schema = f"workers_{secrets.token_hex(4)}"
    admin = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        db = await Database.connect(url, schema=schema)
        clock = SystemClock()
        try:
            _, codes = await campaign_with_codes(db, SurveyCatalog(clock), clock, people=people)
        finally:
            await db.dispose()
        ports = [_free_port() for _ in range(workers)]
        proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
        with tempfile.TemporaryDirectory() as folder:
            async with (
                EmulatorServer(webhook_connections=connections, webhook_timeout=60) as emulator,
                serve_asgi(proxy) as proxy_url,
            ):
                env = _env(
                    emulator,
                    url,
                    CAREVOICE_DATABASE_SCHEMA=schema,
                    CAREVOICE_WEBHOOK_URL=f"{proxy_url}/telegram/webhook",
                    CAREVOICE_WEBHOOK_SECRET=SECRET,
                )
                processes = [
                    BotProcess(["serve", "--port", str(p)], env, Path(folder) / f"w{n}.log")
                    for n, p in enumerate(ports)
                ]
                try:
                    for process in processes:
                        process.start()
                    pairs = zip(ports, processes, strict=True)
                    await asyncio.gather(*(_ready(port, w) for port, w in pairs))
                    young = [Patient(emulator, FIRST_USER + i, c) for i, c in enumerate(codes)]
                    started = time.perf_counter()
                    await asyncio.gather(*(y.take_part() for y in young))
                    seconds = time.perf_counter() - started
                finally:
                    for process in processes:
                        process.stop()
                    await proxy.aclose()
        answers, inputs = await _counts(url, schema)
        updates = sum(proxy.sent.values())
        return {
            "workers": workers,
            "people": len(codes),
            "updates": updates,
            "answers": answers,
            "inputs": inputs,
            "seconds": seconds,
        }
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="PostgreSQL URL")
    parser.add_argument("--people", type=int, default=24, help="young people at once")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument("--connections", type=int, default=12, help="webhook deliveries at once")
    args = parser.parse_args()
    runs = [
        await one_run(args.url, int(n), args.people, args.connections)
        for n in args.workers.split(",")
    ]
    print(
        f"{runs[0]['people']:.0f} young people, each a whole survey, webhook deliveries up to "
        f"{args.connections} at once; {os.cpu_count()} CPUs; PostgreSQL"
    )
    print(f"{'workers':>7} {'updates':>8} {'answers':>8} {'seconds':>8} {'updates/s':>10} "
          f"{'answers/s':>10} {'vs 1':>5}")  # fmt: skip
    for run in runs:
        rate = run["updates"] / run["seconds"]
        base = runs[0]["updates"] / runs[0]["seconds"]
        print(
            f"{run['workers']:7.0f} {run['updates']:8.0f} {run['answers']:8.0f} "
            f"{run['seconds']:8.2f} {rate:10.1f} {run['answers'] / run['seconds']:10.1f} "
            f"{rate / base:5.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
