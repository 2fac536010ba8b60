"""Database URLs as councils are handed them: a managed PostgreSQL's libpq-style URL
(`sslmode`, `connect_timeout`, `application_name`, `options`) works with asyncpg."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from storage.database import Database, libpq_parameters
from surveys.errors import UnavailableError

PG_URL = os.environ.get("CAREVOICE_TEST_DATABASE_URL")


def test_libpq_parameters_become_asyncpgs() -> None:
    url, args = libpq_parameters(
        "postgresql+asyncpg://u:secret@db.example:5432/cv?sslmode=require&connect_timeout=5"
        "&application_name=carevoice&options=-c%20statement_timeout%3D5000%20-c%20lock_timeout=100"
    )
    assert url == "postgresql+asyncpg://u:secret@db.example:5432/cv?ssl=require"
    assert args == {"timeout": 5.0, "server_settings": {
        "application_name": "carevoice", "statement_timeout": "5000", "lock_timeout": "100"}}


def test_asyncpgs_own_words_and_other_databases_are_left_alone() -> None:
    assert libpq_parameters("postgresql+asyncpg://u@h/cv?ssl=require&sslmode=disable") == (
        "postgresql+asyncpg://u@h/cv?ssl=require", {})  # ssl given: it wins
    assert libpq_parameters("sqlite+aiosqlite:///x.db?mode=ro") == (
        "sqlite+aiosqlite:///x.db?mode=ro", {})


def test_a_timeout_that_is_not_seconds_is_said_plainly() -> None:
    with pytest.raises(UnavailableError, match=r"connect_timeout .* number of seconds"):
        libpq_parameters("postgresql+asyncpg://u@h/cv?connect_timeout=soon")


@pytest.mark.skipif(PG_URL is None, reason="CAREVOICE_TEST_DATABASE_URL is not set")
async def test_a_libpq_url_connects() -> None:
    assert PG_URL is not None
    db = await Database.connect(
        f"{PG_URL}?sslmode=disable&connect_timeout=10&application_name=carevoice-test"
        "&options=-c%20statement_timeout%3D4321",
        migrate=False,
    )
    try:
        async with db.reader() as session:
            assert await session.scalar(text("SHOW statement_timeout")) == "4321ms"
            assert await session.scalar(text("SHOW application_name")) == "carevoice-test"
    finally:
        await db.dispose()
