"""Every endpoint against every kind of caller: no key and a revoked key get 401, a role
below the endpoint's gets 403, and every role at or above it gets a 2xx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from carevoice.wiring import Services
from storage.campaigns import CohortFilter, create_campaign
from storage.invitation_codes import code_hash
from storage.keys import Role
from storage.tables import (
    ApiKeyRow,
    ExternalFormCountRow,
    InvitationRow,
    PersonRow,
    RequestRow,
    SafeguardingAlertRow,
)
from tests.api.conftest import Keys, add_alerts_and_requests, answered_campaign, make_keys
from tests.conftest import StoreSnapshots
from tests.factories import SMALL_SURVEY_YAML

ROLES = list(Role)


@dataclass(frozen=True)
class World:
    """What the calls act on; per-role lists so each role changes its own row."""

    campaign_id: int
    answered_ref: str
    waiting_code: str
    waiting_invitation: int
    alert_ids: list[int]
    request_ids: list[int]
    count_ids: list[int]
    revoked_prefix: str
    loop: Loop | None = None
    erasable_ref: str = "ERASE-ME"  # no safeguarding alert waits on them


@dataclass(frozen=True)
class Loop:
    """For the replies, messages, statements and rolling campaign routes."""

    response_id: int
    message_ids: list[int]
    statement_ids: list[int]
    rolling_id: int
    closable_ids: list[int]  # one campaign for each role to close


@pytest.fixture
async def arranged(services: Services, store_snapshots: StoreSnapshots) -> tuple[World, Keys]:
    """The world and the keys, built once a test process and backend, put back for each test."""

    async def build() -> tuple[World, Keys]:
        made = await make_keys(services.db, services.clock)  # type: ignore[arg-type]
        return await _world(services), made

    return await store_snapshots.arrange("api-world", services.db, build)


@pytest.fixture
def world(arranged: tuple[World, Keys]) -> World:
    return arranged[0]


@pytest.fixture
def keys(arranged: tuple[World, Keys]) -> Keys:
    return arranged[1]


async def _world(services: Services) -> World:
    db, clock = services.db, services.clock
    answered = await answered_campaign(db, services.catalog, clock, services.conversations)  # type: ignore[arg-type]
    await add_alerts_and_requests(db, clock, count=3)  # type: ignore[arg-type]
    async with db.transaction() as session:
        session.add(PersonRow(council_ref=World.erasable_ref, cohort="in_care",
                              created_at=clock.now(), status="active"))
        for n in range(3):
            session.add(ExternalFormCountRow(
                form="consultation", audience=f"group{n}", route="paper",
                period_start=clock.now().date().replace(month=4, day=1, year=2017),
                period_end=clock.now().date().replace(month=4, day=1, year=2018),
                sent=10, returned=2, target_rate=None, created_at=clock.now(),
            ))
    async with db.reader() as session:
        alerts = list((await session.scalars(select(SafeguardingAlertRow.id))).all())
        requests = list((await session.scalars(select(RequestRow.id))).all())
        counts = list((await session.scalars(select(ExternalFormCountRow.id))).all())
        revoked = await session.scalar(
            select(ApiKeyRow.prefix).where(ApiKeyRow.revoked_at.is_not(None))
        )
        waiting = await session.scalar(select(InvitationRow.id).where(
            InvitationRow.code_hash == code_hash(answered.waiting_code)))
    assert revoked is not None and waiting is not None
    loop = await _loop_world(services)
    return World(answered.campaign_id, answered.answered_ref, answered.waiting_code, waiting,
                 alerts, requests, counts, revoked, loop)


async def _loop_world(services: Services) -> Loop:
    from datetime import timedelta

    from storage.contact import Contact, ContactKind
    from storage.people import import_people
    from storage.rolling import create_rolling_campaign
    from storage.statements import publish
    from storage.tables import PersonRow, ResponseRow
    from surveys.people import Cohort, PersonRecord

    db, clock = services.db, services.clock
    soon = PersonRecord(council_ref="REVIEW-SOON", cohort=Cohort.IN_CARE, age_band="13-15",
                        next_review_date=clock.now().date() + timedelta(days=30))
    async with db.transaction() as session:
        await import_people(session, [soon], clock)
        response_id = await session.scalar(select(ResponseRow.id).limit(1))
        person_id = await session.scalar(select(PersonRow.id).limit(1))
        statements = [
            (await publish(session, clock, actor="t", you_said=f"s{n}", we_did="d")).id
            for n in range(3)
        ]
        rolling = await create_rolling_campaign(
            session, services.catalog, clock, name="r", survey_key="small",
            wanted=CohortFilter(),
        )
        closable = [
            (await create_campaign(
                session, services.catalog, clock, name=f"close {n}", survey_key="small",
                opens_at=clock.now(), closes_at=clock.now() + timedelta(days=30))).id
            for n in range(3)
        ]
    assert response_id is not None and person_id is not None
    contact = Contact(db, clock, services.conversations)
    messages = [
        (await contact.send(person_id, ContactKind.TALK, f"m{n}", channel="web")).message_id
        for n in range(3)
    ]
    return Loop(response_id, messages, statements, rolling.id, closable)


def _loop(w: World) -> Loop:
    assert w.loop is not None
    return w.loop


Request = tuple[str, str, dict[str, Any]]
Builder = Callable[[World, int], Request]


@dataclass(frozen=True)
class Endpoint:
    """An endpoint, the least role that may call it, and a good request for the n-th role."""

    method: str
    path: str
    least: Role
    build: Builder


def get(path: str, least: Role, **params: Any) -> Endpoint:
    return Endpoint("GET", path, least, lambda w, n: (
        "GET", path.format(key="small", **w.__dict__), {"params": params}))


def yaml_survey(n: int) -> str:
    return SMALL_SURVEY_YAML.replace("title: A small survey", f"title: A small survey {n}")


ENDPOINTS: list[Endpoint] = [
    get("/api/v1/surveys", Role.OFFICER),
    get("/api/v1/surveys/{key}", Role.OFFICER),
    Endpoint("POST", "/api/v1/surveys", Role.OFFICER, lambda w, n: (
        "POST", "/api/v1/surveys",
        {"content": yaml_survey(n), "headers": {"content-type": "text/yaml"}})),
    Endpoint("POST", "/api/v1/people", Role.OFFICER, lambda w, n: (
        "POST", "/api/v1/people",
        {"content": f"council_ref,cohort,age_band\nNEW-{n},in_care,8-12\n",
         "headers": {"content-type": "text/csv"}})),
    get("/api/v1/people", Role.OFFICER),
    Endpoint("GET", "/api/v1/people/{council_ref}/export", Role.OFFICER, lambda w, n: (
        "GET", f"/api/v1/people/{w.answered_ref}/export", {})),
    Endpoint("POST", "/api/v1/people/{council_ref}/erase", Role.ADMIN, lambda w, n: (
        "POST", f"/api/v1/people/{w.erasable_ref}/erase", {})),
    Endpoint("POST", "/api/v1/campaigns", Role.OFFICER, lambda w, n: (
        "POST", "/api/v1/campaigns", {"json": {"name": f"c{n}", "survey": "small"}})),
    get("/api/v1/campaigns", Role.OFFICER),
    get("/api/v1/campaigns/{campaign_id}", Role.OFFICER),
    get("/api/v1/campaigns/{campaign_id}/progress", Role.OFFICER),
    Endpoint("POST", "/api/v1/campaigns/{campaign_id}/close", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/campaigns/{_loop(w).closable_ids[n]}/close", {})),
    get("/api/v1/campaigns/{campaign_id}/responses", Role.OFFICER),
    Endpoint("POST", "/api/v1/campaigns/{campaign_id}/invitations", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/campaigns/{w.campaign_id}/invitations", {"json": {}})),
    get("/api/v1/campaigns/{campaign_id}/invitations", Role.OFFICER),
    Endpoint("POST", "/api/v1/invitations/{code}/revoke", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/invitations/{w.waiting_code}/revoke", {})),
    Endpoint("POST", "/api/v1/campaigns/{campaign_id}/invitations/{invitation_id}/reprint",
             Role.OFFICER, lambda w, n: ("POST", f"/api/v1/campaigns/{w.campaign_id}/invitations/"
                                         f"{w.waiting_invitation}/reprint", {})),
    Endpoint("POST", "/api/v1/campaigns/{campaign_id}/invitations/{invitation_id}/revoke",
             Role.OFFICER, lambda w, n: ("POST", f"/api/v1/campaigns/{w.campaign_id}/invitations/"
                                         f"{w.waiting_invitation}/revoke", {})),
    get("/api/v1/invitations/{waiting_code}/qr.svg", Role.OFFICER),
    get("/api/v1/invitations/{waiting_code}/qr.png", Role.OFFICER),
    Endpoint("POST", "/api/v1/form-counts", Role.OFFICER, lambda w, n: (
        "POST", "/api/v1/form-counts",
        {"json": {"form": "consultation", "audience": f"aud{n}", "route": "paper",
                  "period": "2017-18", "sent": 10, "returned": 3}})),
    get("/api/v1/form-counts", Role.OFFICER, period="2017-18"),
    Endpoint("DELETE", "/api/v1/form-counts/{count_id}", Role.OFFICER, lambda w, n: (
        "DELETE", f"/api/v1/form-counts/{w.count_ids[n]}", {})),
    get("/api/v1/alerts", Role.OFFICER),
    Endpoint("POST", "/api/v1/alerts/{alert_id}/acknowledge", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/alerts/{w.alert_ids[n]}/acknowledge", {"json": {"note": "called"}})),
    Endpoint("GET", "/api/v1/alerts/{alert_id}", Role.OFFICER, lambda w, n: (
        "GET", f"/api/v1/alerts/{w.alert_ids[0]}", {})),
    Endpoint("GET", "/api/v1/alerts/{alert_id}/response", Role.OFFICER, lambda w, n: (
        "GET", f"/api/v1/alerts/{w.alert_ids[0]}/response", {})),
    Endpoint("POST", "/api/v1/alerts/{alert_id}/notes", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/alerts/{w.alert_ids[0]}/notes", {"json": {"note": f"rang {n}"}})),
    get("/api/v1/requests", Role.OFFICER),
    Endpoint("POST", "/api/v1/requests/{request_id}/resolve", Role.OFFICER, lambda w, n: (
        # half are requests to delete, which are erased or declined, never just "done"
        "POST", f"/api/v1/requests/{w.request_ids[n]}/resolve",
        {"json": {"note": "kept by law; told them", "decline": True}})),
    Endpoint("POST", "/api/v1/retention/apply", Role.ADMIN, lambda w, n: (
        "POST", "/api/v1/retention/apply", {"params": {"older_than_days": 30}})),
    get("/api/v1/keys", Role.ADMIN),
    Endpoint("POST", "/api/v1/keys", Role.ADMIN, lambda w, n: (
        "POST", "/api/v1/keys", {"json": {"role": "board", "name": f"board {n}"}})),
    Endpoint("POST", "/api/v1/keys/{prefix}/revoke", Role.ADMIN, lambda w, n: (
        "POST", f"/api/v1/keys/{w.revoked_prefix}/revoke", {})),
    get("/api/v1/audit", Role.ADMIN),
    get("/api/v1/return-rates", Role.BOARD, period="2017-18"),
    get("/api/v1/return-rates", Role.BOARD, period="2017-18", by="form,audience", format="csv"),
    get("/api/v1/sentiment", Role.BOARD, period="2025-26"),
    get("/api/v1/themes", Role.BOARD, period="2025-26"),
    get("/api/v1/quotes", Role.BOARD, period="2025-26"),
    get("/api/v1/scorecard", Role.BOARD, period="2017-18"),
    get("/api/v1/key-messages", Role.BOARD, period="2017-18"),
    get("/api/v1/key-messages", Role.BOARD),
    get("/api/v1/comparators", Role.BOARD, format="csv"),
    get("/api/v1/wellbeing", Role.BOARD, period="2025-26"),
    get("/api/v1/wellbeing", Role.BOARD, period="2025-26", format="csv"),
    get("/api/v1/return-rates", Role.BOARD, period="2017-18", by="cohort,team"),
    Endpoint("POST", "/api/v1/campaigns/rolling", Role.OFFICER, lambda w, n: (
        "POST", "/api/v1/campaigns/rolling", {"json": {"name": f"r{n}", "survey": "small"}})),
    Endpoint("GET", "/api/v1/campaigns/{campaign_id}/reviews", Role.OFFICER, lambda w, n: (
        "GET", f"/api/v1/campaigns/{_loop(w).rolling_id}/reviews", {})),
    Endpoint("POST", "/api/v1/campaigns/{campaign_id}/reviews", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/campaigns/{_loop(w).rolling_id}/reviews",
        {"json": {"council_ref": "REVIEW-SOON"}})),
    get("/api/v1/messages", Role.OFFICER),
    Endpoint("POST", "/api/v1/messages/{message_id}/replies", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/messages/{_loop(w).message_ids[n]}/replies", {"json": {"text": "hi"}})),
    Endpoint("POST", "/api/v1/responses/{response_id}/replies", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/responses/{_loop(w).response_id}/replies", {"json": {"text": "hi"}})),
    Endpoint("GET", "/api/v1/responses/{response_id}/replies", Role.OFFICER, lambda w, n: (
        "GET", f"/api/v1/responses/{_loop(w).response_id}/replies", {})),
    Endpoint("POST", "/api/v1/people/{council_ref}/contact-link", Role.OFFICER, lambda w, n: (
        "POST", "/api/v1/people/P00001-small/contact-link", {})),
    get("/api/v1/statements", Role.BOARD),
    Endpoint("POST", "/api/v1/statements", Role.OFFICER, lambda w, n: (
        "POST", "/api/v1/statements", {"json": {"you_said": "a", "we_did": f"b{n}"}})),
    Endpoint("POST", "/api/v1/statements/{statement_id}/withdraw", Role.OFFICER, lambda w, n: (
        "POST", f"/api/v1/statements/{_loop(w).statement_ids[n]}/withdraw", {})),
]


def test_the_matrix_covers_every_api_route(app: FastAPI) -> None:
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    covered = {(e.method, e.path.replace("{waiting_code}", "{code}")) for e in ENDPOINTS}
    assert routes == covered


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_each_role_against_the_endpoint(
    client: httpx.AsyncClient, keys: Keys, world: World, endpoint: Endpoint
) -> None:
    method, url, kwargs = endpoint.build(world, 0)
    headers = dict(kwargs.pop("headers", {}))

    nobody = await client.request(method, url, headers=headers, **kwargs)
    assert nobody.status_code == 401, nobody.text
    assert nobody.headers["www-authenticate"] == "Bearer"
    assert nobody.json()["error"]["code"] == "unauthorized"

    revoked = await client.request(
        method, url, headers={**headers, **keys.headers("revoked")}, **kwargs
    )
    assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]["message"]

    garbled = await client.request(
        method, url, headers={**headers, "Authorization": "Bearer cv_nothing_here"}, **kwargs
    )
    assert garbled.status_code == 401

    for n, role in enumerate(ROLES):
        method, url, kwargs = endpoint.build(world, n)
        headers = {**kwargs.pop("headers", {}), **keys.headers(role)}
        reply = await client.request(method, url, headers=headers, **kwargs)
        if role.allows(endpoint.least):
            assert 200 <= reply.status_code < 300, (role, reply.status_code, reply.text)
        else:
            assert reply.status_code == 403, (role, reply.status_code, reply.text)
            error = reply.json()["error"]
            assert error["code"] == "forbidden" and str(endpoint.least) in error["message"]


async def test_health_needs_no_key(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}
    for path in ("/healthz", "/readyz"):  # as uptime monitors ask: no body, no 405
        head = await client.head(path)
        assert (head.status_code, head.content) == (200, b""), path


async def test_not_ready_when_the_database_does_not_answer(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.routes import health

    async def fails(_services: object) -> str:
        return "OperationalError"

    monkeypatch.setattr(health, "_database_fails", fails)
    got = await client.get("/readyz")
    assert got.status_code == 503 and "OperationalError" in got.json()["error"]["message"]
    assert (await client.head("/readyz")).status_code == 503
    assert (await client.head("/healthz")).status_code == 200  # alive all the same
