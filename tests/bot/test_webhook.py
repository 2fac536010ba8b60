"""The webhook receiver: the secret header is checked, the update handled before answering."""

from __future__ import annotations

import json

from telegram.ext import Application

from bot.webhook import WebhookReceiver
from tests.bot.conftest import YoungPerson
from tests.telegram_emulator import BotApiState

SECRET = "s3cret_token-123"


async def test_only_telegram_with_the_secret_gets_in(
    state: BotApiState,
    app: Application,  # type: ignore[type-arg]
    young: YoungPerson,
) -> None:
    receiver = WebhookReceiver(app, SECRET)
    update = state.user_sends_command(young.user_id, "help", deliver=False)
    body = json.dumps(update).encode()
    assert await receiver(body, None) == 403
    assert await receiver(body, "wrong") == 403
    assert state.messages_to(young.user_id) == []
    assert await receiver(b"{not json", SECRET) == 400
    assert await receiver(b"[1, 2]", SECRET) == 400
    assert await receiver(body, SECRET) == 200
    assert young.last()["text"].startswith("Here's what you can do")
