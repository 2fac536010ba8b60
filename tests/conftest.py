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
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
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
class PgSchema:
    """A schema of this test process's own, migrated once and emptied before each test."""

    name: str
    tables: tuple[str, ...]
    # Rows the migrations leave behind (e.g. 0020's "rebuild the erased cells" mark), kept
    # in a side schema and put back after each emptying, with their sequences where they
    # were: each test starts from exactly what a fresh migration gives.
    seeded: tuple[str, ...]
    # Every sequence, with its last value after the migrations (None: never used).
    sequences: tuple[tuple[str, int | None], ...]
    # DELETE with triggers and foreign keys off (session_replication_role, which needs a
    # superuser: 12 ms a test) where the server allows it, else TRUNCATE (70-80 ms).
    fast: bool

    @property
    def seeds(self) -> str:
        return f"{self.name}_seed"

    def reset_sql(self) -> list[str]:
        """Statements that take the schema back to just after its migrations."""
        restore = [
            f'INSERT INTO "{self.name}"."{t}" SELECT * FROM "{self.seeds}"."{t}"'
            for t in self.seeded
        ]
        positions = [
            f"setval('\"{self.name}\".\"{s}\"', {value or 1}, {value is not None})"
            for s, value in self.sequences
        ]
        if not self.fast:
            listed = ", ".join(f'"{self.name}"."{t}"' for t in self.tables)
            return [f"TRUNCATE {listed} CASCADE", *restore, *(f"SELECT {p}" for p in positions)]
        body = [f'DELETE FROM "{self.name}"."{t}"' for t in self.tables]
        body += restore + [f"PERFORM {p}" for p in positions]
        return ["SET LOCAL session_replication_role = replica",
                "DO $$ BEGIN " + " ".join(f"{b};" for b in body) + " END $$"]


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
                tables = tuple(
                    (await conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = :s "
                             "AND tablename <> 'alembic_version' ORDER BY tablename"),
                        {"s": name},
                    )).scalars()
                )
                seeded: list[str] = []
                for table in tables:
                    if await conn.scalar(
                        text(f'SELECT EXISTS (SELECT 1 FROM "{name}"."{table}")')
                    ):
                        seeded.append(table)
                await conn.execute(text(f'CREATE SCHEMA "{name}_seed"'))
                for table in seeded:
                    await conn.execute(text(
                        f'CREATE TABLE "{name}_seed"."{table}" AS SELECT * FROM "{name}"."{table}"'
                    ))
                sequences = tuple(
                    (str(sequence), None if value is None else int(value))
                    for sequence, value in (await conn.execute(
                        text("SELECT sequencename, last_value FROM pg_sequences "
                             "WHERE schemaname = :s ORDER BY sequencename"),
                        {"s": name},
                    )).all()
                )
            try:
                async with admin.begin() as conn:
                    await conn.execute(text("SET LOCAL session_replication_role = replica"))
                fast = True
            except DBAPIError:  # not a superuser: TRUNCATE instead
                fast = False
        finally:
            await admin.dispose()
        return PgSchema(name, tables, tuple(seeded), sequences, fast)

    async def drop() -> None:
        admin = create_async_engine(async_url(PG_URL), poolclass=NullPool)
        try:
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}_seed" CASCADE'))
        finally:
            await admin.dispose()

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
    admin = create_async_engine(async_url(PG_URL), poolclass=NullPool)
    # Emptying the worker's schema (12 to 80 ms, see PgSchema.fast) stands in for migrating
    # a new one (0.4 s of a test's set-up, and more on a busy server).
    try:
        async with admin.begin() as conn:
            for statement in shared.reset_sql():
                await conn.execute(text(statement))
    finally:
        await admin.dispose()
    database = await Database.connect(PG_URL, schema=shared.name, migrate=False, data_keys=KEYS)
    try:
        yield database
    finally:
        await database.dispose()


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
