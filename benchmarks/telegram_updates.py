"""Telegram updates handled per second in one process, beside a bare python-telegram-bot
echo bot measured in the same run.

    python -m benchmarks.telegram_updates                       # 300 young people, SQLite
    python -m benchmarks.telegram_updates --people 1000
    python -m benchmarks.telegram_updates --url postgresql://postgres@127.0.0.1:5432/test

Both bots run on the same in-process fake Bot API (no sockets), so the figures are what
the process itself costs: python-telegram-bot's parsing and dispatch, and for carevoice the
consent, the engine, one database transaction per input and the replies (edits, button
answers, next question). Updates come in rounds, one per young person, handled as the
long-polling loop does (chats at once, each chat in order). The echo bot answers each text
message with the same text.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.application import BotConfig, build_application
from bot.polling import handle_batch
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database, async_url
from storage.outbox import QuietHours
from storage.reach import Reach
from surveys.clock import SystemClock
from surveys.sentiment import default_scorer
from tests.factories import campaign_with_codes
from tests.telegram_emulator import DEFAULT_TOKEN, BotApiState, FakeRequest, UpdateMaker

FIRST_CHAT = 2_000_000
API = "http://bot-api.invalid/bot"
JSON = dict[str, Any]


def _buttons(message: JSON) -> list[JSON]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


class Young:
    """Works out a young person's next update from what the bot last said."""

    def __init__(self, state: BotApiState, maker: UpdateMaker, chat: int, code: str) -> None:
        self.state, self.maker, self.chat, self.code = state, maker, chat, code
        self.step = 0
        self.done = False

    def _tap(self, label: str) -> Update:
        for message in reversed(self.state.messages_to(self.chat)):
            for button in _buttons(message):
                if label in button["text"]:
                    return self.maker.button(
                        self.chat, message["message_id"], button["callback_data"]
                    )
        raise AssertionError(f"no button {label!r} in chat {self.chat}")

    def next_update(self) -> Update | None:
        if self.done:
            return None
        last = str(self.state.messages_to(self.chat)[-1].get("text", "")) if self.step else ""
        self.step += 1
        if self.step == 1:
            return self.maker.command(self.chat, "start", self.code)
        # the thanks, then what happens next and when ("... will read ... after 17 December")
        if last == "Thank you!" or last.startswith(
            ("The participation team will read", "Your IRO will read")
        ):
            self.done = True
            return None
        for ending, label in (
            ("Is that OK with you?", "Yes"),
            ("How are things?", "Good"),
            ("Where should the meeting be?", "At school"),
            ("Would you like to chair your meeting?", "Yes"),
        ):
            if last.endswith(ending):
                return self._tap(label)
        if last.startswith("Who can read what you just wrote?"):
            return self._tap("My IRO and worker can read this")
        if last.endswith("Who should come?"):
            ticked = any(
                b["text"].startswith("✅ My")
                for b in _buttons(self.state.messages_to(self.chat)[-1])
            )
            return self._tap("Done" if ticked else "My carer")
        if last.endswith("Why would you like to chair it?"):
            return self.maker.text(self.chat, "So that my IRO listens to what I say")
        if last.endswith("Anything just for your IRO?"):
            return self.maker.text(self.chat, "No, thank you")
        raise AssertionError(f"unexpected message {last!r}")


async def run_rounds(
    app: Application,  # type: ignore[type-arg]
    next_updates: Callable[[], list[Update]],
) -> tuple[int, float]:
    """Handle rounds of updates until there are none; returns (updates, seconds)."""
    handled, seconds = 0, 0.0
    while True:
        batch = next_updates()
        if not batch:
            return handled, seconds
        started = time.perf_counter()
        await handle_batch(app, batch)
        seconds += time.perf_counter() - started
        handled += len(batch)


async def carevoice_run(url: str, people: int, schema: str | None) -> tuple[int, float, int]:
    db = await Database.connect(url, schema=schema)
    try:
        clock = SystemClock()
        catalog = SurveyCatalog(clock)
        _, codes = await campaign_with_codes(db, catalog, clock, people=people)
        conversations = ConversationService(db, catalog, default_scorer(), clock)
        conversations.warm()  # as `carevoice bot` does while it starts
        reach = Reach(db, clock, quiet=QuietHours(0, 0))
        state = BotApiState(record_calls=False)
        config = BotConfig(token=DEFAULT_TOKEN, api_url=API)
        app = build_application(config, conversations, reach, request=FakeRequest(state))
        await app.initialize()
        maker = UpdateMaker(state, app.bot)
        young = [Young(state, maker, FIRST_CHAT + n, code) for n, code in enumerate(codes)]

        def next_updates() -> list[Update]:
            return [u for y in young if (u := y.next_update()) is not None]

        handled, seconds = await run_rounds(app, next_updates)
        await app.shutdown()
        calls = sum(state.stats.per_method.values())
        assert all(y.done for y in young), "not everyone finished"
        return handled, seconds, calls
    finally:
        await db.dispose()


async def echo_run(people: int, rounds: int) -> tuple[int, float]:
    state = BotApiState(record_calls=False)
    app = ApplicationBuilder().token(DEFAULT_TOKEN).base_url(API).updater(None)
    app = app.request(FakeRequest(state)).get_updates_request(FakeRequest(state)).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    maker = UpdateMaker(state, app.bot)
    left = [rounds]

    def next_updates() -> list[Update]:
        if left[0] == 0:
            return []
        left[0] -= 1
        return [maker.text(FIRST_CHAT + n, "So that my IRO listens") for n in range(people)]

    handled, seconds = await run_rounds(app, next_updates)
    await app.shutdown()
    return handled, seconds


async def main(people: int, url: str | None) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with tempfile.TemporaryDirectory() as folder:
        schema = None
        admin = None
        if url is None:
            target = f"sqlite:///{Path(folder) / 'updates.db'}"
        else:
            target = url
            schema = f"bench_{secrets.token_hex(4)}"
            admin = create_async_engine(async_url(url))
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            handled, seconds, calls = await carevoice_run(target, people, schema)
        finally:
            if admin is not None:
                async with admin.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                await admin.dispose()
    rounds = max(1, handled // people)
    echo_handled, echo_seconds = await echo_run(people, rounds)
    ours, bare = handled / seconds, echo_handled / echo_seconds
    backend = "SQLite" if url is None else "PostgreSQL"
    print(f"{people} young people, each a whole survey ({backend})")
    print(
        f"carevoice bot:  {handled:,} updates in {seconds:.2f}s = {ours:,.0f} updates/s "
        f"({calls / handled:.1f} Bot API calls each)"
    )
    print(
        f"PTB echo bot:   {echo_handled:,} updates in {echo_seconds:.2f}s = {bare:,.0f} updates/s"
    )
    print(f"ratio (carevoice / echo): {ours / bare:.2f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300, help="young people answering at once")
    parser.add_argument("--url", help="PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.url))


if __name__ == "__main__":
    cli()
