"""Web fixtures: the whole app (API and pages) on the test store, over https by default,
keys for every role, signed-in staff, and a young person in the web chat.

Browser tests (marked `browser`) share one uvicorn server on a demo council; see
`test_browser.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from carevoice.demo import load_demo
from carevoice.wiring import Services, build_services
from services.settings import Settings
from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.keys import Role, create_key, revoke_key
from storage.tables import CampaignRow
from surveys.clock import FixedClock
from tests.demo_council import copy_demo_council, in_a_thread
from tests.factories import campaign_with_codes
from tests.live_server import free_port, live_server
from tests.shared_app import app_with
from tests.web.pages import Page

PUBLIC_URL = "https://voice.example.org"
COUNCIL = "Testshire Council"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: runs headless Chromium against a live server (slow)"
    )


def web_settings(database_url: str = "sqlite://") -> Settings:
    """The web tests' settings (a copy each call: reading them costs milliseconds)."""
    return _web_settings(database_url).model_copy()


@cache
def _web_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        public_url=PUBLIC_URL,
        council_name=COUNCIL,
    )


@pytest.fixture
async def services(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> Services:
    async with db.transaction() as session:
        await catalog.sync_builtins(session)
    return Services(web_settings(), db, catalog, conversations, clock)


@pytest.fixture
def app(services: Services) -> FastAPI:
    return app_with(services)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client as a browser over https (so Secure cookies come back)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        yield http


@pytest.fixture
async def other_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, with cookies of its own."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        yield http


@dataclass(frozen=True)
class Keys:
    board: str
    officer: str
    admin: str
    revoked: str

    def of(self, role: str) -> str:
        return str(getattr(self, role))


@pytest.fixture
async def keys(db: Database, clock: FixedClock) -> Keys:
    async with db.transaction() as session:
        made = {
            role: (await create_key(session, clock, role=role, name=f"test {role}")).token
            for role in Role
        }
        old = await create_key(session, clock, role=Role.ADMIN, name="old admin")
        await revoke_key(session, clock, old.row.prefix)
    return Keys(made[Role.BOARD], made[Role.OFFICER], made[Role.ADMIN], old.token)


async def sign_in(http: httpx.AsyncClient, key: str, next_path: str = "") -> httpx.Response:
    """Sign in through the form, as a person would."""
    page = Page.of((await http.get("/signin")).text)
    form = page.form_to("/signin")
    data = form.data(key=key)
    if next_path:
        data["next"] = next_path
    return await http.post("/signin", data=data)


@pytest.fixture
async def codes(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> list[str]:
    """Three invitation codes to the small survey."""
    _, made = await campaign_with_codes(db, catalog, clock, people=3)
    return made


# ----- one live server on a demo council, for the browser tests ----------------------------


@dataclass(frozen=True)
class Live:
    """The server's address, a key per staff role, unused codes and the database file."""

    url: str
    board_key: str
    officer_key: str
    codes: tuple[str, ...]
    database: Path
    admin_key: str = ""
    north_key: str = ""  # an officer key for the North team only


async def _demo_council(settings: Settings) -> tuple[str, str, list[str], str, str]:
    """Load the demo council (about a minute) and make keys to sign in with."""
    services = await build_services(settings)
    try:
        await load_demo(services)
        async with services.db.transaction() as session:
            board = await create_key(session, services.clock, role=Role.BOARD, name="board")
            officer = await create_key(session, services.clock, role=Role.OFFICER, name="officer")
            admin = await create_key(session, services.clock, role=Role.ADMIN, name="admin")
            north = await create_key(session, services.clock, role=Role.OFFICER,
                                     name="north officer", teams=["North"])
            campaign = await session.scalar(
                select(CampaignRow.id).where(CampaignRow.name.like("%(now)%"))
            )
            assert campaign is not None
            row = await campaign_store.get_campaign(session, campaign)
            codes = [c.printed for c in await campaign_store.reprint_letters(
                session, row.id, services.clock, limit=30)]
    finally:
        await services.close()
    return board.token, officer.token, codes, admin.token, north.token


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, demo_council_file: Path) -> Iterator[Live]:
    """The real app (`create_app(settings=...)`) under uvicorn on 127.0.0.1, on a demo
    council in a temporary SQLite file; one for every browser test."""
    database = copy_demo_council(demo_council_file, tmp_path_factory.mktemp("live"))
    port = free_port()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{database}",
        public_url=f"http://127.0.0.1:{port}",
        council_name="Demo Council",
    )
    board, officer, codes, admin, north = in_a_thread(
        lambda: asyncio.run(_demo_council(settings))
    )
    with live_server(settings, port) as url:
        yield Live(url, board, officer, tuple(codes), database, admin, north)
