"""`carevoice bot` and the webhook wiring of `carevoice serve`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import create_app
from carevoice.cli import app
from carevoice.cli_bot import webhook_routers
from carevoice.wiring import build_services
from services.settings import Settings
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.tables import ChannelLinkRow, OutboxRow, PersonRow
from surveys.clock import SystemClock
from tests.factories import campaign_with_codes
from tests.telegram_emulator import EmulatorServer

runner = CliRunner()
SECRET = "webhook_secret-42"


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


async def _campaign_with_one_linked(url: str) -> int:
    db = await Database.connect(url)
    clock = SystemClock()
    try:
        campaign_id, _ = await campaign_with_codes(db, SurveyCatalog(clock), clock, people=2)
        async with db.transaction() as session:
            person = await session.scalar(select(PersonRow.id).order_by(PersonRow.id))
            assert person is not None
            session.add(
                ChannelLinkRow(
                    person_id=person, channel="telegram", address="77", linked_at=clock.now()
                )
            )
    finally:
        await db.dispose()
    return campaign_id


async def _outbox_addresses(url: str) -> list[str]:
    db = await Database.connect(url, migrate=False)
    try:
        async with db.reader() as session:
            return list((await session.scalars(select(OutboxRow.address))).all())
    finally:
        await db.dispose()


def test_send_invitations_queues_for_linked_young_people(url: str) -> None:
    campaign_id = asyncio.run(_campaign_with_one_linked(url))
    env = {"CAREVOICE_DATABASE_URL": url, "COLUMNS": "200"}
    result = runner.invoke(
        app, ["bot", "send-invitations", "--campaign", str(campaign_id)], env=env
    )
    assert result.exit_code == 0, result.output
    assert "Queued 1 invitation(s)" in result.output and "1 not on Telegram" in result.output
    again = runner.invoke(app, ["bot", "send-invitations", "--campaign", str(campaign_id)], env=env)
    assert "Queued 0 invitation(s); 1 already queued" in again.output
    assert asyncio.run(_outbox_addresses(url)) == ["77"]
    missing = runner.invoke(app, ["bot", "send-invitations", "--campaign", "999"], env=env)
    assert missing.exit_code == 1 and "no campaign 999" in missing.output


def test_the_bot_needs_a_token(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREVOICE_TELEGRAM_TOKEN", raising=False)
    result = runner.invoke(app, ["bot"], env={"CAREVOICE_DATABASE_URL": url, "COLUMNS": "200"})
    assert result.exit_code != 0
    assert "CAREVOICE_TELEGRAM_TOKEN" in result.output
    help_text = runner.invoke(app, ["bot", "--help"], env={"COLUMNS": "200"}).output
    assert "send-invitations" in help_text and "long polling" in help_text


def test_no_webhook_unless_configured() -> None:
    assert webhook_routers(Settings(_env_file=None)) == []  # type: ignore[call-arg]
    no_token = Settings(_env_file=None, webhook_url="https://x.example/telegram/webhook")  # type: ignore[call-arg]
    assert webhook_routers(no_token) == []


async def test_serve_with_a_webhook_url_sets_the_webhook_and_answers_updates(url: str) -> None:
    with EmulatorServer() as emulator:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            telegram_token=emulator.token,
            telegram_api_url=emulator.base_url,
            webhook_url="http://127.0.0.1:9/telegram/webhook",
            webhook_secret=SECRET,
        )
        http = create_app(settings=settings, build=build_services,
                              extra_routers=webhook_routers(settings))
        transport = httpx.ASGITransport(app=http)
        async with (
            http.router.lifespan_context(http),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            info = emulator.webhook_info()
            assert info["url"] == "http://127.0.0.1:9/telegram/webhook"
            update = emulator.user_sends_command(4321, "help", deliver=False)
            body = json.dumps(update)
            refused = await client.post("/telegram/webhook", content=body)
            assert refused.status_code == 403
            ok = await client.post(
                "/telegram/webhook",
                content=body,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert ok.status_code == 200
            [reply] = emulator.messages_to(4321)
            assert reply["text"].startswith("Here's what you can do")
            assert (await client.get("/healthz")).status_code == 200
