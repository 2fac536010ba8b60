"""The child decides who sees each answer: every page and endpoint that shows young
people's words honours "only count it, don't show my words to anyone".

Six young people answer the small survey on the same day (a group big enough for board
quotes) and agree to quotes. One of them keeps the words of "why would you like to chair
it?" private and writes a disclosure, also kept private, for their IRO: the disclosure
still reaches the safeguarding officer (safety overrides privacy), the private words reach
no one but the young person themselves (subject access), and every shared answer is still
shown, so each route is seen to show words at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select, update

from carevoice.wiring import Services
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.tables import AnswerRow, ResponseRow, SafeguardingAlertRow
from surveys.clock import FixedClock
from surveys.engine import PRIVATE, SHARED, Command, UserInput
from tests.factories import campaign_with_codes
from tests.web.conftest import Keys, sign_in, web_settings

PRIVATE_WORDS = "Quokkaballoon is why I want to chair it"
SHARED_WORDS = "Marmalade meetings are better when I chair them"
DISCLOSURE = "my carer hits me and Zebrastripe knows"  # kept private: the alert still has it
PERIOD = "2025-26"  # the clock's financial year (5 January 2026)
PEOPLE = 6


@pytest.fixture
async def services(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> Services:
    async with db.transaction() as session:
        await catalog.sync_builtins(session)
    settings = web_settings().model_copy(update={"quote_min_group": PEOPLE})
    return Services(settings, db, catalog, conversations, clock)


@dataclass(frozen=True)
class Said:
    campaign_id: int
    private_response: int
    private_ref: str
    alert_id: int


async def answer(
    conversations: ConversationService, code: str, address: str, words: str, *, private: bool
) -> None:
    await conversations.redeem(code, channel="telegram", address=address)
    choice = PRIVATE if private else SHARED
    steps = [
        UserInput(option="4", question_id="mood"),
        UserInput(text="1"),
        UserInput(command=Command.SKIP),
        UserInput(text="yes"),
        UserInput(text=words),
        UserInput(option=choice, question_id="why_chair"),
        UserInput(text=DISCLOSURE if private else "nothing thanks"),
    ]
    if private:  # the help reply, then "carry on?": yes, then who may read it
        steps.append(UserInput(command=Command.REPEAT))
    steps.append(UserInput(option=choice, question_id="for_iro"))
    for n, step in enumerate(steps):
        await conversations.handle(step, channel="telegram", address=address,
                                   message_key=f"{address}:{n}")


@pytest.fixture
async def said(services: Services, conversations: ConversationService) -> Said:
    campaign_id, codes = await campaign_with_codes(
        services.db, services.catalog, services.clock, people=PEOPLE  # type: ignore[arg-type]
    )
    for n, code in enumerate(codes):
        private = n == 0
        await answer(conversations, code, f"70{n}", PRIVATE_WORDS if private else
                     f"{SHARED_WORDS} ({n})", private=private)
    async with services.db.transaction() as session:
        await session.execute(update(ResponseRow).values(share_quotes=True))  # quotes allowed
        first = await session.scalar(select(ResponseRow).order_by(ResponseRow.id))
        assert first is not None and first.returned_at is not None
        private = (await session.scalars(
            select(AnswerRow.question_id).where(AnswerRow.private.is_(True))
        )).all()
        alert = await session.scalar(select(SafeguardingAlertRow.id))
    assert sorted(private) == ["for_iro", "why_chair"] and alert is not None
    return Said(campaign_id, first.id, "P00000-small", alert)


# (who reads, the path, whether the private words may appear there)
ROUTES = [
    pytest.param("board", "/api/v1/quotes?period={period}", False, id="quotes-api"),
    pytest.param("board", "/api/v1/quotes?period={period}&format=csv", False, id="quotes-csv"),
    pytest.param("board", "/board?period={period}", False, id="board-page"),
    pytest.param("board", "/board/print?period={period}", False, id="board-print"),
    pytest.param("officer", "/officer/responses/{response}", False, id="before-my-review"),
    pytest.param("officer", "/api/v1/campaigns/{campaign}/responses", False, id="responses-api"),
    pytest.param("officer", "/officer/campaigns/{campaign}", False, id="campaign-page"),
    pytest.param("officer", "/officer", False, id="officer-overview"),
    pytest.param("officer", "/officer/alerts/{alert}", False, id="alert-page"),
    pytest.param("officer", "/officer/alerts/{alert}/response", False, id="alert-response-page"),
    pytest.param("officer", "/api/v1/alerts/{alert}", False, id="alert-api"),
    pytest.param("officer", "/api/v1/alerts/{alert}/response", False, id="alert-response-api"),
    # subject access: the young person's own copy shows them their own words
    pytest.param("officer", "/officer/people/{ref}", True, id="subject-access-page"),
    pytest.param("officer", "/officer/people/{ref}?format=json", True, id="subject-access-json"),
    pytest.param("officer", "/api/v1/people/{ref}/export", True, id="subject-access-api"),
]


@pytest.mark.parametrize(("role", "path", "theirs"), ROUTES)
async def test_private_words_are_shown_only_to_the_young_person(
    client: httpx.AsyncClient, keys: Keys, said: Said, role: str, path: str, theirs: bool
) -> None:
    url = path.format(period=PERIOD, response=said.private_response, campaign=said.campaign_id,
                      alert=said.alert_id, ref=said.private_ref)
    if url.startswith("/api/"):
        reply = await client.get(url, headers={"Authorization": f"Bearer {keys.of(role)}"})
    else:
        await sign_in(client, keys.of(role))
        reply = await client.get(url)
    assert reply.status_code == 200, reply.text[:300]
    text = reply.text
    assert ("Quokkaballoon" in text) is theirs
    if url.startswith("/board") or "quotes" in url:
        assert "Marmalade meetings" in text  # shared words are still quoted
        assert "Zebrastripe" not in text
    elif "/alerts/" in url:
        assert "Zebrastripe" in text  # safety overrides privacy: the alert has the words
    elif theirs:
        assert "Zebrastripe" in text  # their own copy holds everything they wrote


async def test_a_private_answer_still_counts_in_sentiment_and_themes(
    client: httpx.AsyncClient, keys: Keys, said: Said
) -> None:
    reply = await client.get("/api/v1/sentiment", params={"period": PERIOD, "by": "question"},
                             headers={"Authorization": f"Bearer {keys.board}"})
    assert reply.status_code == 200
    groups = {row["group"]: row["respondents"] for row in reply.json()}
    assert groups.get("why_chair") == PEOPLE, groups  # the private answer is counted too
