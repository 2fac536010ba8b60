"""Group commit: write transactions that arrive while one is being written go in the next.

Under load a commit costs more than the statements of an input (a WAL write on SQLite,
a WAL flush and two round trips on PostgreSQL), so inputs that queue up meanwhile are run
one after another in a single transaction and committed once. If any of them fails, that
transaction is rolled back and each is run again alone, so one failing input (a duplicate
delivery, a lost revision race) never costs another its answer. Every caller gets its
result only once the transaction holding its work is committed: an answer is durable
before its reply, as with one transaction an input.

Work is a plain function of a sync `Session`, run with `Database.run`: in the SQLite
writer thread, or on PostgreSQL in SQLAlchemy's greenlet (`AsyncConnection.run_sync`),
so a transaction costs no event-loop hop per statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[Session], T]
Outcome = tuple[Any, Exception | None]
"""What one piece of work came to: its result, or the error it raised."""
Committer = Callable[[list[Work[Any]]], Awaitable[list[Outcome]]]


def commit_together(connection: Connection, works: list[Work[Any]]) -> list[Outcome]:
    """Run `works` in one transaction on `connection`; if any fails, each again in its own."""
    if len(works) > 1:
        try:
            return _in_transaction(connection, works)
        except Exception:  # rolled back, nothing of the batch stored
            log.debug("group commit fell back to one transaction per input")
    outcomes: list[Outcome] = []
    for work in works:
        try:
            outcomes.extend(_in_transaction(connection, [work]))
        except Exception as error:
            outcomes.append((None, error))
    return outcomes


def _in_transaction(connection: Connection, works: list[Work[Any]]) -> list[Outcome]:
    # One session joined to the connection's transaction; a failure rolls all of it back.
    with (
        connection.begin(),
        Session(connection, expire_on_commit=False) as session,
        session.begin(),
    ):
        outcomes: list[Outcome] = []
        for work in works:
            outcomes.append((work(session), None))
            session.flush()
            session.expunge_all()  # the next input reads rows afresh, not this one's objects
        return outcomes


@dataclass(slots=True)
class _Job:
    work: Work[Any]
    done: asyncio.Future[Any]


class GroupCommit:
    """Queues write transactions and commits what has queued up together.

    `commit` runs a batch (`commit_together`, in a thread or a greenlet). `lock`, if given,
    is held for each batch, so other writers of this process queue fairly beside it (one
    batch at a time); without it up to `parallel` batches are written at once.
    """

    def __init__(
        self, commit: Committer, lock: asyncio.Lock | None = None, *, parallel: int = 1
    ) -> None:
        self._commit = commit
        self._lock = lock
        self._parallel = 1 if lock else parallel
        self._queue: list[_Job] = []
        self._flushing = 0
        self._flushers: set[asyncio.Task[None]] = set()  # held, so none is collected

    async def run(self, work: Work[T]) -> T:
        """Run `work` in a transaction; committed when this returns.

        A caller cancelled before its batch starts is dropped; once started, it runs to its end.
        """
        job = _Job(work, asyncio.get_running_loop().create_future())
        self._queue.append(job)
        if self._flushing < self._parallel:
            self._flushing += 1
            flusher = asyncio.create_task(self._flush())
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        result: T = await job.done
        return result

    async def _flush(self) -> None:
        """Commit what is queued, batch after batch, until the queue is empty."""
        try:
            while self._queue:
                async with self._lock or contextlib.nullcontext():
                    batch = [job for job in self._queue if not job.done.done()]
                    self._queue = []
                    if batch:
                        await self._settle(batch)
        finally:
            self._flushing -= 1  # at once: a job queued from now on starts a flusher

    async def _settle(self, batch: list[_Job]) -> None:
        try:
            outcomes = await asyncio.shield(self._commit([job.work for job in batch]))
        except Exception as failure:  # could not even begin: nothing of this batch is stored
            outcomes = [(None, failure)] * len(batch)
        for job, (result, error) in zip(batch, outcomes, strict=True):
            if job.done.done():
                continue
            if error is None:
                job.done.set_result(result)
            else:
                job.done.set_exception(error)
