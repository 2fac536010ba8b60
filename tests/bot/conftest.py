"""Bot fixtures: the real `Application` on a fake Bot API (no sockets), and a young person
who taps and types through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.ext import Application

from bot.application import BotConfig, build_application
from bot.callbacks import Signer
from storage.catalog import SurveyCatalog
from storage.conversations import AlertRecipient, ConversationService
from storage.database import Database
from storage.outbox import Outbox, QuietHours
from storage.reach import Reach
from surveys.clock import FixedClock
from tests.fakes import FakeScorer
from tests.telegram_emulator import DEFAULT_TOKEN, BotApiState, FakeRequest, UpdateMaker

OFFICER = 9001
NO_QUIET = QuietHours(0, 0)
CONFIG = BotConfig(
    token=DEFAULT_TOKEN,
    api_url="http://bot-api.invalid/bot",
    council_name="Test Council",
    alerts_link="https://voice.example.org/api/v1/alerts",
)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB 23's `RetryAfter.retry_after` (PTB 22 warns whenever one is built)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def state() -> BotApiState:
    return BotApiState()


@pytest.fixture
def signer() -> Signer:
    return Signer(DEFAULT_TOKEN)


@pytest.fixture
def conversations(
    db: Database, catalog: SurveyCatalog, scorer: FakeScorer, clock: FixedClock
) -> ConversationService:
    """The service with one officer to alert."""
    return ConversationService(
        db, catalog, scorer, clock, alert_recipients=(AlertRecipient("telegram", str(OFFICER)),)
    )


@pytest.fixture
def reach(db: Database, clock: FixedClock) -> Reach:
    return Reach(db, clock, quiet=NO_QUIET)


@pytest.fixture
def outbox(db: Database, clock: FixedClock) -> Outbox:
    return Outbox(db, clock, quiet=NO_QUIET)


@pytest.fixture
async def app(
    state: BotApiState, conversations: ConversationService, reach: Reach
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = build_application(CONFIG, conversations, reach, request=FakeRequest(state))
    await application.initialize()
    yield application
    await application.shutdown()


@dataclass
class YoungPerson:
    """Someone in a private chat with the bot: every update goes through `process_update`."""

    state: BotApiState
    app: Application  # type: ignore[type-arg]
    user_id: int
    maker: UpdateMaker = field(init=False)

    def __post_init__(self) -> None:
        self.maker = UpdateMaker(self.state, self.app.bot)
        self.state.add_user(self.user_id)

    async def say(self, text: str) -> None:
        await self.app.process_update(self.maker.text(self.user_id, text))

    async def command(self, name: str, args: str = "") -> None:
        await self.app.process_update(self.maker.command(self.user_id, name, args))

    async def tap(self, label: str, *, message: dict[str, Any] | None = None) -> dict[str, Any]:
        """Tap the button whose label contains `label` on `message` (default: the newest
        message that has one). Returns the message tapped."""
        target = message or self.message_with(label)
        data = _button_data(target, label)
        await self.app.process_update(self.maker.button(self.user_id, target["message_id"], data))
        return target

    async def press(self, message_id: int, data: str) -> None:
        """Send a callback with any data (forged or stale)."""
        update = self.maker.button(self.user_id, message_id, data, strict=False)
        await self.app.process_update(update)

    def messages(self) -> list[dict[str, Any]]:
        return self.state.messages_to(self.user_id)

    def texts(self) -> list[str]:
        return [m.get("text", "") for m in self.messages()]

    def last(self) -> dict[str, Any]:
        messages = self.messages()
        assert messages, "the bot has said nothing"
        return messages[-1]

    def message_with(self, label: str) -> dict[str, Any]:
        for message in reversed(self.messages()):
            if any(label in b["text"] for b in _buttons(message)):
                return message
        raise AssertionError(f"no message with a button {label!r}; bot said {self.texts()!r}")


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def _button_data(message: dict[str, Any], label: str) -> str:
    for button in _buttons(message):
        if label in button["text"]:
            return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} on {message.get('text')!r}")


def buttons(message: dict[str, Any]) -> list[str]:
    """The labels of a message's inline buttons."""
    return [b["text"] for b in _buttons(message)]


@pytest.fixture
def young(state: BotApiState, app: Application) -> YoungPerson:  # type: ignore[type-arg]
    return YoungPerson(state, app, 5001)
