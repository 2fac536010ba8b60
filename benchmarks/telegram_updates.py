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

Two floors are measured beside them, to show what the ratio can reach at all for a bot that
keeps nothing-lost: the echo bot that first commits each message in one statement through
the bare driver (aiosqlite, or asyncpg), the least any bot can do that stores an input when
it arrives; and that bot making as many Bot API calls an update as carevoice did in the
run (answer the button, edit the question into a record of the answer, send the next).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
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


Reply = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The echo bot: the message's own text, sent back."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


async def echo_run(
    people: int, rounds: int, reply: Reply = echo, state: BotApiState | None = None
) -> tuple[int, float]:
    """The bare bot answering `rounds` text messages from each of `people` chats."""
    state = state or BotApiState(record_calls=False)
    app = ApplicationBuilder().token(DEFAULT_TOKEN).base_url(API).updater(None)
    app = app.request(FakeRequest(state)).get_updates_request(FakeRequest(state)).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, reply))
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


class Floor:
    """The echo bot that commits each message before it replies, through the bare driver.

    One statement an update (an insert keyed by chat and message, committed on its own):
    the least a bot can write and still lose nothing. With `calls` above 1 it also makes
    that many Bot API calls an update on average, as carevoice does."""

    def __init__(self, url: str | None, folder: Path, calls: float = 1.0) -> None:
        self.url, self.folder, self.calls = url, folder, calls
        self.handled = 0
        self.table = f"floor_inputs_{secrets.token_hex(4)}"
        self._sqlite: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()  # SQLite has one writer: wait here, not in busy_timeout
        self._pool: asyncpg.Pool | None = None

    async def __aenter__(self) -> Floor:
        create = f"CREATE TABLE {self.table} (chat BIGINT, message BIGINT, body TEXT, " \
            "PRIMARY KEY (chat, message))"
        if self.url is None:
            self._sqlite = await aiosqlite.connect(self.folder / "floor.db", isolation_level=None)
            await self._sqlite.execute("PRAGMA journal_mode=WAL")
            await self._sqlite.execute("PRAGMA synchronous=NORMAL")  # as carevoice's store
            await self._sqlite.execute(create)
        else:
            dsn = async_url(self.url).replace("postgresql+asyncpg://", "postgresql://")
            self._pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
            await self._pool.execute(create)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._sqlite is not None:
            await self._sqlite.close()
        if self._pool is not None:
            await self._pool.execute(f"DROP TABLE {self.table}")
            await self._pool.close()

    async def stored(self) -> int:
        """How many messages this floor has committed."""
        sql = f"SELECT count(*) FROM {self.table}"
        if self._sqlite is not None:
            async with self._sqlite.execute(sql) as cursor:
                row = await cursor.fetchone()
            return int(row[0]) if row else 0
        assert self._pool is not None
        return int(await self._pool.fetchval(sql))

    async def reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Store the message, committed, then answer it with this floor's calls."""
        message = update.effective_message
        assert message is not None
        key = (message.chat_id, message.message_id, message.text or "")
        if self._sqlite is not None:
            async with self._lock:
                await self._sqlite.execute(f"INSERT INTO {self.table} VALUES (?, ?, ?)", key)
        else:
            assert self._pool is not None
            await self._pool.execute(f"INSERT INTO {self.table} VALUES ($1, $2, $3)", *key)
        n = self.handled
        self.handled += 1
        for _ in range(round((n + 1) * self.calls) - round(n * self.calls)):
            await message.reply_text(message.text or "")


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
        floors = []
        for per_update in (1.0, calls / handled):
            async with Floor(url, Path(folder), per_update) as floor:
                floors.append(await echo_run(people, rounds, floor.reply))
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
    driver = "aiosqlite" if url is None else "asyncpg"
    names = (
        f"floor: echo + one committed insert ({driver})",
        f"floor: that + {calls / handled:.1f} Bot API calls an update",
    )
    for name, (n, took) in zip(names, floors, strict=True):
        print(f"{name}: {n / took:,.0f} updates/s (ratio to echo {n / took / bare:.2f})")
    print(f"ratio (carevoice / echo): {ours / bare:.2f}")
    floor_rate = floors[1][0] / floors[1][1]
    print(f"ratio (carevoice / the second floor): {ours / floor_rate:.2f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300, help="young people answering at once")
    parser.add_argument("--url", help="PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.url))


if __name__ == "__main__":
    cli()
