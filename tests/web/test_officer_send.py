"""An officer sends a campaign's invitations on Telegram from its page (no command line):
only their teams' young people linked on Telegram are queued, never twice, and a council
without Telegram is told so and nothing is queued."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from pydantic import SecretStr
from sqlalchemy import select, update

from carevoice.wiring import Services
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.keys import Role, create_key
from storage.tables import AuditLogRow, ChannelLinkRow, OutboxRow, PersonRow
from surveys.clock import FixedClock
from tests.factories import campaign_with_codes
from tests.shared_app import app_with
from tests.web.conftest import sign_in, web_settings
from tests.web.pages import Page


async def _client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with(services))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        yield http


async def _officer(db: Database, clock: FixedClock, teams: list[str] | None) -> str:
    async with db.transaction() as session:
        made = await create_key(session, clock, role=Role.OFFICER, name="o", teams=teams)
    return made.token


async def _send(http: httpx.AsyncClient, campaign_id: int) -> Page:
    page = Page.of((await http.get(f"/officer/campaigns/{campaign_id}")).text)
    form = page.form_to(f"/officer/campaigns/{campaign_id}/send")
    assert (await http.post(form.action, data={})).status_code == 403  # no CSRF token
    sent = await http.post(form.action, data=form.data(), follow_redirects=True)
    assert sent.status_code == 200
    return Page.of(sent.text)


async def test_sending_queues_the_officers_linked_young_people_once(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    settings = web_settings().model_copy(update={"telegram_token": SecretStr("1:fake")})
    services = Services(settings, db, catalog, conversations, clock)
    campaign_id, _ = await campaign_with_codes(db, catalog, clock, people=3)
    async with db.transaction() as session:
        ids = list((await session.scalars(select(PersonRow.id).order_by(PersonRow.id))).all())
        for person_id, team in zip(ids, ("North", "South", "North"), strict=True):
            await session.execute(
                update(PersonRow).where(PersonRow.id == person_id).values(team=team)
            )
        for person_id, address in ((ids[0], "10"), (ids[1], "11")):  # the third: no Telegram
            session.add(ChannelLinkRow(person_id=person_id, channel="telegram",
                                       address=address, linked_at=clock.now()))  # fmt: skip
    north = await _officer(db, clock, ["North"])
    async for http in _client(services):
        await sign_in(http, north)
        page = await _send(http, campaign_id)
        assert "Queued 1 invitation on Telegram" in page.text
        assert "1 not on Telegram: give them their letter or link." in page.text  # North's third
        again = await _send(http, campaign_id)
        assert "No new invitation to send" in again.text and "1 already queued;" in again.text
    async with db.reader() as session:
        queued = list((await session.scalars(select(OutboxRow))).all())
        audited = list((await session.scalars(
            select(AuditLogRow.subject).where(AuditLogRow.action == "queue invitations")
        )).all())  # fmt: skip
    assert [(r.kind, r.address) for r in queued] == [("invitation", "10")]
    assert audited == [f"campaign {campaign_id}: 1 (web)", f"campaign {campaign_id}: 0 (web)"]
    manager = await _officer(db, clock, None)
    async for http in _client(services):
        await sign_in(http, manager)
        page = await _send(http, campaign_id)
        assert "Queued 1 invitation" in page.text and "1 already queued" in page.text


async def test_without_telegram_the_page_says_so_and_nothing_is_queued(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    services = Services(web_settings(), db, catalog, conversations, clock)
    campaign_id, _ = await campaign_with_codes(db, catalog, clock)
    async for http in _client(services):
        await sign_in(http, await _officer(db, clock, None))
        page = Page.of((await http.get(f"/officer/campaigns/{campaign_id}")).text)
        assert "Telegram is not set up for this council" in page.text
        assert "carevoice bot send-invitations" not in page.text
        token = page.form_to(f"/officer/campaigns/{campaign_id}/invite").data()["csrf"]
        told = await http.post(f"/officer/campaigns/{campaign_id}/send", data={"csrf": token},
                               follow_redirects=True)  # fmt: skip
        assert "nothing was sent" in told.text
    async with db.reader() as session:
        assert (await session.scalars(select(OutboxRow))).first() is None
