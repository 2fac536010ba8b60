"""Guessing invitation codes in Telegram: `/start <code>` misses are throttled per chat."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.application import build_application
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.reach import Reach
from surveys.clock import FixedClock
from surveys.errors import InvitationError
from surveys.throttle import Throttles
from tests.bot.conftest import CONFIG, YoungPerson
from tests.factories import campaign_with_codes
from tests.telegram_emulator import BotApiState, FakeRequest

UNKNOWN = InvitationError.MESSAGES["unknown"]


@pytest.fixture
async def guarded(
    state: BotApiState, conversations: ConversationService, reach: Reach
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    codes = Throttles.from_limits(codes_per_client="3/minute", codes_overall="100/minute").codes
    config = dataclasses.replace(CONFIG, codes=codes)
    application = build_application(config, conversations, reach, request=FakeRequest(state))
    await application.initialize()
    yield application
    await application.shutdown()


async def _guess(young: YoungPerson, code: str) -> None:
    await young.command("start", code)
    if young.last().get("reply_markup", {}).get("inline_keyboard"):
        await young.tap("Yes")


async def test_a_chat_guessing_codes_is_asked_to_wait_even_with_a_right_one(
    state: BotApiState, guarded: Application,  # type: ignore[type-arg]
    db: Database, catalog: SurveyCatalog, clock: FixedClock,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock, people=1)
    guesser = YoungPerson(state, guarded, 7001)
    for n in range(3):
        await _guess(guesser, f"Guess{n}Guess{n}")
        assert guesser.last()["text"] == UNKNOWN
    await _guess(guesser, code)
    assert guesser.last()["text"].startswith("Too many codes that don't work")

    other = YoungPerson(state, guarded, 7002)  # another chat is not held up
    await _guess(other, code)
    assert "How are things?" in other.texts()[-1]


@pytest.mark.parametrize("bad", ["a\x00b", "<script>", "x" * 65, "..%2f"])
async def test_something_that_is_no_code_is_answered_kindly_and_counted(
    state: BotApiState, guarded: Application,  # type: ignore[type-arg]
    bad: str,
) -> None:
    young = YoungPerson(state, guarded, 7003)
    for _ in range(3):
        await young.command("start", bad)
        assert young.last()["text"] == UNKNOWN
    await young.command("start", bad)
    assert young.last()["text"].startswith("Too many codes")


async def test_a_guess_is_refused_and_counted_before_any_privacy_notice(
    state: BotApiState, guarded: Application,  # type: ignore[type-arg]
    db: Database, catalog: SurveyCatalog, clock: FixedClock,
) -> None:
    """A chat that never presses "Yes" is counted too: an unknown code gets no notice (whose
    language would tell a real code from a guess), and the fourth try is asked to wait."""
    _, [code] = await campaign_with_codes(db, catalog, clock, people=1)
    guesser = YoungPerson(state, guarded, 7004)
    for n in range(3):
        await guesser.command("start", f"Nope{n}Nope{n}")
        assert guesser.last()["text"] == UNKNOWN
        assert not guesser.last().get("reply_markup")
    await guesser.command("start", code)
    assert guesser.last()["text"].startswith("Too many codes that don't work")

    real = YoungPerson(state, guarded, 7005)
    await real.command("start", code)
    assert real.last().get("reply_markup", {}).get("inline_keyboard")  # the notice, to agree
