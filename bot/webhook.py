"""Webhook mode: Telegram POSTs each update; the HTTP layer hands over the body and header.

The update is handled before the answer goes back, so a 200 means it is recorded; anything
else and Telegram sends it again (the message keys make that harmless).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import OrderedDict

from telegram import Update
from telegram.ext import Application

from bot.polling import chat_key

log = logging.getLogger(__name__)
MAX_CHAT_LOCKS = 10_000


class WebhookReceiver:
    """`await receiver(body, secret_header)` returns the HTTP status to answer with."""

    def __init__(self, app: Application, secret: str) -> None:  # type: ignore[type-arg]
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self.app = app
        self._secret = secret.encode()
        self._locks: OrderedDict[int, asyncio.Lock] = OrderedDict()

    async def __call__(self, body: bytes, secret: str | None) -> int:
        if secret is None or not hmac.compare_digest(secret.encode(), self._secret):
            log.warning("webhook call refused: wrong or missing secret token")
            return 403
        try:
            update = Update.de_json(json.loads(body), self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("webhook call refused: not an update")
            return 400
        async with self._lock(chat_key(update)):  # one chat's updates in order
            await self.app.process_update(update)
        return 200

    def _lock(self, chat: int) -> asyncio.Lock:
        lock = self._locks.pop(chat, None) or asyncio.Lock()
        self._locks[chat] = lock
        while len(self._locks) > MAX_CHAT_LOCKS:
            oldest, old_lock = next(iter(self._locks.items()))
            if old_lock.locked():
                break
            del self._locks[oldest]
        return lock
