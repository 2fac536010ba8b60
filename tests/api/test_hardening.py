"""A server that holds: throttled key guessing, body limits before reading, NUL bytes
refused clearly, trusted proxies only, and the headers on every API reply."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from carevoice.wiring import Services
from surveys.throttle import Throttles
from tests.api.conftest import Keys, api_settings

PEOPLE_CSV = "council_ref,cohort,age_band\nH-1,in_care,13-15\n"


def _tight(services: Services, **settings: object) -> FastAPI:
    config = api_settings().model_copy(update=settings)
    tight = Services(config, services.db, services.catalog, services.conversations,
                     services.clock, Throttles.from_limits(keys_per_client="3/minute",
                                                           keys_overall="100/minute"))
    return create_app(tight)


@pytest.fixture
async def tight(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_tight(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_wrong_bearer_keys_get_429_with_retry_after(
    tight: httpx.AsyncClient, keys: Keys
) -> None:
    bad = {"Authorization": "Bearer cv_abcdefgh_" + "x" * 40}
    for _ in range(3):
        assert (await tight.get("/api/v1/campaigns", headers=bad)).status_code == 401
    refused = await tight.get("/api/v1/campaigns", headers=bad)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # while throttled, even the right key waits (or guessing would simply go on)
    assert (await tight.get("/api/v1/campaigns", headers=keys.headers("officer"))).status_code \
        == 429


async def test_right_keys_are_never_counted(tight: httpx.AsyncClient, keys: Keys) -> None:
    for _ in range(10):
        assert (await tight.get("/api/v1/campaigns",
                                headers=keys.headers("officer"))).status_code == 200


async def test_a_forwarded_address_counts_only_from_a_trusted_proxy(
    services: Services, keys: Keys
) -> None:
    bad = {"Authorization": "Bearer cv_abcdefgh_" + "x" * 40}
    trusting = _tight(services, trusted_proxies=["127.0.0.1"])
    transport = httpx.ASGITransport(app=trusting, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        for n in range(5):  # five clients behind the proxy, one guess each: none throttled
            reply = await http.get("/api/v1/campaigns",
                                   headers={**bad, "X-Forwarded-For": f"198.51.100.{n}"})
            assert reply.status_code == 401
    untrusting = _tight(services)
    transport = httpx.ASGITransport(app=untrusting, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        statuses = [
            (await http.get("/api/v1/campaigns",
                            headers={**bad, "X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(5)
        ]
    assert statuses == [401, 401, 401, 429, 429]  # a forged header changes nothing


async def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_read(
    services: Services, keys: Keys
) -> None:
    app = _tight(services, max_body_bytes=2048)
    read = []

    async def receive() -> dict[str, object]:
        read.append(1)
        return {"type": "http.request", "body": b"{}", "more_body": False}

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/v1/campaigns", "raw_path": b"/api/v1/campaigns",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1), "server": None,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"999999"),
                    (b"authorization", f"Bearer {keys.officer}".encode())],
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert read == []


async def test_a_streamed_body_is_cut_off_at_the_limit(services: Services, keys: Keys) -> None:
    app = _tight(services, max_body_bytes=2048)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1000

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        reply = await http.post("/api/v1/surveys", content=chunks(),
                                headers={**keys.headers("officer"), "content-type": "text/yaml"})
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == "too_large"


async def test_a_people_import_may_be_larger_than_other_bodies(
    services: Services, keys: Keys
) -> None:
    app = _tight(services, max_body_bytes=2048)
    transport = httpx.ASGITransport(app=app)
    body = PEOPLE_CSV + "".join(f"H-{n},in_care,13-15\n" for n in range(2, 300))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        reply = await http.post("/api/v1/people", content=body.encode(),
                                headers={**keys.headers("officer"), "content-type": "text/csv"})
    assert len(body) > 2048 and reply.status_code == 200, reply.text


@pytest.mark.parametrize(
    ("method", "url", "body", "kind"),
    [
        ("GET", "/api/v1/surveys/a%00b", None, None),
        ("GET", "/api/v1/people?team=a%00b", None, None),
        ("GET", "/api/v1/sentiment?period=2017-18%00", None, None),
        ("POST", "/api/v1/invitations/a%00b/revoke", None, None),
        ("POST", "/api/v1/people", '[{"council_ref": "A\\u0000", "cohort": "in_care"}]',
         "application/json"),
        ("POST", "/api/v1/keys", '{"name": "x\\u0000", "role": "board"}', "application/json"),
        ("POST", "/api/v1/keys", '{"name": "x\x00", "role": "board"}', "application/json"),
    ],
)
async def test_a_nul_byte_anywhere_is_a_clear_400(
    client: httpx.AsyncClient, keys: Keys, method: str, url: str, body: str | None,
    kind: str | None,
) -> None:
    headers = keys.headers("admin") | ({"content-type": kind} if kind else {})
    reply = await client.request(method, url, content=body, headers=headers)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "nul_byte"


async def test_an_escaped_backslash_before_u0000_is_not_a_nul(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    reply = await client.post("/api/v1/keys", json={"name": "a\\u0000b", "role": "board"},
                              headers=keys.headers("admin"))
    assert reply.status_code == 201, reply.text


@pytest.mark.parametrize("path", ["/api/v1/campaigns", "/healthz", "/openapi.json", "/docs",
                                  "/api/v1/nowhere"])
async def test_api_replies_are_never_cached_or_sniffed(
    client: httpx.AsyncClient, keys: Keys, path: str
) -> None:
    reply = await client.get(path, headers=keys.headers("officer"))
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in reply.headers  # plain http: no HSTS


async def test_hsts_is_sent_over_https(app: FastAPI, keys: Keys) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        for path in ("/api/v1/campaigns", "/signin"):
            reply = await http.get(path, headers={"Authorization": f"Bearer {keys.officer}"})
            assert "max-age=" in reply.headers["strict-transport-security"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_docs_load_only_local_assets_under_the_csp(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "<script>" not in page.text  # no inline script for the CSP to block
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/v1/surveys", "GET, POST"),
        ("OPTIONS", "/api/v1/people", "GET, POST"),
        ("PUT", "/api/v1/keys", "GET, POST"),
        ("PATCH", "/api/v1/form-counts/1", "DELETE"),
    ],
)
async def test_405_names_every_method_the_path_takes(
    client: httpx.AsyncClient, keys: Keys, method: str, path: str, allow: str
) -> None:
    reply = await client.request(method, path, headers=keys.headers("admin"))
    assert reply.status_code == 405
    assert reply.headers["allow"] == allow


def test_the_schema_describes_periods_and_text_exactly(app: FastAPI) -> None:
    schema = app.openapi()
    period = next(p for p in schema["paths"]["/api/v1/return-rates"]["get"]["parameters"]
                  if p["name"] == "period")["schema"]["pattern"]
    for good in ("2017-18", "2017-18 Q1", "1999-00", "0001-02", "9998-99"):
        assert re.fullmatch(period, good), good
    for bad in ("2017-19", "2017-18 Q5", "0000-01", "9999-00", "2017", ""):
        assert not re.fullmatch(period, bad), bad
    note = schema["components"]["schemas"]["NoteCreate"]
    assert note["additionalProperties"] is False
    assert not re.fullmatch(note["properties"]["note"]["pattern"], "a\x00b")


async def test_dates_are_text_never_seconds_since_1970(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    reply = await client.post("/api/v1/campaigns/1/invitations", json={"review_from": 0},
                              headers=keys.headers("officer"))
    assert reply.status_code == 422
    assert "YYYY-MM-DD" in reply.text
