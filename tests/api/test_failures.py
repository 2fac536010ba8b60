"""An unexpected failure is logged by type and place only, and answered with a plain 500."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import APIRouter

from api.app import create_app
from carevoice.wiring import Services

WORDS = "my carer Sam hits me"


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the app logged (not the test client's own request lines)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))


def broken_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/v1/broken/{ref}")
    async def broken_api(ref: str) -> None:
        raise RuntimeError(f"could not store {WORDS!r} for {ref}")

    @router.get("/c/broken/{ref}")
    async def broken_page(ref: str) -> None:
        raise KeyError(WORDS)

    return router


@pytest.fixture
async def client(services: Services) -> httpx.AsyncClient:
    app = create_app(services, extra_routers=[broken_router()])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_an_api_failure_is_a_500_in_the_error_shape_and_logs_no_words(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        reply = await client.get("/api/v1/broken/REF-0042")
    assert reply.status_code == 500
    assert reply.json()["error"]["code"] == "internal_error"
    assert WORDS not in reply.text and "REF-0042" not in reply.text
    logged = server_log(caplog)
    assert "GET /api/v1/broken/{ref} failed: RuntimeError at test_failures.py:" in logged
    assert WORDS not in logged and "REF-0042" not in logged
    assert all(record.exc_info is None for record in caplog.records)


async def test_a_page_failure_is_a_short_page_with_the_security_headers(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        reply = await client.get("/c/broken/x")
    assert reply.status_code == 500 and "Something went wrong" in reply.text
    assert "content-security-policy" in reply.headers
    logged = server_log(caplog)
    assert WORDS not in logged and "KeyError at test_failures.py:" in logged
