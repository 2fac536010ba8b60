"""How long hostile survey YAML holds things up: reading it, and every chat meanwhile.

For each hostile file it prints, side by side:

- the baseline: PyYAML's `SafeLoader` with no limits, which is how surveys were read
  before (run in a child process, given up after `--timeout` seconds);
- carevoice's loader now (`surveys.loader.parse_survey`: size, nesting, aliases limited);
- the longest the event loop stood still while the API took the file as an upload
  (`POST /api/v1/surveys`, parsed in a worker thread): every young person's chat waits
  that long. The baseline stall is the parse time itself, since it ran on the loop.

Usage: ``.venv/bin/python -m benchmarks.hostile_yaml [--timeout 60]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
import yaml  # noqa: E402

from api.app import create_app  # noqa: E402
from carevoice.wiring import build_services  # noqa: E402
from services.settings import Settings  # noqa: E402
from storage.keys import Role, create_key  # noqa: E402
from surveys.errors import SurveyDefinitionError  # noqa: E402
from surveys.loader import parse_survey  # noqa: E402

CASES = {
    "nested brackets, 120 KB": "[" * 60_000 + "]" * 60_000,
    "nested mappings, 40 KB": "a: " + "{b: " * 10_000 + "1" + "}" * 10_000,
    "billion laughs, 0.4 KB": "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    ),
    "a 12 MB list": "- x\n" * 3_000_000,
}


def _plain(text: str) -> None:
    with contextlib.suppress(yaml.YAMLError, RecursionError):
        yaml.load(text, Loader=yaml.SafeLoader)


def baseline(text: str, timeout: float) -> str:
    """Seconds PyYAML without limits takes (in a child process), or "> timeout"."""
    started = time.perf_counter()
    child = multiprocessing.Process(target=_plain, args=(text,))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {timeout:.0f} s"
    return f"{time.perf_counter() - started:.3f} s"


def now(text: str) -> str:
    started = time.perf_counter()
    with contextlib.suppress(SurveyDefinitionError):
        parse_survey(text, "bench")
    return f"{time.perf_counter() - started:.3f} s"


async def _longest_stall(done: asyncio.Event) -> float:
    """The longest a 5 ms sleep overslept until `done`: how long the loop stood still."""
    worst = 0.0
    while not done.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        worst = max(worst, time.perf_counter() - before - 0.005)
    return worst


async def stalls(texts: list[str], database: Path) -> list[str]:
    """The longest event-loop stall while the API takes each text as an upload."""
    settings = Settings(_env_file=None, database_url=f"sqlite:///{database}",
                        max_body_bytes=20_000_000)
    services = await build_services(settings)
    async with services.db.transaction() as session:
        key = (await create_key(session, services.clock, role=Role.OFFICER, name="b")).token
    app = create_app(services)
    out = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bench") as http:
        for text in texts:
            done = asyncio.Event()
            beating = asyncio.create_task(_longest_stall(done))
            await http.post("/api/v1/surveys", content=text.encode(), timeout=600,
                            headers={"Authorization": f"Bearer {key}",
                                     "content-type": "text/yaml"})
            done.set()
            out.append(f"{await beating * 1000:.0f} ms")
    await services.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="Give the baseline up after this many seconds.")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        loop_stalls = asyncio.run(stalls(list(CASES.values()), Path(folder) / "bench.db"))
    print(f"{'hostile file':<26} {'PyYAML, no limits':>18} {'carevoice now':>14} "
          f"{'chat stall now':>15}")
    for (name, text), stall in zip(CASES.items(), loop_stalls, strict=True):
        print(f"{name:<26} {baseline(text, args.timeout):>18} {now(text):>14} {stall:>15}")


if __name__ == "__main__":
    main()
