"""`carevoice serve` escalates waiting alerts by itself (the job runs in the app's lifespan),
from state in the database, so a restart picks up where the last process stopped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from api.app import create_app
from carevoice.wiring import build_services
from services.settings import Settings
from storage.tables import OutboxRow, SafeguardingAlertRow


async def test_serve_escalates_an_alert_that_waited_too_long(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    settings = Settings(_env_file=None, database_url=url, duty_chat_ids="42")  # type: ignore[call-arg]
    services = await build_services(settings)
    try:  # an alert left waiting by a process that stopped
        async with services.db.transaction() as session:
            session.add(SafeguardingAlertRow(
                category="help_now", phrase_id="help_now", channel="web",
                created_at=datetime.now(UTC) - timedelta(hours=1),
                escalate_at=datetime.now(UTC) - timedelta(minutes=1),
            ))
    finally:
        await services.close()
    http = create_app(settings=settings, build=build_services)
    async with http.router.lifespan_context(http), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=http), base_url="http://test"
    ) as client:
        assert (await client.get("/healthz")).status_code == 200
        escalated = None
        for _ in range(100):
            async with http.state.services.db.reader() as session:
                escalated = await session.scalar(select(SafeguardingAlertRow.escalated_at))
                duty = (await session.scalars(select(OutboxRow.address))).all()
            if escalated is not None:
                break
            await asyncio.sleep(0.05)
    assert escalated is not None and list(duty) == ["42"]
