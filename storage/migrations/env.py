"""Alembic environment: runs on a connection we are given, or on CAREVOICE_DATABASE_URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import async_url, libpq_parameters
from storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    if connection.dialect.name == "postgresql":
        # Two processes starting at once must not both create the schema.
        connection.execute(text("SELECT pg_advisory_xact_lock(421337)"))
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    configured = config.get_main_option("sqlalchemy.url")
    return async_url(
        configured or os.environ.get("CAREVOICE_DATABASE_URL", "sqlite:///carevoice.db")
    )


async def _run_online() -> None:
    schema = os.environ.get("CAREVOICE_DATABASE_SCHEMA")  # PostgreSQL: migrate this schema
    url, connect_args = libpq_parameters(_url(), schema)
    engine = create_async_engine(url, connect_args=connect_args)
    async with engine.begin() as connection:
        await connection.run_sync(_configure_and_run)
    await engine.dispose()


def run() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _configure_and_run(given)
    elif context.is_offline_mode():
        context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_online())


run()
