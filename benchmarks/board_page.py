"""How long does the board dashboard take to read its figures, and how many of those
reads are the key messages'?

    python -m benchmarks.board_page [--url sqlite:///demo.db] [--repeat 20]

Loads the demo council into a new SQLite file (unless `--url` names one already loaded),
then times, for the demo's board year (2017-18), `api.web.board.board_page` (every figure
`/board` shows, key messages included) and `storage.board.key_messages` alone, and counts
the SQL statements each runs. Prints the median and p95 in ms. On a busy machine wall
time mostly measures the other processes; the statement counts are exact.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

from api.web.board import board_page
from carevoice import demo
from carevoice.wiring import build_services
from services.settings import Settings
from storage import board
from surveys.insights.periods import parse_period

PERIOD = "2017-18"


async def timed(
    call: Callable[[], Awaitable[Any]], repeat: int, counter: list[int]
) -> tuple[float, float, int]:
    """Median and p95 ms of `repeat` calls, and the statements one call runs."""
    await call()  # warm
    counter[0] = 0
    await call()
    statements = counter[0]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)], statements


async def run(url: str | None, repeat: int) -> None:
    """Load (if needed) and measure."""
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='board-page-')) / 'demo.db'}"
        services = await build_services(Settings(_env_file=None, database_url=url))
        await demo.load_demo(services)
    else:
        services = await build_services(Settings(_env_file=None, database_url=url))
    counter = [0]

    def count(*_: object) -> None:
        counter[0] += 1

    event.listen(services.db.engine.sync_engine, "before_cursor_execute", count)
    period = parse_period(PERIOD)
    today = demo.fy_start(2018).date()
    settings = services.settings
    try:
        async with services.db.reader() as session:

            async def page() -> object:
                return await board_page(
                    session, period, today, quote_min_group=settings.quote_min_group,
                    ref_patterns=settings.ref_patterns,
                )  # fmt: skip

            async def key() -> object:
                return await board.key_messages(
                    session, period, quote_min_group=settings.quote_min_group,
                    ref_patterns=settings.ref_patterns,
                )  # fmt: skip

            print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {url}; "
                  f"period {PERIOD}, {repeat} runs each")  # fmt: skip
            for name, call in (("board page figures", page), ("key messages alone", key)):
                p50, p95, statements = await timed(call, repeat, counter)
                print(f"{name:<20} median {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                      f"{statements} SQL statements")  # fmt: skip
    finally:
        await services.close()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", help="a database the demo is already loaded into")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.repeat))


if __name__ == "__main__":
    main()
