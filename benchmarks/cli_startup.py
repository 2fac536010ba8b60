"""How long `carevoice --help` takes, beside bare Python and beside importing everything.

    python -m benchmarks.cli_startup [--runs 10]

Runs each command `--runs` times in a fresh interpreter and prints the median wall time
and the median CPU time (user + system, of the child process: on a busy machine wall time
mostly measures the other processes). Rows: `python -c pass` (the floor), `import typer,
rich` (what any help screen needs), `carevoice --help`, `carevoice keys --help`, and the
import of every adapter and the composition root (`carevoice.wiring`, `api.app`,
`bot.application`), which is what `--help` cost when the CLI imported everything up front.
The goal is `carevoice --help` under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PY = sys.executable
CAREVOICE = str(Path(PY).parent / "carevoice")  # the console script, as people run it
CASES: tuple[tuple[str, list[str]], ...] = (
    ("python -c pass", [PY, "-c", "pass"]),
    ("import typer, rich.console", [PY, "-c", "import typer, rich.console"]),
    ("carevoice --help", [CAREVOICE, "--help"]),
    ("carevoice keys --help", [CAREVOICE, "keys", "--help"]),
    ("import everything (before)",
     [PY, "-c", "import carevoice.cli, carevoice.wiring, api.app, bot.application"]),
)


def measure(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `argv` over `runs` fresh processes."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
          f"median of {args.runs} runs")
    print(f"{'command':32} {'wall s':>8} {'CPU s':>8}")
    results = {}
    for name, argv in CASES:
        wall, cpu = measure(argv, args.runs)
        results[name] = (wall, cpu)
        print(f"{name:32} {wall:8.3f} {cpu:8.3f}")
    helped, everything = results["carevoice --help"][1], results["import everything (before)"][1]
    print(f"carevoice --help: {helped:.2f} s CPU, {helped / everything:.2f} of importing "
          f"everything ({everything:.2f} s); goal under 0.5 s")


if __name__ == "__main__":
    main()
