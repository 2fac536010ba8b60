"""How long the rolling campaigns' scan takes (run every 5 minutes by `serve` and `bot`),
beside a baseline that reads every young person the campaign covers, as a naive scan would.

    python -m benchmarks.rolling_scan [--people 20000]
    python -m benchmarks.rolling_scan --backend postgresql \\
        --url postgresql://postgres@127.0.0.1:5432/test

Young people have reviews spread over the next six months (a tenth already past, stale
data); one standing campaign invites 10 days before each review. Timed: the first scan
(invites everyone due), an idle scan (nothing new: the every-5-minutes case), and the
scan a day later (that day's reviews come due). Goal: an idle scan well under a second at
a large council's size, so a 5-minute timer never piles up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg

from storage.campaigns import CohortFilter, select_people
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.people import import_people
from storage.rolling import RollingCampaigns, create_rolling_campaign
from surveys.clock import FixedClock
from surveys.people import Cohort, PersonRecord

START = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
GOAL_SECONDS = 1.0


async def load(db: Database, clock: FixedClock, people: int) -> None:
    rng = random.Random(7)
    today = START.date()
    records = [
        PersonRecord(
            council_ref=f"B{i:07d}",
            cohort=Cohort.IN_CARE if i % 3 else Cohort.CARE_LEAVER,
            age_band="13-15" if i % 3 else "18-21",
            next_review_date=today + timedelta(days=rng.randint(-20, 182)),
        )
        for i in range(people)
    ]
    catalog = SurveyCatalog(clock)
    async with db.transaction() as session:
        await catalog.sync_builtins(session)
        for start in range(0, people, 5000):
            await import_people(session, records[start : start + 5000], clock)
        await create_rolling_campaign(
            session, catalog, clock, name="bench", survey_key="review-prep-child",
            wanted=CohortFilter(cohort="in_care"), days_before=10,
        )  # fmt: skip


async def timed(work: object) -> tuple[float, object]:
    began = time.perf_counter()
    result = await work  # type: ignore[misc]
    return time.perf_counter() - began, result


async def naive_read(db: Database, today: date) -> int:
    """The baseline: every young person the campaign covers, due or not, into Python."""
    async with db.reader() as session:
        people = await select_people(session, CohortFilter(cohort="in_care"), today)
    return sum(1 for p in people if p.next_review_date and p.next_review_date <= today)


async def run(db: Database, people: int) -> None:
    clock = FixedClock(START)
    began = time.perf_counter()
    await load(db, clock, people)
    print(f"loaded {people:,} young people in {time.perf_counter() - began:.1f} s")
    jobs = RollingCampaigns(db, clock)
    first, summary = await timed(jobs.scan())  # as the timer finds it: everyone due
    idle = [(await timed(jobs.scan()))[0] for _ in range(5)]
    naive = [(await timed(naive_read(db, clock.now().date())))[0] for _ in range(5)]
    clock.advance(days=1)
    next_day, later = await timed(jobs.scan())
    print(f"first scan: {first * 1000:,.0f} ms ({summary})")
    print(f"next day's scan: {next_day * 1000:,.0f} ms ({later})")
    idle_ms, naive_ms = statistics.median(idle) * 1000, statistics.median(naive) * 1000
    print(
        f"idle scan (median of 5): {idle_ms:,.0f} ms; baseline, reading every young person "
        f"it covers: {naive_ms:,.0f} ms (ratio {idle_ms / naive_ms:.2f})"
    )
    met = statistics.median(idle) < GOAL_SECONDS
    print(f"goal: idle scan under {GOAL_SECONDS:.0f} s: {'met' if met else 'NOT MET'}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    print(f"backend: {args.backend}; {os.cpu_count()} CPUs")
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = await Database.connect(f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                await run(db, args.people)
            finally:
                await db.dispose()
        return
    schema = f"bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(args.url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        db = await Database.connect(args.url, schema=schema)
        try:
            await run(db, args.people)
        finally:
            await db.dispose()
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
