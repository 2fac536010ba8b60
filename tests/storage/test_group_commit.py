"""Group commit and `Database.run`: inputs queued together are committed together, each
caller answered only after the commit, and one failing input costs no other its answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from storage.database import Database
from storage.group_commit import GroupCommit, Outcome, Work
from storage.tables import InboundMessageRow

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def receive(key: str, *, fail: bool = False) -> Work[str]:
    def work(session: Session) -> str:
        session.execute(
            insert(InboundMessageRow), {"channel": "t", "message_key": key, "received_at": NOW}
        )
        if fail:
            raise ValueError(key)
        return key

    return work


async def stored(db: Database) -> list[str]:
    async with db.reader() as session:
        keys = await session.scalars(
            select(InboundMessageRow.message_key).order_by(InboundMessageRow.message_key)
        )
        return list(keys)


class HeldCommitter:
    """Runs batches in memory; the first waits until released, so others queue up."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.release = asyncio.Event()
        self.fail = False

    async def __call__(self, works: list[Work[Any]]) -> list[Outcome]:
        self.batches.append(len(works))
        if len(self.batches) == 1:
            await self.release.wait()
        if self.fail:
            raise OSError("disk full")
        return [(work(None), None) for work in works]  # type: ignore[arg-type]


async def test_inputs_waiting_meanwhile_go_in_one_batch() -> None:
    committer = HeldCommitter()
    group = GroupCommit(committer)
    first = asyncio.create_task(group.run(lambda _: 0))
    while not committer.batches:
        await asyncio.sleep(0)
    rest = [asyncio.create_task(group.run(lambda _, n=n: n)) for n in range(1, 6)]
    await asyncio.sleep(0)
    committer.release.set()
    assert await first == 0
    assert await asyncio.gather(*rest) == [1, 2, 3, 4, 5]
    assert committer.batches == [1, 5]


async def test_without_a_lock_batches_may_be_written_side_by_side() -> None:
    committer = HeldCommitter()
    group = GroupCommit(committer, parallel=2)
    first = asyncio.create_task(group.run(lambda _: 1))
    while not committer.batches:  # the first batch is being written (and held)
        await asyncio.sleep(0)
    assert await group.run(lambda _: 2) == 2  # not held behind it
    committer.release.set()
    assert await first == 1


async def test_a_failed_commit_fails_every_input_of_its_batch() -> None:
    committer = HeldCommitter()
    committer.fail = True
    group = GroupCommit(committer)
    tasks = [asyncio.create_task(group.run(lambda _: 1)) for _ in range(3)]
    await asyncio.sleep(0)
    committer.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)


async def test_an_input_cancelled_before_its_batch_is_never_run() -> None:
    committer = HeldCommitter()
    group = GroupCommit(committer)
    ran: list[str] = []
    first = asyncio.create_task(group.run(lambda _: ran.append("first")))
    while not committer.batches:
        await asyncio.sleep(0)
    second = asyncio.create_task(group.run(lambda _: ran.append("second")))
    await asyncio.sleep(0)
    second.cancel()
    committer.release.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await second
    assert ran == ["first"]


async def test_concurrent_inputs_are_all_committed(db: Database) -> None:
    keys = [f"k{n:02d}" for n in range(20)]
    assert await asyncio.gather(*(db.run(receive(k)) for k in keys)) == keys
    assert await stored(db) == keys


async def test_one_failing_input_costs_the_others_nothing(db: Database) -> None:
    works = [receive("a"), receive("b", fail=True), receive("c")]
    results = await asyncio.gather(*(db.run(w) for w in works), return_exceptions=True)
    assert results[0] == "a" and results[2] == "c"
    assert isinstance(results[1], ValueError)
    assert await stored(db) == ["a", "c"]


async def test_a_duplicate_in_the_same_batch_is_stored_once(db: Database) -> None:
    results = await asyncio.gather(
        *(db.run(receive("same")) for _ in range(3)), return_exceptions=True
    )
    assert results.count("same") == 1
    assert sum(isinstance(r, IntegrityError) for r in results) == 2
    assert await stored(db) == ["same"]


async def test_each_input_reads_rows_afresh(db: Database) -> None:
    def add_then_change(session: Session) -> InboundMessageRow:
        row = InboundMessageRow(channel="t", message_key="old", received_at=NOW)
        session.add(row)
        session.flush()
        table = InboundMessageRow.__table__  # Core, as the hot path writes: no ORM sync
        session.connection().execute(update(table).values(message_key="new"))
        return row  # still referenced while the batch is written

    def read(session: Session) -> str:
        return session.scalars(select(InboundMessageRow)).one().message_key

    results = await asyncio.gather(db.run(add_then_change), db.run(read))
    assert results[1] == "new"


async def test_other_writers_still_take_turns(db: Database) -> None:
    async def other(n: int) -> None:
        async with db.transaction() as session:
            await session.execute(
                insert(InboundMessageRow),
                {"channel": "t", "message_key": f"o{n}", "received_at": NOW},
            )

    await asyncio.gather(*(db.run(receive(f"r{n}")) for n in range(5)), *map(other, range(5)))
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(InboundMessageRow)) == 10


async def test_a_connection_the_server_closed_is_replaced(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL connections only")
    pid = await db.run(lambda s: s.scalar(text("SELECT pg_backend_pid()")))
    admin = create_async_engine(db.engine.url, poolclass=NullPool)
    async with admin.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await admin.dispose()
    await asyncio.sleep(0.2)  # the socket's end reaches the event loop
    assert await db.run(receive("after")) == "after"
