"""Connecting to the store: engines, sessions and the schema brought up to date on first use."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from storage.encryption import DataKeys, attach
from storage.group_commit import GroupCommit, Outcome, commit_together
from storage.sqlite_writer import SqliteWriter
from surveys.errors import UnavailableError

T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
}


def async_url(url: str) -> str:
    """The async form of a database URL: `sqlite:///x.db` -> `sqlite+aiosqlite:///x.db`."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def libpq_parameters(url: str, schema: str | None = None) -> tuple[str, dict[str, Any]]:
    """A PostgreSQL URL as asyncpg takes it, and the connect arguments its libpq-style
    parameters become (managed databases hand out URLs written for libpq): `sslmode` is
    asyncpg's `ssl`, `connect_timeout` its `timeout`, `application_name` and `options`
    ("-c name=value ...") its server settings; `schema` is the search path. Any other URL
    comes back as it was.
    UnavailableError for a `connect_timeout` that is not a number of seconds."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url, {}
    query = {k: v if isinstance(v, str) else v[-1] for k, v in parsed.query.items()}
    args: dict[str, Any] = {}
    settings: dict[str, str] = {}
    if "sslmode" in query:
        query.setdefault("ssl", query.pop("sslmode"))
    if "connect_timeout" in query:
        given = query.pop("connect_timeout")
        try:
            args["timeout"] = float(given)
        except ValueError:
            raise UnavailableError(
                f"connect_timeout in the database URL must be a number of seconds, not {given!r}"
            ) from None
    if "application_name" in query:
        settings["application_name"] = query.pop("application_name")
    if "options" in query:
        settings.update(re.findall(r"-c\s*([\w.]+)=(\S+)", query.pop("options")))
    if schema:
        settings["search_path"] = schema
    if settings:
        args["server_settings"] = settings
    return parsed.set(query=query).render_as_string(hide_password=False), args


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    schema: str | None = None,
    sqlite_synchronous: str = "NORMAL",
) -> AsyncEngine:
    """An async engine for the URL. SQLite gets WAL, foreign keys and `BEGIN IMMEDIATE` writes.

    `schema` (PostgreSQL only) puts every table in that schema, e.g. one per test.
    `sqlite_synchronous`: NORMAL (default) keeps every commit through a crash of the process;
    FULL also through a power cut, at one fsync (several ms) per answer.
    """
    if sqlite_synchronous.upper() not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}")
    full = async_url(url)
    if is_sqlite(full):
        database = make_url(full).database
        if database and database != ":memory:":
            _create_private(Path(database))
        engine = create_async_engine(
            full,
            echo=echo,
            hide_parameters=True,  # a database error must never quote a young person's words
            connect_args={"timeout": SQLITE_TIMEOUT, "isolation_level": None},
        )
        _tune_sqlite(engine.sync_engine, sqlite_synchronous.upper())
        return engine
    full, connect_args = libpq_parameters(full, schema)
    engine = create_async_engine(
        full,
        echo=echo,
        hide_parameters=True,  # a database error must never quote a young person's words
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args=connect_args,
    )
    _skip_closed_connections(engine)
    return engine


def _create_private(path: Path) -> None:
    """A new SQLite file is made readable by its owner only (it holds children's words);
    SQLite gives its -wal and -shm files the same permissions. An existing file is left
    as its owner set it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _skip_closed_connections(engine: AsyncEngine) -> None:
    """A pooled PostgreSQL connection the server has closed is replaced before use.

    Instead of `pool_pre_ping`, which costs three round trips (BEGIN, a ping, ROLLBACK) a
    checkout: when the server restarts or ends a session it closes the socket, and asyncpg
    notices that without asking. A connection lost silently fails once; the pool then
    replaces all older connections, and `ConversationService` retries such an input.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError


SQLITE_SYNCHRONOUS = ("NORMAL", "FULL", "EXTRA")
SQLITE_TIMEOUT = 30.0
PG_PARALLEL_BATCHES = 4


def _tune_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # opened with isolation_level=None: we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # erased words are overwritten, not freed
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the lock up front, so two writers never deadlock on an upgrade.
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def alembic_config(url: str) -> Config:
    """Alembic's configuration for this URL, without needing an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


async def upgrade_schema(engine: AsyncEngine) -> None:
    """Create or upgrade the schema to the newest migration (idempotent)."""
    url = engine.url.render_as_string(hide_password=False)

    def _run(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_run)


@dataclass
class Database:
    """The engine and its session factory: the one handle the adapters are given."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sqlite_synchronous: str = "NORMAL"
    data_keys: DataKeys | None = field(default=None, repr=False)
    _writer: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _group: GroupCommit | None = field(default=None, repr=False)
    _sqlite_writer: SqliteWriter | None = field(default=None, repr=False)

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        migrate: bool = True,
        echo: bool = False,
        schema: str | None = None,
        sqlite_synchronous: str = "NORMAL",
        data_keys: DataKeys | None = None,
    ) -> Database:
        """Connect, and bring the schema up to date unless told not to. With `data_keys`,
        free text is encrypted at rest (`storage.encryption`)."""
        engine = make_engine(
            url, echo=echo, schema=schema, sqlite_synchronous=sqlite_synchronous
        )
        attach(engine.sync_engine, data_keys)
        if migrate:
            await upgrade_schema(engine)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        return cls(engine, sessions, sqlite_synchronous.upper(), data_keys)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error.

        SQLite has one writer at a time: in this process writers queue on a lock rather than
        spin in SQLite's busy handler; other processes still wait on `busy_timeout`.
        """
        if self.is_sqlite:
            async with self._writer, self.sessions() as session, session.begin():
                yield session
            return
        async with self.sessions() as session, session.begin():
            yield session

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` (a function of a sync session) in a write transaction, committed
        before this returns.

        Inputs that queue up meanwhile are committed together (`storage.group_commit`).
        On a SQLite file the work runs in a writer thread, one hop instead of several a
        statement (`storage.sqlite_writer`), queued on the same lock as `transaction`;
        elsewhere in SQLAlchemy's greenlet. Either way it must do nothing but database work
        through the session it is given.
        """
        if self._group is None:
            self._group = self._group_commit()
        return await self._group.run(work)

    def _group_commit(self) -> GroupCommit:
        url = self.engine.url
        if not self.is_sqlite:  # a few batches at once: their round trips overlap
            return GroupCommit(self._commit_here, parallel=PG_PARALLEL_BATCHES)
        if url.database in (None, "", ":memory:"):
            return GroupCommit(self._commit_here, self._writer)
        self._sqlite_writer = SqliteWriter(
            url.set(drivername="sqlite").render_as_string(hide_password=False),
            timeout=SQLITE_TIMEOUT,
            tune=self._tune_writer,
        )
        return GroupCommit(self._sqlite_writer.commit, self._writer)

    def _tune_writer(self, engine: Engine) -> None:
        _tune_sqlite(engine, self.sqlite_synchronous)
        attach(engine, self.data_keys)

    async def _commit_here(self, works: list[Callable[[Session], object]]) -> list[Outcome]:
        async with self.engine.connect() as connection:
            return await connection.run_sync(commit_together, works)

    async def checkpoint(self, tries: int = 20) -> bool:
        """After an erasure on a SQLite file: copy the WAL into the database and truncate
        it to nothing, so deleted words are left in neither file (`secure_delete` has
        overwritten them in the pages). Waits for readers (up to `tries` rounds); True
        when done. Elsewhere (PostgreSQL, memory) there is nothing to do: True."""
        database = self.engine.url.database
        if not self.is_sqlite or database in (None, "", ":memory:"):
            return True
        path = str(database)

        def run() -> bool:
            connection = sqlite3.connect(path, timeout=SQLITE_TIMEOUT, isolation_level=None)
            try:
                for _ in range(tries):
                    busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    if not busy:
                        return True
                    time.sleep(0.05)
                return False
            finally:
                connection.close()

        async with self._writer:
            return await asyncio.to_thread(run)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A read-only session; on SQLite it does not take the write lock."""
        engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            yield session

    async def dispose(self) -> None:
        self._group = None
        if self._sqlite_writer is not None:
            await self._sqlite_writer.close()
            self._sqlite_writer = None
        await self.engine.dispose()
