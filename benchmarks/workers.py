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
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.tables import AnswerRow, InboundMessageRow
from surveys.clock import SystemClock

NEEDS_DEV = (
    "The workers benchmark runs the test suite's Telegram emulator and young people "
    "(tests/), which need the development dependencies (pytest and more): "
    "pip install -e '.[dev]'"
)


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
    try:  # here, not at the top: `--help` needs none of it
        from tests.bot.test_end_to_end import FIRST_USER
        from tests.factories import campaign_with_codes
        from tests.serve_workers import Patient, own_schema, serve_workers
    except ImportError as error:  # pragma: no cover - a development dependency
        sys.exit(f"{NEEDS_DEV} ({error})")
    async with own_schema(url, "workers") as schema:
        db = await Database.connect(url, schema=schema)
        clock = SystemClock()
        try:
            _, codes = await campaign_with_codes(db, SurveyCatalog(clock), clock, people=people)
        finally:
            await db.dispose()
        with tempfile.TemporaryDirectory() as folder:
            async with serve_workers(
                url, schema, workers, Path(folder), connections=connections,
                ready_within=120, webhook_timeout=60,
            ) as running:  # fmt: skip
                await running.ready()
                young = [
                    Patient(running.emulator, FIRST_USER + i, c, 120) for i, c in enumerate(codes)
                ]
                started = time.perf_counter()
                await asyncio.gather(*(y.take_part() for y in young))
                seconds = time.perf_counter() - started
            updates = sum(running.proxy.sent.values())
        answers, inputs = await _counts(url, schema)
        return {
            "workers": workers,
            "people": len(codes),
            "updates": updates,
            "answers": answers,
            "inputs": inputs,
            "seconds": seconds,
        }


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
