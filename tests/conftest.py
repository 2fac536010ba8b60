"""Shared fixtures: a store on SQLite always, and on PostgreSQL when configured.

Set CAREVOICE_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run
every storage test on PostgreSQL too. Each test process (one per pytest-xdist worker)
migrates one SQLite file and one PostgreSQL schema once; each test gets a copy of the file,
or the schema emptied, so no test sees another's rows and no two workers share anything.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database, async_url
from storage.encryption import DataKeys
from surveys.clock import FixedClock
from tests.demo_council import SQLITE_FILES, in_a_thread
from tests.factories import InviteCsv, invite_from_csv
from tests.fakes import FakeScorer

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist's workers start with COLUMNS=80 and LINES=24 in the environment: a rich
    # Console made at import would keep that width for good, where in one process it reads
    # COLUMNS at each print (the CLI tests set it to 200).
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)

T = TypeVar("T")
PG_URL = os.environ.get("CAREVOICE_TEST_DATABASE_URL")
# Set CAREVOICE_DATA_KEY to run the storage tests with free text encrypted at rest (the
# services the API and web tests build read it from the environment too).
KEYS = DataKeys.parse(os.environ.get("CAREVOICE_DATA_KEY"))
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store migrated once per test process (each xdist worker has its own
    temporary folder); `db` copies it, which takes a millisecond where migrating takes a
    second."""
    path = tmp_path_factory.mktemp("template") / "test.db"

    async def migrate() -> None:
        database = await Database.connect(f"sqlite:///{path}", data_keys=KEYS)
        await database.dispose()

    in_a_thread(lambda: asyncio.run(migrate()))
    return path


@dataclass(frozen=True)
class PgCopy:
    """A schema's rows kept in a side schema (only the tables that had any), and where its
    sequences stood (None: never used), to be put back by `PgSchema.reset_sql`."""

    schema: str
    tables: tuple[str, ...]
    sequences: tuple[tuple[str, int | None], ...]


async def copy_rows(conn: AsyncConnection, source: str, target: str) -> PgCopy:
    """Copy every non-empty table of `source` into a new schema `target`."""
    await conn.execute(text(f'CREATE SCHEMA "{target}"'))
    kept: list[str] = []
    for table in await table_names(conn, source):
        if await conn.scalar(text(f'SELECT EXISTS (SELECT 1 FROM "{source}"."{table}")')):
            await conn.execute(text(
                f'CREATE TABLE "{target}"."{table}" AS SELECT * FROM "{source}"."{table}"'
            ))
            kept.append(table)
    sequences = tuple(
        (str(sequence), None if value is None else int(value))
        for sequence, value in (await conn.execute(
            text("SELECT sequencename, last_value FROM pg_sequences "
                 "WHERE schemaname = :s ORDER BY sequencename"),
            {"s": source},
        )).all()
    )
    return PgCopy(target, tuple(kept), sequences)


async def table_names(conn: AsyncConnection, schema: str) -> tuple[str, ...]:
    return tuple((await conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s "
             "AND tablename <> 'alembic_version' ORDER BY tablename"),
        {"s": schema},
    )).scalars())


@dataclass(frozen=True)
class PgSchema:
    """A schema of this test process's own, migrated once and emptied before each test."""

    name: str
    tables: tuple[str, ...]
    # Rows the migrations leave behind (e.g. 0020's "rebuild the erased cells" mark), put
    # back after each emptying with the sequences where they were: each test starts from
    # exactly what a fresh migration gives.
    seeds: PgCopy
    # DELETE with triggers and foreign keys off (session_replication_role, which needs a
    # superuser: 12 ms a test) where the server allows it, else TRUNCATE (70-80 ms).
    fast: bool

    def reset_sql(self, rows: PgCopy | None = None) -> list[str]:
        """Statements that take the schema back to `rows` (by default, just after its
        migrations). Only the seeds may be put back without `fast`: with triggers on, rows
        put back would log changes again."""
        rows = rows or self.seeds
        assert self.fast or rows is self.seeds, "a snapshot needs session_replication_role"
        restore = [
            f'INSERT INTO "{self.name}"."{t}" SELECT * FROM "{rows.schema}"."{t}"'
            for t in rows.tables
        ]
        positions = [
            f"setval('\"{self.name}\".\"{s}\"', {value or 1}, {value is not None})"
            for s, value in rows.sequences
        ]
        if not self.fast:
            listed = ", ".join(f'"{self.name}"."{t}"' for t in self.tables)
            return [f"TRUNCATE {listed} CASCADE", *restore, *(f"SELECT {p}" for p in positions)]
        body = [f'DELETE FROM "{self.name}"."{t}"' for t in self.tables]
        body += restore + [f"PERFORM {p}" for p in positions]
        return ["SET LOCAL session_replication_role = replica",
                "DO $$ BEGIN " + " ".join(f"{b};" for b in body) + " END $$"]

    async def reset(self, rows: PgCopy | None = None) -> None:
        """Take the schema back to `rows` (by default, just after its migrations)."""
        async with admin_transaction() as conn:
            for statement in self.reset_sql(rows):
                await conn.execute(text(statement))

    async def keep(self, label: str) -> PgCopy:
        """Copy the schema's rows as they are now aside, as `{name}_{label}`."""
        async with admin_transaction() as conn:
            return await copy_rows(conn, self.name, f"{self.name}_{label}")


@asynccontextmanager
async def admin_transaction() -> AsyncIterator[AsyncConnection]:
    """A transaction on CAREVOICE_TEST_DATABASE_URL's database, on a connection of its own."""
    assert PG_URL is not None
    admin = create_async_engine(async_url(PG_URL), poolclass=NullPool)
    try:
        async with admin.begin() as conn:
            yield conn
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def pg_schema(worker_id: str) -> Iterator[PgSchema | None]:
    """Under pytest-xdist every worker (`gw0`, `gw1`, ...) works in its own schema of
    CAREVOICE_TEST_DATABASE_URL's database, so workers never see each other's rows."""
    if PG_URL is None:
        yield None
        return
    name = f"w_{worker_id}_{secrets.token_hex(4)}"

    async def create() -> PgSchema:
        admin = create_async_engine(async_url(PG_URL), poolclass=NullPool)
        try:
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{name}"'))
            database = await Database.connect(PG_URL, schema=name, data_keys=KEYS)
            await database.dispose()
            async with admin.begin() as conn:
                tables = await table_names(conn, name)
                seeds = await copy_rows(conn, name, f"{name}_seed")
            try:
                async with admin.begin() as conn:
                    await conn.execute(text("SET LOCAL session_replication_role = replica"))
                fast = True
            except DBAPIError:  # not a superuser: TRUNCATE instead
                fast = False
        finally:
            await admin.dispose()
        return PgSchema(name, tables, seeds, fast)

    async def drop() -> None:
        # the schema, its seeds and any snapshots (`StoreSnapshots`): every `{name}_...`
        async with admin_transaction() as conn:
            side = (await conn.execute(
                text("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, :p)"),
                {"p": f"{name}_"},
            )).scalars().all()
            for schema in (name, *side):
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    schema = in_a_thread(lambda: asyncio.run(create()))
    try:
        yield schema
    finally:
        in_a_thread(lambda: asyncio.run(drop()))


@pytest.fixture
async def db(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    """A migrated, empty store on each configured backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        for suffix in SQLITE_FILES:
            part = Path(f"{template}{suffix}")
            if part.exists():
                shutil.copyfile(part, Path(f"{path}{suffix}"))
        database = await Database.connect(f"sqlite:///{path}", migrate=False, data_keys=KEYS)
        yield database
        await database.dispose()
        return
    assert PG_URL is not None
    shared: PgSchema | None = request.getfixturevalue("pg_schema")
    assert shared is not None
    # Emptying the worker's schema (12 to 80 ms, see PgSchema.fast) stands in for migrating
    # a new one (0.4 s of a test's set-up, and more on a busy server).
    await shared.reset()
    database = await Database.connect(PG_URL, schema=shared.name, migrate=False, data_keys=KEYS)
    try:
        yield database
    finally:
        await database.dispose()


class StoreSnapshots:
    """What an expensive arrangement left in a store, kept once per test process, backend
    and name, and put back for every later test that asks for the same: the role and team
    matrices build their world (a campaign answered through the engine, alerts, keys,
    messages) once, not for each of their 230 tests.

    SQLite: the file is copied with SQLite's backup API, and copied back the same way (safe
    with the test's own connections open). PostgreSQL: the rows are copied to a side schema
    and put back as `db` puts back the seeds. What `build` returns is kept with it and
    handed to each test: it must not be changed. Where the server refuses
    session_replication_role (`PgSchema.fast`), every test builds its own."""

    def __init__(self, folder: Path, pg: PgSchema | None) -> None:
        self._folder = folder
        self._pg = pg
        self._kept: dict[tuple[str, str], tuple[object, Path | PgCopy]] = {}

    async def arrange(self, name: str, db: Database, build: Callable[[], Awaitable[T]]) -> T:
        """`build()` in `db` the first time, else `db` put back to what it left."""
        backend = db.engine.dialect.name
        if backend != "sqlite" and not (self._pg and self._pg.fast):
            return await build()
        found = self._kept.get((name, backend))
        if found is not None:
            value, rows = found
            if isinstance(rows, Path):
                await asyncio.to_thread(_sqlite_backup, rows, _sqlite_path(db))
            else:
                assert self._pg is not None
                await self._pg.reset(rows)
            return cast(T, value)
        built = await build()
        kept: Path | PgCopy
        if backend == "sqlite":
            path = self._folder / f"{name}.db"
            await asyncio.to_thread(_sqlite_backup, _sqlite_path(db), path)
            kept = path
        else:
            assert self._pg is not None
            kept = await self._pg.keep(f"s{len(self._kept)}")
        self._kept[(name, backend)] = (built, kept)
        return built


def _sqlite_path(db: Database) -> Path:
    database = db.engine.url.database
    assert database and database != ":memory:", "snapshots need a SQLite file"
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture(scope="session")
def store_snapshots(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> StoreSnapshots:
    pg: PgSchema | None = request.getfixturevalue("pg_schema") if PG_URL else None
    return StoreSnapshots(tmp_path_factory.mktemp("snapshots"), pg)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def scorer() -> FakeScorer:
    return FakeScorer()


@pytest.fixture
def catalog(clock: FixedClock) -> SurveyCatalog:
    return SurveyCatalog(clock)


@pytest.fixture
def conversations(
    db: Database, catalog: SurveyCatalog, scorer: FakeScorer, clock: FixedClock
) -> ConversationService:
    return ConversationService(db, catalog, scorer, clock)


@pytest.fixture
def invite_csv(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> InviteCsv:
    """``await invite_csv(csv, survey_key)``: the CSV's people imported and invited to a
    built-in survey (see ``tests.factories.invite_from_csv``); their codes by reference."""

    async def invite(csv: str, survey_key: str) -> list[str]:
        return await invite_from_csv(db, catalog, clock, csv, survey_key=survey_key)

    return invite


@pytest.fixture(scope="session")
def demo_council_file(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The demo council (SQLite), loaded once per test run: copy it before use, with
    `tests.demo_council.copy_demo_council`, so no test sees another's changes. Under
    pytest-xdist the first worker to need it builds it in the run's shared folder while the
    others wait on a file lock; they all read the same file."""
    from filelock import FileLock

    from tests.demo_council import build_demo_council

    if worker_id == "master":  # not under xdist
        return build_demo_council(tmp_path_factory.mktemp("demo-council") / "demo.db")
    shared = tmp_path_factory.getbasetemp().parent / "demo-council"
    shared.mkdir(exist_ok=True)
    path = shared / "demo.db"
    with FileLock(str(shared / "build.lock")):
        if not (shared / "built").exists():
            build_demo_council(path)
            (shared / "built").touch()
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests share one live server (a session fixture): under `--dist loadgroup`
    they all go to one worker, so it starts once."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("browser"))
