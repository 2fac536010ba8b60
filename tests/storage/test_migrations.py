"""Migrations: `alembic upgrade head` builds the same schema the code expects, on each backend."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from storage.tables import Base

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("CAREVOICE_TEST_DATABASE_URL")


def run_alembic(
    url: str, *args: str, schema: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAREVOICE_DATABASE_URL": url}
    if schema:
        env["CAREVOICE_DATABASE_SCHEMA"] = schema
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_alembic_upgrade_head_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    done = run_alembic(url, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    engine = create_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
    again = run_alembic(url, "upgrade", "head")  # idempotent
    assert again.returncode == 0, again.stderr
    down = run_alembic(url, "downgrade", "base")
    assert down.returncode == 0, down.stderr


@pytest.mark.skipif(not PG_URL, reason="CAREVOICE_TEST_DATABASE_URL is not set")
def test_alembic_upgrade_head_on_postgresql() -> None:
    assert PG_URL is not None
    schema = f"m_{secrets.token_hex(5)}"
    sync_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(sync_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        done = run_alembic(PG_URL, "upgrade", "head", schema=schema)
        assert done.returncode == 0, done.stderr
        tables = set(inspect(admin).get_table_names(schema=schema))
        assert set(Base.metadata.tables) <= tables
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Autogenerate finds nothing to add: the migration matches the tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert run_alembic(url, "upgrade", "head").returncode == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
