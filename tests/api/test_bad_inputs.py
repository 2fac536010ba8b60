"""Every row of the bad-input corpus (`tests/bad_inputs.py`), on SQLite and PostgreSQL:
the API answers each with a clear 4xx and stores nothing; a young person's words, on the
web chat and on Telegram, are kept, with only what no store can hold taken out."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.web.security import csrf_token, new_nonce
from bot.application import build_application
from carevoice.wiring import Services
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.reach import Reach
from storage.tables import AnswerRow, ApiKeyRow, PersonRow, SurveyVersionRow
from surveys.clock import FixedClock
from tests.api.conftest import Keys
from tests.bad_inputs import AFTER, API, SAID, After, Api, Said
from tests.bot.conftest import CONFIG, YoungPerson
from tests.factories import campaign_with_codes
from tests.shared_app import app_with
from tests.telegram_emulator import BotApiState, FakeRequest

TABLES = (PersonRow, SurveyVersionRow, ApiKeyRow)


async def _counts(db: Database) -> list[int]:
    async with db.reader() as session:
        return [int(await session.scalar(select(func.count()).select_from(t)) or 0)
                for t in TABLES]


async def _stored(db: Database, question: str) -> list[str | None]:
    async with db.reader() as session:
        rows = await session.scalars(
            select(AnswerRow.text).where(AnswerRow.question_id == question,
                                         AnswerRow.superseded_at.is_(None)))
        return list(rows)


def test_the_corpus_has_at_least_sixty_kinds() -> None:
    assert len(API) + 2 * len(SAID) + 2 * len(AFTER) >= 60
    names = {c.name for c in API} | {c.name for c in SAID} | {c.name for c in AFTER}
    assert len(names) == len(API) + len(SAID) + len(AFTER)


@pytest.mark.parametrize("case", API, ids=[c.name for c in API])
async def test_the_api_answers_bad_input_clearly_and_stores_nothing(
    client: httpx.AsyncClient, keys: Keys, db: Database, case: Api
) -> None:
    headers: dict[str, str] = {}
    if case.role == "garbage":
        headers["Authorization"] = "Bearer \x7fnot-a-key"
    elif case.role != "none":
        headers.update(keys.headers(case.role))
    if case.content_type:
        headers["content-type"] = case.content_type
    before = await _counts(db)
    reply = await client.request(case.method, case.path, content=case.body, headers=headers)
    assert reply.status_code == case.status, reply.text[:500]
    error = reply.json()["error"]
    assert error["code"] == case.code
    assert len(error["message"]) > 10 and "Traceback" not in reply.text
    assert await _counts(db) == before


async def _web_chat(client: httpx.AsyncClient, code: str, *steps: dict[str, str]) -> None:
    assert (await client.get(f"/c/{code}")).status_code == 200
    for step in ({"action": "start"}, *steps):
        sid = client.cookies.get("cv_chat")  # a new one once the chat has started
        assert sid
        data = {"csrf": csrf_token(sid, "chat"), "key": new_nonce(), **step}
        reply = await client.post(f"/c/{code}", data=data)
        assert reply.status_code == 303, reply.text[:300]


WEB_SAID = [s for s in SAID if max(s.text) < "\ud800"]  # a form carries UTF-8 only


@pytest.mark.parametrize("said", WEB_SAID, ids=[s.name for s in WEB_SAID])
async def test_the_web_chat_keeps_a_young_persons_words(
    services: Services, db: Database, catalog: SurveyCatalog, clock: FixedClock, said: Said
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock, people=1)
    transport = httpx.ASGITransport(app=app_with(services))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        await _web_chat(
            http, code,
            {"question": "mood", "option": "4"},
            {"question": "where", "text": "1"},
            {"question": "who", "command": "skip"},
            {"question": "chair", "option": "no"},
            {"question": "for_iro", "kind": "text", "text": said.text},
        )
    assert await _stored(db, "for_iro") == [said.stored]


@pytest.mark.parametrize("said", SAID, ids=[s.name for s in SAID])
async def test_the_bot_keeps_a_young_persons_words(
    conversations: ConversationService, db: Database, catalog: SurveyCatalog,
    clock: FixedClock, said: Said, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    _, [code] = await campaign_with_codes(db, catalog, clock, people=1)
    state = BotApiState()
    app: Any = build_application(CONFIG, conversations, Reach(db, clock),
                                 request=FakeRequest(state))
    await app.initialize()
    try:
        young = YoungPerson(state, app, 6001)
        await young.command("start", code)
        await young.tap("Yes")
        for text in ("4", "1"):
            await young.say(text)
        await young.command("skip")
        await young.say("no")
        await young.say(said.text)
    finally:
        await app.shutdown()
    assert await _stored(db, "for_iro") == [said.stored]


ANSWER = "I like my carer"


@pytest.mark.parametrize("after", AFTER, ids=[a.name for a in AFTER])
async def test_the_web_chat_holds_after_an_answer(
    services: Services, db: Database, catalog: SurveyCatalog, clock: FixedClock, after: After
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock, people=1)
    transport = httpx.ASGITransport(app=app_with(services))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        await _web_chat(
            http, code,
            {"question": "mood", "option": "4"},
            {"question": "where", "text": "1"},
            {"question": "who", "command": "skip"},
            {"question": "chair", "option": "no"},
            {"question": "for_iro", "kind": "text", "text": ANSWER},
            after.web,
        )
        page = await http.get(f"/c/{code}")
        assert page.status_code == 200 and "Traceback" not in page.text
    assert await _stored(db, "for_iro") == [ANSWER]


@pytest.mark.parametrize("after", AFTER, ids=[a.name for a in AFTER])
async def test_the_bot_holds_after_an_answer(
    conversations: ConversationService, db: Database, catalog: SurveyCatalog,
    clock: FixedClock, after: After, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    _, [code] = await campaign_with_codes(db, catalog, clock, people=1)
    state = BotApiState()
    app: Any = build_application(CONFIG, conversations, Reach(db, clock),
                                 request=FakeRequest(state))
    await app.initialize()
    try:
        young = YoungPerson(state, app, 6002)
        await young.command("start", code)
        await young.tap("Yes")
        for text in ("4", "1"):
            await young.say(text)
        await young.command("skip")
        await young.say("no")
        await young.say(ANSWER)
        sent = len(state.messages_to(6002))
        kind, argument = after.bot
        if kind == "press":
            await young.press(state.messages_to(6002)[-1]["message_id"], argument)
        else:
            await young.command(kind, argument)
        replies = state.messages_to(6002)[sent:]
        answered = state.callback_answers if kind == "press" else replies
        assert answered, "no reply"
    finally:
        await app.shutdown()
    assert await _stored(db, "for_iro") == [ANSWER]
