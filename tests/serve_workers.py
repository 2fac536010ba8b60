"""N `carevoice serve` workers on one PostgreSQL schema behind a round-robin proxy, with
the Bot API emulator delivering updates to the proxy: shared by the end-to-end kill test
(tests/bot/test_workers_end_to_end.py) and the benchmark (benchmarks/workers.py)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import async_url
from tests.bot.test_end_to_end import JSON, SECRET, BotProcess, Young, _env
from tests.live_server import free_port
from tests.round_robin import RoundRobin
from tests.telegram_emulator import EmulatorServer
from tests.telegram_emulator.server import serve_asgi


class Patient(Young):
    """A young person who waits ``patience`` seconds for each reply: a worker restarting
    (or a loaded box) is slow, not broken."""

    def __init__(self, emulator: EmulatorServer, user_id: int, code: str, patience: float):
        super().__init__(emulator, user_id, code)
        self.patience = patience

    async def wait(self, predicate: Any) -> JSON:
        return await self.emu.wait_for_message(self.user_id, predicate, timeout=self.patience)


@asynccontextmanager
async def own_schema(url: str, prefix: str) -> AsyncIterator[str]:
    """A new, empty schema in ``url``'s database, dropped (with what is in it) afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        await admin.dispose()


async def wait_ready(port: int, process: BotProcess, within: float) -> None:
    """Until the worker on ``port`` answers /readyz with 200 (its log in the error)."""
    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
        for _ in range(round(within / 0.1)):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"worker on port {port} did not start:\n{process.output()}")


@dataclass(frozen=True)
class Workers:
    """The running emulator, the proxy in front, and one process per worker."""

    emulator: EmulatorServer
    proxy: RoundRobin
    ports: list[int]
    processes: list[BotProcess]
    ready_within: float

    async def ready(self) -> None:
        """Until every worker answers /readyz."""
        pairs = zip(self.ports, self.processes, strict=True)
        await asyncio.gather(*(wait_ready(port, w, self.ready_within) for port, w in pairs))


@asynccontextmanager
async def serve_workers(
    url: str,
    schema: str,
    count: int,
    logs: Path,
    *,
    connections: int,
    ready_within: float = 60,
    **emulator_options: Any,
) -> AsyncIterator[Workers]:
    """``count`` workers started (not yet ready: ``await workers.ready()``) on ``schema``,
    Telegram delivering up to ``connections`` updates at once; all stopped at the end."""
    ports = [free_port() for _ in range(count)]
    proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
    async with (
        EmulatorServer(webhook_connections=connections, **emulator_options) as emulator,
        serve_asgi(proxy) as proxy_url,
    ):
        env = _env(
            emulator,
            url,
            CAREVOICE_DATABASE_SCHEMA=schema,
            CAREVOICE_WEBHOOK_URL=f"{proxy_url}/telegram/webhook",
            CAREVOICE_WEBHOOK_SECRET=SECRET,
        )
        processes = [
            BotProcess(["serve", "--port", str(port)], env, logs / f"worker{n}.log")
            for n, port in enumerate(ports)
        ]
        try:
            for process in processes:
                process.start()
            yield Workers(emulator, proxy, ports, processes, ready_within)
        finally:
            for process in processes:
                process.stop()
            await proxy.aclose()
