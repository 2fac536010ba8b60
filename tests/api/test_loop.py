"""The API for the loop back to young people: rolling campaigns, replies, messages at any
time, personal links and "you said, we did", with roles and audit rows."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import select

from carevoice.wiring import Services
from storage.catalog import SurveyCatalog
from storage.contact import Contact, ContactKind
from storage.conversations import ConversationService
from storage.database import Database
from storage.people import import_people
from storage.tables import AuditLogRow, OutboxRow, PersonRow, ResponseRow
from surveys.clock import FixedClock
from surveys.people import Cohort, PersonRecord
from tests.api.conftest import Keys, answered_campaign

API = "/api/v1"


async def test_rolling_campaign_by_api_refuses_a_past_review_with_a_clear_message(
    client: httpx.AsyncClient, keys: Keys, db: Database, clock: FixedClock
) -> None:
    today = clock.now().date()
    async with db.transaction() as session:
        await import_people(session, [
            PersonRecord(council_ref="SOON", cohort=Cohort.IN_CARE, age_band="13-15",
                         next_review_date=today + timedelta(days=4)),
            PersonRecord(council_ref="LATER", cohort=Cohort.IN_CARE, age_band="13-15",
                         next_review_date=today + timedelta(days=40)),
            PersonRecord(council_ref="PAST", cohort=Cohort.IN_CARE, age_band="13-15",
                         next_review_date=today - timedelta(days=2)),
        ], clock)  # fmt: skip
    officer = keys.headers("officer")
    body = {"name": "Before my review", "survey": "review-prep-child", "cohort": "in_care"}
    made = await client.post(f"{API}/campaigns/rolling", json=body, headers=officer)
    assert made.status_code == 201, made.text
    created = made.json()
    assert (created["days_before"], created["closes_at"]) == (10, None)
    assert (created["invited_now"], created["past_reviews"]) == (1, 1)

    refused = await client.post(
        f"{API}/campaigns/{created['id']}/reviews", json={"council_ref": "PAST"}, headers=officer
    )
    assert refused.status_code == 422
    past = (today - timedelta(days=2)).isoformat()
    assert f"PAST's review date {past} has already passed" in refused.json()["error"]["message"]
    early = await client.post(
        f"{API}/campaigns/{created['id']}/reviews", json={"council_ref": "LATER"}, headers=officer
    )
    assert early.status_code == 201 and early.json()["outcome"] == "open"

    listed = (await client.get(f"{API}/campaigns/{created['id']}/reviews", headers=officer)).json()
    assert {i["council_ref"] for i in listed["items"]} == {"SOON", "LATER"}
    board = await client.get(f"{API}/campaigns/{created['id']}/reviews",
                             headers=keys.headers("board"))  # fmt: skip
    assert board.status_code == 403
    window = await client.post(
        f"{API}/campaigns/rolling", json={**body, "days_before": 0}, headers=officer
    )
    assert window.status_code == 422
    assert date.fromisoformat(listed["items"][0]["review_date"]) >= today


async def test_reply_to_a_response_and_to_a_message(
    client: httpx.AsyncClient,
    keys: Keys,
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    services: Services,
) -> None:
    await answered_campaign(db, catalog, clock, conversations)
    async with db.reader() as session:
        response_id = await session.scalar(
            select(ResponseRow.id).where(ResponseRow.returned_at.is_not(None))
        )
        person_id = await session.scalar(
            select(PersonRow.id).where(PersonRow.council_ref == "P00000-small")
        )
    assert response_id is not None and person_id is not None
    officer = keys.headers("officer")
    sent = await client.post(
        f"{API}/responses/{response_id}/replies", json={"text": "Thank you!"}, headers=officer
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["state"] == "waiting to be sent"  # answered on Telegram: queued
    async with db.reader() as session:
        queued = await session.scalar(select(OutboxRow).where(OutboxRow.kind == "reply"))
    assert queued is not None and queued.address == "4242"

    contact = Contact(db, clock, conversations)
    message = await contact.send(person_id, ContactKind.GOOD_NEWS, "I got the job!", channel="web")
    listed = await client.get(f"{API}/messages?unread=true", headers=officer)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert (item["kind"], item["text"], item["alerted"]) == ("good_news", "I got the job!", False)
    answered = await client.post(
        f"{API}/messages/{message.message_id}/replies", json={"text": "Brilliant!"},
        headers=officer,
    )  # fmt: skip
    assert answered.json()["state"] == "waiting: shown when they next open their link"
    assert (await client.get(f"{API}/messages?unread=true", headers=officer)).json()["total"] == 0
    assert (await client.post(f"{API}/messages/999/replies", json={"text": "x"},
                              headers=officer)).status_code == 404  # fmt: skip
    assert (await client.post(f"{API}/responses/{response_id}/replies", json={"text": ""},
                              headers=officer)).status_code == 422  # fmt: skip
    board = await client.get(f"{API}/messages", headers=keys.headers("board"))
    assert board.status_code == 403
    link = await client.post(f"{API}/people/P00000-small/contact-link", headers=officer)
    assert link.status_code == 201 and "/talk/" in link.json()["link"]
    async with db.reader() as session:
        actions = set((await session.scalars(select(AuditLogRow.action))).all())
    assert {"reply to young person", "read messages", "issue contact link"} <= actions


async def test_statements_are_published_by_officers_and_read_by_boards(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    body = {
        "you_said": "Too many changes of worker",
        "we_did": "Two new workers joined",
        "cohort": "care_leaver",
        "survey": "wellbeing-16plus",
        "theme": "wellbeing",
    }
    refused = await client.post(f"{API}/statements", json=body, headers=keys.headers("board"))
    assert refused.status_code == 403
    made = await client.post(f"{API}/statements", json=body, headers=keys.headers("officer"))
    assert made.status_code == 201, made.text
    read = (await client.get(f"{API}/statements", headers=keys.headers("board"))).json()
    assert [s["we_did"] for s in read] == ["Two new workers joined"]
    assert "published_by" not in read[0]
    unknown = await client.post(
        f"{API}/statements", json={**body, "survey": "nope"}, headers=keys.headers("officer")
    )
    assert unknown.status_code == 422
    welsh = {"cy": {"you_said": "Gormod o newid gweithiwr", "we_did": "Ymunodd dau weithiwr"}}
    translated = await client.post(
        f"{API}/statements", json={**body, "translations": welsh}, headers=keys.headers("officer")
    )
    assert translated.status_code == 201 and translated.json()["translations"] == welsh
    french = await client.post(
        f"{API}/statements", json={**body, "translations": {"fr": welsh["cy"]}},
        headers=keys.headers("officer"),
    )  # fmt: skip
    assert french.status_code == 422 and "no language 'fr'" in french.text
    await client.post(
        f"{API}/statements/{translated.json()['id']}/withdraw", headers=keys.headers("officer")
    )
    gone = await client.post(
        f"{API}/statements/{made.json()['id']}/withdraw", headers=keys.headers("officer")
    )
    assert gone.status_code == 200
    assert (await client.get(f"{API}/statements", headers=keys.headers("board"))).json() == []
