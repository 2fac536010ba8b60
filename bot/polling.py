"""Long polling that never drops an update: a batch is confirmed only once it is handled.

python-telegram-bot's `Updater` confirms fetched updates with its next `getUpdates`, before
they are handled, so a process killed mid-batch loses them. Here the offset moves past a
batch only after every update in it has been through `Application.process_update`; if the
process dies, Telegram sends the batch again and the message keys stored with each input
(`inbound_messages`) recognise what was already recorded. Updates of one chat are handled
in order; different chats at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.handlers import ALLOWED_UPDATES
from bot.sender import retry_after_seconds

log = logging.getLogger(__name__)


async def poll_updates(
    app: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    *,
    timeout: float = 10.0,
    limit: int = 100,
) -> None:
    """Fetch and handle updates until `stop` is set."""
    bot = app.bot
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    delay = 0.5
    while not stop.is_set():
        fetch = asyncio.create_task(
            bot.get_updates(
                offset=offset,
                timeout=int(timeout),
                limit=limit,
                allowed_updates=list(ALLOWED_UPDATES),
                read_timeout=timeout + 10,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():  # stopping: what it would have fetched stays unconfirmed
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            break
        try:
            updates = fetch.result()
        except InvalidToken:
            raise
        except RetryAfter as error:
            await _sleep(stop, retry_after_seconds(error))
            continue
        except TelegramError as error:
            log.warning("getUpdates failed (%s); retrying in %.1fs", type(error).__name__, delay)
            await _sleep(stop, delay)
            delay = min(delay * 2, 30.0)
            continue
        delay = 0.5
        if updates:
            await handle_batch(app, updates)
            offset = updates[-1].update_id + 1
    if offset is not None:  # confirm the last batch handled
        with contextlib.suppress(TelegramError):
            await bot.get_updates(offset=offset, timeout=0, limit=1)


async def handle_batch(app: Application, updates: Sequence[Update]) -> None:  # type: ignore[type-arg]
    """Handle a batch: each chat's updates in order, different chats concurrently."""
    by_chat: dict[int, list[Update]] = {}
    for update in updates:
        by_chat.setdefault(chat_key(update), []).append(update)

    async def run(chat_updates: list[Update]) -> None:
        for update in chat_updates:
            try:
                await app.process_update(update)
            except Exception as error:  # handler errors go to the error handler; this is rarer
                log.error("update not processed: %s", type(error).__name__)

    await asyncio.gather(*(run(chat_updates) for chat_updates in by_chat.values()))


def chat_key(update: Update) -> int:
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return -update.update_id


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
