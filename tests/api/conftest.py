"""API fixtures: the app on the shared test store, a client, keys for every role, and
builders for what officers look at (answered responses, alerts, requests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from carevoice.wiring import Services
from services.settings import Settings
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.keys import Role, create_key, revoke_key
from storage.tables import PersonRow, RequestRow, ResponseRow, SafeguardingAlertRow
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from tests.factories import campaign_with_codes
from tests.shared_app import app_with

BOT = "carevoice_test_bot"
PUBLIC_URL = "https://voice.example.org"
CHAT = "telegram"
WHY_CHAIR = "I like my meeting because my IRO listens"
FOR_IRO = "Secret words only for my IRO"


def api_settings(database_url: str = "sqlite://") -> Settings:
    """The API tests' settings (a copy each call: reading them costs milliseconds)."""
    return _api_settings(database_url).model_copy()


@cache
def _api_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        telegram_bot_username=BOT,
        public_url=PUBLIC_URL,
    )


@pytest.fixture
async def services(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> Services:
    async with db.transaction() as session:
        await catalog.sync_builtins(session)
    return Services(api_settings(), db, catalog, conversations, clock)


@pytest.fixture
def app(services: Services) -> FastAPI:
    return app_with(services)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass(frozen=True)
class Keys:
    """A key for each role, and one that was revoked."""

    board: str
    officer: str
    admin: str
    revoked: str

    def of(self, role: str) -> str:
        return str(getattr(self, role))

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.of(role)}"}


@pytest.fixture
async def keys(db: Database, clock: FixedClock) -> Keys:
    return await make_keys(db, clock)


async def make_keys(db: Database, clock: FixedClock) -> Keys:
    """A key for each role, and one revoked."""
    async with db.transaction() as session:
        made = {
            role: (await create_key(session, clock, role=role, name=f"test {role}")).token
            for role in Role
        }
        revoked = await create_key(session, clock, role=Role.ADMIN, name="old admin")
        await revoke_key(session, clock, revoked.row.prefix)
    return Keys(made[Role.BOARD], made[Role.OFFICER], made[Role.ADMIN], revoked.token)


@dataclass(frozen=True)
class Answered:
    """A campaign with one young person who answered everything, and one left to answer."""

    campaign_id: int
    answered_code: str
    waiting_code: str
    answered_ref: str


async def answered_campaign(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> Answered:
    """A campaign on the small survey: one young person returned it, one has not begun."""
    campaign_id, codes = await campaign_with_codes(db, catalog, clock, people=2)
    code, waiting = codes
    await conversations.redeem(code, channel=CHAT, address="4242")
    steps = [
        UserInput(option="4", question_id="mood"),
        UserInput(text="1"),
        UserInput(command=Command.SKIP),
        UserInput(text="yes"),
        UserInput(text=WHY_CHAIR),
        UserInput(option="shared", question_id="why_chair"),  # IRO and worker may read it
        UserInput(text=FOR_IRO),
        UserInput(option="shared", question_id="for_iro"),
    ]
    turn = None
    for n, step in enumerate(steps):
        turn = await conversations.handle(step, channel=CHAT, address="4242", message_key=str(n))
    assert turn is not None and turn.finished
    return Answered(campaign_id, code, waiting, "P00000-small")  # codes come by reference


async def add_alerts_and_requests(db: Database, clock: FixedClock, count: int = 3) -> None:
    """`count` safeguarding alerts (oldest first) and a request of each kind, per young person."""
    async with db.transaction() as session:
        people = list((await session.scalars(select(PersonRow.id).order_by(PersonRow.id))).all())
        found = await session.execute(select(ResponseRow.person_id, ResponseRow.id))
        responses = {int(p): int(r) for p, r in found.all()}
        for n in range(count):
            person_id = people[n % len(people)]
            session.add(SafeguardingAlertRow(
                person_id=person_id, category="harm", phrase_id=f"phrase{n}",
                channel=CHAT, created_at=clock.now().replace(minute=n),
                response_id=responses.get(person_id), question_id="mood",
            ))
        for person_id in people:
            for kind in ("erasure", "talk"):
                session.add(RequestRow(person_id=person_id, kind=kind, channel=CHAT,
                                       created_at=clock.now()))
