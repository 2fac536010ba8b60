"""Loading the demo council: young people answering one at a time, and 32 at a time.

    python -m benchmarks.demo_load [--at-once 32]

Loads the demo council (692 young people, 1,687 invitations, about 3,200 inputs through
the real engine) into a new SQLite file, twice: first with one
young person answering at a time (every input its own transaction: how `carevoice demo`
loaded before), then with `--at-once` answering together, so that their inputs share
commits (the store's group commit). Prints wall and CPU seconds (all threads of this
process) for each, and the ratio. On a busy machine wall time mostly measures the other
processes; CPU time is the fairer figure. The goal is under 15 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from pathlib import Path

from carevoice import demo
from carevoice.wiring import build_services
from services.settings import Settings


async def load_once(url: str, at_once: int) -> tuple[float, float, str]:
    demo.AT_ONCE = at_once
    wall, cpu = time.perf_counter(), time.process_time()
    services = await build_services(Settings(_env_file=None, database_url=url))
    try:
        council = await demo.load_demo(services)
    finally:
        await services.close()
    return time.perf_counter() - wall, time.process_time() - cpu, council.headline


async def run(at_once: int) -> None:
    print(f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}, SQLite")
    results = []
    for n in (1, at_once):
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='demo-load-')) / 'demo.db'}"
        wall, cpu, headline = await load_once(url, n)
        results.append((wall, cpu))
        print(f"{n:>3} at a time: {wall:6.1f} s wall, {cpu:6.1f} s CPU  ({headline})")
    (w1, c1), (wn, cn) = results
    print(f"{at_once} at a time / one at a time: wall {wn / w1:.2f}, CPU {cn / c1:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at-once", type=int, default=demo.AT_ONCE)
    args = parser.parse_args()
    asyncio.run(run(args.at_once))


if __name__ == "__main__":
    main()
