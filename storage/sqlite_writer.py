"""SQLite write transactions in one thread hop: a writer thread with a plain `sqlite3` engine.

Through aiosqlite every cursor call (open, execute, fetch, close) is a trip to its thread
and back, and SQLAlchemy's async layer adds a greenlet each statement: an input (BEGIN,
five statements, COMMIT) made some thirty trips. Here a whole batch of work runs in one
writer thread on SQLAlchemy's sync engine: one hop there, one back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, create_engine

from storage.group_commit import Outcome, Work, commit_together


class SqliteWriter:
    """One thread, and one connection used only there, committing batches of work."""

    def __init__(self, url: str, *, timeout: float, tune: Callable[[Engine], None]) -> None:
        # check_same_thread off only so that `close`, run from the event loop, may close it
        self.engine = create_engine(
            url,
            connect_args={
                "timeout": timeout,
                "isolation_level": None,
                "check_same_thread": False,
            },
            pool_size=1,
            max_overflow=0,
            hide_parameters=True,  # a database error must never quote a young person's words
        )
        tune(self.engine)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="carevoice-sqlite-writer")

    async def commit(self, works: list[Work[Any]]) -> list[Outcome]:
        """`commit_together` in the writer thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._commit, works)

    def _commit(self, works: list[Work[Any]]) -> list[Outcome]:
        with self.engine.connect() as connection:
            return commit_together(connection, works)

    async def close(self) -> None:
        """Finish the work handed over, then close the connection and the thread."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self.engine.dispose)
        self._thread.shutdown(wait=True)
