"""Shared fixtures: a store on SQLite always, and on PostgreSQL when configured.

Set CAREVOICE_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run
every storage test on PostgreSQL too; each test gets a schema of its own.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database, async_url
from storage.encryption import DataKeys
from surveys.clock import FixedClock
from tests.fakes import FakeScorer

PG_URL = os.environ.get("CAREVOICE_TEST_DATABASE_URL")
# Set CAREVOICE_DATA_KEY to run the storage tests with free text encrypted at rest (the
# services the API and web tests build read it from the environment too).
KEYS = DataKeys.parse(os.environ.get("CAREVOICE_DATA_KEY"))
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty store on each configured backend."""
    if backend == "sqlite":
        database = await Database.connect(f"sqlite:///{tmp_path / 'test.db'}", data_keys=KEYS)
        yield database
        await database.dispose()
        return
    assert PG_URL is not None
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_async_engine(async_url(PG_URL))
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = await Database.connect(PG_URL, schema=schema, data_keys=KEYS)
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


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


@pytest.fixture(scope="session")
def demo_council_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo council (SQLite), loaded once per test session: copy it before use, with
    `tests.demo_council.copy_demo_council`, so no test sees another's changes."""
    from tests.demo_council import build_demo_council

    return build_demo_council(tmp_path_factory.mktemp("demo-council") / "demo.db")
