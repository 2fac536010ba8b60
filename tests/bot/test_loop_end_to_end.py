"""End to end over real HTTP on 127.0.0.1, for the loop back to young people: a real
`carevoice serve` (webhook) talks to the Bot API emulator; a young person answers on
Telegram and reads "you said, we did" at the end, the worker replies through the API and
the reply arrives in their chat; they send a message at any time with /message and the
officer reads it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.keys import Role, create_key
from storage.statements import publish
from surveys.clock import SystemClock
from tests.bot.test_end_to_end import BotProcess, Young, _env, emulator  # noqa: F401
from tests.factories import campaign_with_codes
from tests.live_server import free_port
from tests.telegram_emulator import EmulatorServer

pytestmark = pytest.mark.e2e

USER = 81_000


async def _prepare(url: str) -> tuple[str, str]:
    db = await Database.connect(url)
    clock = SystemClock()
    try:
        _, codes = await campaign_with_codes(db, SurveyCatalog(clock), clock, people=1)
        async with db.transaction() as session:
            key = await create_key(session, clock, role=Role.OFFICER, name="e2e officer")
            await publish(
                session, clock, actor="e2e", you_said="Meetings are boring",
                we_did="Reviews are shorter now",
            )  # fmt: skip
    finally:
        await db.dispose()
    return codes[0], key.token


async def _ready(api: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await api.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("carevoice serve did not start")


async def test_the_worker_replies_and_the_child_reads_it_on_telegram(
    emulator: EmulatorServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    code, key = await _prepare(url)
    port = free_port()
    env = _env(
        emulator,
        url,
        CAREVOICE_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
        CAREVOICE_QUIET_START_HOUR="0",  # no quiet hours, whatever the time of the test
        CAREVOICE_QUIET_END_HOUR="0",
    )
    server = BotProcess(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    officer = {"Authorization": f"Bearer {key}"}
    server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as api:
            await _ready(api)
            young = Young(emulator, USER, code)
            await young.take_part()
            said = await young.wait(lambda m: "You said: Meetings are boring" in m.get("text", ""))
            assert "We did: Reviews are shorter now" in said["text"]

            (response,) = (await api.get("/api/v1/campaigns/1/responses", headers=officer)).json()[
                "items"
            ]
            sent = await api.post(
                f"/api/v1/responses/{response['id']}/replies",
                json={"text": "Thank you. Your IRO will ask about chairing."},
                headers=officer,
            )
            assert sent.status_code == 201, sent.text
            reply = await young.wait(lambda m: "A reply from your worker" in m.get("text", ""))
            assert "Your IRO will ask about chairing." in reply["text"]

            emulator.user_sends_command(USER, "message")
            menu = await young.wait(
                lambda m: "What would you like to tell us?" in m.get("text", "")
            )
            young.tap(menu, "Good news")
            prompt = await young.wait(lambda m: "Good news!" in m.get("text", ""))
            emulator.user_sends_text(
                USER, "I got a place at college", reply_to_message_id=prompt["message_id"]
            )
            await young.wait(lambda m: "your message has gone" in m.get("text", ""))
            listed = (await api.get("/api/v1/messages", headers=officer)).json()["items"]
            assert [(m["kind"], m["text"]) for m in listed] == [
                ("good_news", "I got a place at college")
            ]
            answered = await api.post(
                f"/api/v1/messages/{listed[0]['id']}/replies",
                json={"text": "Congratulations!"},
                headers=officer,
            )
            assert answered.status_code == 201
            await young.wait(lambda m: "Congratulations!" in m.get("text", ""))
    except BaseException:
        print(server.output())
        raise
    finally:
        server.stop()
