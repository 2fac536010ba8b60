"""The hot path's statements run on the driver's cursor do what `Connection.execute` does:
the same rows and counts, free text still encrypted at rest, driver errors as SQLAlchemy's,
and a statement that would need a Python-side default refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.database import Database
from storage.direct import Direct
from storage.encryption import DataKeys
from storage.tables import Base
from tests.storage.test_encryption import answered

INBOUND = Base.metadata.tables["inbound_messages"]
ANSWERS = Base.metadata.tables["answers"]
NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
STORE_KEY = Direct(
    insert(INBOUND)
    .values(
        channel=bindparam("channel"), message_key=bindparam("key"), received_at=bindparam("now")
    )
    .returning(INBOUND.c.id)
)
FIND_KEYS = Direct(
    select(INBOUND.c.id, INBOUND.c.message_key, INBOUND.c.received_at)
    .where(INBOUND.c.channel == bindparam("channel"), INBOUND.c.message_key != "skipped")
    .order_by(INBOUND.c.id)
    .limit(10)
)
MOVE_KEYS = Direct(
    update(INBOUND).where(INBOUND.c.channel == bindparam("old")).values(channel=bindparam("new"))
)


async def test_rows_counts_and_new_ids_are_what_sqlalchemy_gives(db: Database) -> None:
    def run(session: Session) -> None:
        connection = session.connection()
        first = STORE_KEY.execute(connection, {"channel": "web", "key": "a", "now": NOW})
        second = STORE_KEY.execute(connection, {"channel": "web", "key": "b", "now": NOW})
        assert second.inserted_id > first.inserted_id
        found = FIND_KEYS.execute(connection, {"channel": "web"})
        assert found.rows == [
            tuple(row)
            for row in connection.execute(
                FIND_KEYS.statement, {"channel": "web"}
            ).all()
        ]
        assert [row[1] for row in found.rows] == ["a", "b"]
        assert found.first() == found.rows[0]
        assert found.rows[0][2] == NOW  # a time zone comes back as it went in, on both stores
        assert MOVE_KEYS.execute(connection, {"old": "web", "new": "sms"}).rowcount == 2
        assert MOVE_KEYS.execute(connection, {"old": "web", "new": "sms"}).rowcount == 0
        assert FIND_KEYS.execute(connection, {"channel": "web"}).first() is None

    await db.run(run)


async def test_a_broken_constraint_is_sqlalchemys_integrity_error_and_rolls_back(
    db: Database,
) -> None:
    def run(session: Session) -> None:
        params = {"channel": "telegram", "key": "42:7", "now": NOW}
        STORE_KEY.execute(session.connection(), params)
        STORE_KEY.execute(session.connection(), params)

    with pytest.raises(IntegrityError) as raised:
        await db.run(run)
    assert "42:7" not in str(raised.value)  # parameters are never quoted
    async with db.reader() as session:
        assert (await session.execute(select(INBOUND.c.id))).first() is None


def test_a_statement_needing_a_python_side_default_is_refused() -> None:
    from sqlalchemy.dialects import sqlite

    partial = Direct(insert(ANSWERS).values(response_id=bindparam("rid")))
    with pytest.raises(ValueError, match="Python-side defaults"):
        partial._compile(sqlite.dialect())


async def test_answers_written_directly_are_encrypted_at_rest(
    db: Database, clock: object
) -> None:
    """The engine's answer path runs directly: its words still go through the data keys."""
    from surveys.clock import FixedClock

    assert isinstance(clock, FixedClock)
    if db.data_keys is None:
        url = db.engine.url.render_as_string(hide_password=False)
        schema = None
        if db.engine.dialect.name == "postgresql":
            async with db.reader() as session:
                schema = await session.scalar(text("SELECT current_schema()"))
        keyed = await Database.connect(
            url, schema=schema, migrate=False, data_keys=DataKeys([DataKeys.new_key()])
        )
    else:
        keyed = db
    try:
        words = "my brother Kai lives far away now"
        await answered(keyed, clock, words)
        async with keyed.reader() as session:
            stored = (
                await session.execute(
                    text("SELECT a.text, r.state FROM answers a JOIN responses r "
                         "ON r.id = a.response_id WHERE a.kind = 'text'")
                )
            ).all()
        # (the whole phrase: three letters can turn up in base64 by chance)
        assert stored and all("brother Kai lives" not in str(v) for row in stored for v in row)
        async with keyed.reader() as session:
            read = await session.scalar(select(ANSWERS.c.text).where(ANSWERS.c.kind == "text"))
        assert read == words
    finally:
        if keyed is not db:
            await keyed.dispose()


async def test_a_connection_lost_midway_is_invalidated_so_the_input_is_retried(
    db: Database,
) -> None:
    """The server drops the connection between two statements of a transaction: the error
    says the connection was invalidated (`ConversationService` retries such an input on a
    fresh one), and the pool does not hand the dead one out again."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL connections only")
    import asyncpg
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.util import await_only

    admin = await asyncpg.connect(db.engine.url.set(drivername="postgresql").render_as_string(
        hide_password=False))

    def work(session: Session) -> None:
        connection = session.connection()
        STORE_KEY.execute(connection, {"channel": "web", "key": "a", "now": NOW})
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        await_only(admin.execute("SELECT pg_terminate_backend($1)", pid))
        STORE_KEY.execute(connection, {"channel": "web", "key": "b", "now": NOW})

    try:
        with pytest.raises(DBAPIError) as raised:
            await db.run(work)
    finally:
        await admin.close()
    assert raised.value.connection_invalidated
    assert "web" not in str(raised.value)  # parameters are never quoted
    await db.run(lambda s: STORE_KEY.execute(
        s.connection(), {"channel": "web", "key": "c", "now": NOW}))  # a fresh connection
    async with db.reader() as session:
        keys = (await session.scalars(select(INBOUND.c.message_key))).all()
    assert keys == ["c"]  # nothing of the broken transaction was kept
