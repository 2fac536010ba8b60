"""The demo council in a SQLite file, built once per test session and copied by the tests
that read it (it takes a while to load: every answer goes through the real engine)."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from carevoice.demo import load_demo
from carevoice.wiring import build_services
from services.settings import Settings

T = TypeVar("T")
SQLITE_FILES = ("", "-wal", "-shm")


def in_a_thread(work: Callable[[], T]) -> T:
    """Run `work` on a thread of its own (so it may run its own event loop); return what it
    gave, or raise what it raised, here."""
    out: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as error:  # handed back to the caller
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return out[0]


def build_demo_council(path: Path) -> Path:
    """Load the demo council into a new SQLite file at `path`."""

    async def load() -> None:
        services = await build_services(
            Settings(_env_file=None, database_url=f"sqlite:///{path}")
        )
        try:
            await load_demo(services)
        finally:
            await services.close()

    in_a_thread(lambda: asyncio.run(load()))
    return path


def copy_demo_council(source: Path, folder: Path) -> Path:
    """A copy of the demo council's SQLite file (and its WAL, if any) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    for suffix in SQLITE_FILES:
        part = Path(f"{source}{suffix}")
        if part.exists():
            shutil.copy(part, Path(f"{target}{suffix}"))
    return target
