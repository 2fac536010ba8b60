"""Erasing young people on the demo council: carevoice's erasure beside bare DELETEs.

    python -m benchmarks.erasure [--people 30] [--demo path/to/demo.db]

Loads the demo council (692 young people, 3,131 answers; or copies `--demo`), then
erases the first `--people` young people who answered, one transaction each, in two
copies of it: with `storage.erasure.erase_person` (fold into erased cells, delete,
rewrite the audit log, log the erasure; then the WAL checkpoint), and with the bare
DELETE statements that remove the same rows and nothing else (the baseline: what
deleting costs without keeping the board's figures or the audit trail). Prints
milliseconds per young person, median and p95, side by side, and the retention dry run.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from carevoice.demo import load_demo
from carevoice.wiring import build_services
from services.settings import Settings
from storage.audit import RefHasher
from storage.database import Database
from storage.erasure import erase_person
from storage.retention import RetentionPolicy, plan
from surveys.clock import SystemClock

BARE = (
    "DELETE FROM answer_topics WHERE response_id IN "
    "(SELECT id FROM responses WHERE person_id = :p)",
    "UPDATE safeguarding_alerts SET person_id = NULL, response_id = NULL WHERE person_id = :p",
    "DELETE FROM answers WHERE response_id IN (SELECT id FROM responses WHERE person_id = :p)",
    "DELETE FROM outbox WHERE person_id = :p AND alert_id IS NULL",
    "DELETE FROM channel_links WHERE person_id = :p",
    "DELETE FROM responses WHERE person_id = :p",
    "DELETE FROM outbox WHERE invitation_id IN (SELECT id FROM invitations WHERE person_id = :p)",
    "DELETE FROM invitations WHERE person_id = :p",
    "UPDATE requests SET person_id = NULL WHERE person_id = :p",
    "DELETE FROM people WHERE id = :p",
)


async def demo_file(folder: Path, given: Path | None) -> Path:
    target = folder / "demo.db"
    if given is not None:
        shutil.copy(given, target)
        return target
    services = await build_services(Settings(_env_file=None, database_url=f"sqlite:///{target}"))
    try:
        await load_demo(services)
    finally:
        await services.close()
    return target


async def people_who_answered(db: Database, count: int) -> list[tuple[int, str]]:
    async with db.reader() as session:
        rows = await session.execute(
            text(
                "SELECT p.id, p.council_ref FROM people p WHERE EXISTS (SELECT 1 FROM "
                "responses r WHERE r.person_id = p.id) ORDER BY p.id LIMIT :n"
            ),
            {"n": count},
        )
        return [(int(i), str(r)) for i, r in rows.all()]


async def run_carevoice(path: Path, people: list[tuple[int, str]]) -> list[float]:
    db = await Database.connect(f"sqlite:///{path}")
    clock, hasher, times = SystemClock(), RefHasher(b"benchmark-key" * 3), []
    try:
        for _, ref in people:
            start = time.perf_counter()
            async with db.transaction() as session:
                await erase_person(session, clock, ref, actor="benchmark", hasher=hasher)
            await db.checkpoint()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        await db.dispose()
    return times


async def run_bare(path: Path, people: list[tuple[int, str]]) -> list[float]:
    db = await Database.connect(f"sqlite:///{path}")
    times = []
    try:
        for person_id, _ in people:
            start = time.perf_counter()
            async with db.transaction() as session:
                for statement in BARE:
                    await session.execute(text(statement), {"p": person_id})
            await db.checkpoint()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        await db.dispose()
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def main(people_count: int, given: Path | None) -> None:
    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        source = await demo_file(Path(folder), given)
        ours, bare = Path(folder) / "ours.db", Path(folder) / "bare.db"
        shutil.copy(source, ours)
        shutil.copy(source, bare)
        probe = await Database.connect(f"sqlite:///{source}")
        people = await people_who_answered(probe, people_count)
        async with probe.reader() as session:
            planned = await plan(session, SystemClock(), RetentionPolicy())
        await probe.dispose()
        with_fold = await run_carevoice(ours, people)
        baseline = await run_bare(bare, people)
    table = Table("erasing one young person (SQLite)", "median ms", "p95 ms")
    table.add_row(
        "bare DELETEs (baseline)", f"{statistics.median(baseline):.0f}", f"{p95(baseline):.0f}"
    )
    table.add_row(
        "carevoice erase_person", f"{statistics.median(with_fold):.0f}", f"{p95(with_fold):.0f}"
    )
    console.print(table)
    ratio = statistics.median(with_fold) / max(statistics.median(baseline), 1e-9)
    console.print(f"{len(people)} young people; carevoice / baseline (median): {ratio:.1f}x")
    console.print(f"retention dry run on the demo council: {planned.summary()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=30, help="young people to erase")
    parser.add_argument("--demo", type=Path, default=None, help="a demo council SQLite file")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.demo))
