"""Telegram "Read it to me": the current question as a voice message, made on the server."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot import texts
from bot.application import build_application
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.reach import Reach
from storage.tables import AnswerRow
from surveys.clock import FixedClock
from surveys.speech import AudioCache, Speaker
from tests.bot.conftest import CONFIG, YoungPerson
from tests.factories import campaign_with_codes
from tests.fakes import recording_espeak
from tests.telegram_emulator import BotApiState, FakeRequest

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng opus-tools)",
)


@pytest.fixture
async def code(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> str:
    _, codes = await campaign_with_codes(db, catalog, clock)
    return codes[0]


@pytest.fixture
def cache(tmp_path: Path) -> AudioCache:
    return AudioCache(tmp_path / "audio", Speaker.find())


@pytest.fixture
async def speaking_app(
    state: BotApiState, conversations: ConversationService, reach: Reach, cache: AudioCache
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    config = dataclasses.replace(CONFIG, audio=cache)
    application = build_application(config, conversations, reach, request=FakeRequest(state))
    await application.initialize()
    yield application
    await application.shutdown()


async def joined(young: YoungPerson, code: str) -> None:
    await young.command("start", code)
    await young.tap("Yes")


@needs_espeak
@pytest.mark.parametrize("ask", ["/read", "Read it to me", "read it to me!"])
async def test_read_it_to_me_sends_the_question_as_a_voice_message(
    state: BotApiState,
    speaking_app: Application,  # type: ignore[type-arg]
    code: str,
    cache: AudioCache,
    db: Database,
    ask: str,
) -> None:
    young = YoungPerson(state, speaking_app, 5101)
    await joined(young, code)
    before = len(young.messages())
    if ask.startswith("/"):
        await young.command(ask[1:])
    else:
        await young.say(ask)
    voice = young.last()
    assert len(young.messages()) == before + 1
    assert voice["caption"] == texts.READ_CAPTION
    assert voice["voice"]["mime_type"] == "audio/ogg" and voice["voice"]["file_size"] > 2_000
    made = list(cache.root.rglob("*.ogg"))
    assert len(made) == 1 and made[0].read_bytes()[:4] == b"OggS"
    async with db.reader() as session:  # asking to hear it is not an answer
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) == 0
    await young.tap("Good")
    await young.command("read")
    assert young.last()["voice"]["file_size"] > 2_000
    assert len(list(cache.root.rglob("*.ogg"))) == 2  # the next question, made once


async def test_without_espeak_read_says_so_kindly(
    state: BotApiState,
    conversations: ConversationService,
    reach: Reach,
    code: str,
) -> None:
    app = build_application(CONFIG, conversations, reach, request=FakeRequest(state))
    await app.initialize()
    try:
        young = YoungPerson(state, app, 5102)
        await young.command("read")
        assert young.last()["text"] == texts.READ_UNAVAILABLE
    finally:
        await app.shutdown()


@needs_espeak
async def test_read_before_joining_asks_for_the_link(
    state: BotApiState,
    speaking_app: Application,  # type: ignore[type-arg]
) -> None:
    young = YoungPerson(state, speaking_app, 5103)
    await young.command("read")
    assert young.last()["text"] == texts.NOT_LINKED
    assert "/read" in texts.HELP


async def test_read_it_to_me_in_welsh_is_the_welsh_question_in_the_welsh_voice(
    state: BotApiState,
    conversations: ConversationService,
    reach: Reach,
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    program, log = recording_espeak(tmp_path)
    cache = AudioCache(tmp_path / "audio", Speaker(espeak=program))
    config = dataclasses.replace(CONFIG, audio=cache)
    application = build_application(config, conversations, reach, request=FakeRequest(state))
    await application.initialize()
    try:
        young = YoungPerson(state, application, 5107)
        code = await welsh_code(db, catalog, clock)
        await young.command("start", code)
        await young.tap("Ie, mae hynny'n iawn")
        await young.command("read")
        sent = young.last()
        assert sent["caption"] == texts.say("cy", texts.READ_CAPTION) != texts.READ_CAPTION
    finally:
        await application.shutdown()
    calls = log.read_text(encoding="utf-8").splitlines()
    assert len(calls) == 1 and calls[0].split()[:2] == ["-v", "cy"]
    made = list((tmp_path / "audio").rglob("*.*"))
    assert len(made) == 1 and made[0].parent.name == "cy"


async def welsh_code(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> str:
    """An invitation to the Welsh check-in for a young person whose language is Welsh."""
    from tests.bot.test_languages import CSV
    from tests.factories import invite_from_csv

    (code,) = await invite_from_csv(db, catalog, clock, CSV, survey_key="wellbeing-16plus")
    return code
