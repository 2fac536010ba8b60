"""How long does a young person's answer wait while the board's rollups refresh on SQLite?

    python -m benchmarks.refresh_wait [--demo path/to/demo.db] [--runs 3]

SQLite has one writer at a time. Loads the demo council (or copies `--demo`), logs a
change on every day and in every bucket of responses it has data for (the worst case:
every quarter, year and bucket counted again), then refreshes two ways in two copies of
it, side by side: in one write transaction (`refresh_rollups`, the baseline: how
`carevoice serve` refreshed before) and in steps (`refresh_in_steps`, what it runs
now). Meanwhile a writer commits a small transaction every 5 ms, as answers arriving
would, on the same writer lock. Prints the refresh's own time, and the writer's median
and longest wait per mode.
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

from benchmarks.erasure import demo_file
from storage import audit
from storage.board.buckets import BUCKET
from storage.board.rollups import refresh_in_steps, refresh_rollups
from storage.database import Database
from surveys.clock import SystemClock

EVERY = 0.005


async def _log_every_day(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO board_changes (day) SELECT DISTINCT date(answered_at) FROM answers "
                "UNION SELECT DISTINCT date(delivered_at) FROM invitations "
                "WHERE delivered_at IS NOT NULL"
            )
        )
        await session.execute(
            text(
                "INSERT INTO board_bucket_changes (bucket) "
                f"SELECT DISTINCT response_id / {BUCKET} FROM answers"
            )
        )


async def _writer(db: Database, stop: asyncio.Event, waits: list[float]) -> None:
    clock = SystemClock()
    while not stop.is_set():
        start = time.perf_counter()
        async with db.transaction() as session:
            await audit.record(session, clock, actor="bench", action="answer", subject="-")
        waits.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(EVERY)


async def one_run(path: Path, stepped: bool) -> tuple[float, list[float]]:
    db = await Database.connect(f"sqlite:///{path}")
    try:
        await _log_every_day(db)
        waits: list[float] = []
        stop = asyncio.Event()
        writing = asyncio.create_task(_writer(db, stop, waits))
        await asyncio.sleep(0.05)
        waits.clear()  # only the waits while the refresh runs
        start = time.perf_counter()
        if stepped:
            await refresh_in_steps(db)
        else:
            async with db.transaction() as session:
                await refresh_rollups(session)
        took = (time.perf_counter() - start) * 1000
        stop.set()
        await writing
        return took, waits
    finally:
        await db.dispose()


async def main_async(demo: Path | None, runs: int) -> None:
    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        source = await demo_file(Path(folder), demo)
        results: dict[str, tuple[list[float], list[float]]] = {"one transaction": ([], [])}
        results["in steps"] = ([], [])
        for _ in range(runs):
            for name in results:
                copy = Path(folder) / "run.db"
                shutil.copy(source, copy)
                took, waits = await one_run(copy, stepped=name == "in steps")
                results[name][0].append(took)
                results[name][1].extend(waits)
                copy.unlink()
    table = Table(title=f"Answers waiting on a full SQLite refresh (demo council, {runs} runs)")
    for column in ("refresh", "refresh ms (median)", "writes", "median wait ms", "longest ms"):
        table.add_column(column, justify="right" if column != "refresh" else "left")
    longest: dict[str, float] = {}
    for name, (took, waits) in results.items():
        ordered = sorted(waits) or [0.0]
        longest[name] = ordered[-1]
        table.add_row(
            name, f"{statistics.median(took):.0f}", str(len(waits)),
            f"{statistics.median(ordered):.1f}", f"{ordered[-1]:.1f}",
        )
    console.print(table)
    for name, (_, waits) in results.items():
        console.print(f"{name}: longest waits ms {[round(w) for w in sorted(waits)[-5:]]}")
    ratio = longest["in steps"] / max(longest["one transaction"], 1e-9)
    console.print(f"longest wait in steps / in one transaction: {ratio:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, help="a demo council SQLite file to copy")
    parser.add_argument("--runs", type=int, default=3, help="refreshes per mode")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.demo, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
