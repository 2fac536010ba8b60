"""Guessing on the web: wrong keys at /signin and links to /c/<code> that don't exist are
throttled per address, with a kind page, a 429 and Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from carevoice.wiring import Services
from surveys.throttle import Throttles
from tests.web.conftest import Keys, sign_in


@pytest.fixture
async def tight(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    throttled = Services(
        services.settings, services.db, services.catalog, services.conversations,
        services.clock, Throttles.from_limits(keys_per_client="3/minute",
                                              codes_per_client="3/minute"),
    )
    transport = httpx.ASGITransport(app=create_app(throttled))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        yield http


async def test_wrong_keys_at_sign_in_are_throttled(tight: httpx.AsyncClient, keys: Keys) -> None:
    for _ in range(3):
        assert (await sign_in(tight, "cv_nothing_wrongwrongwrong")).status_code == 401
    refused = await sign_in(tight, keys.officer)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many wrong keys" in refused.text


async def test_links_that_do_not_exist_are_throttled_but_real_ones_work_before(
    tight: httpx.AsyncClient, codes: list[str]
) -> None:
    assert (await tight.get(f"/c/{codes[0]}")).status_code == 200
    for n in range(3):
        assert (await tight.get(f"/c/NoSuchCode{n}")).status_code == 404
    refused = await tight.get(f"/c/{codes[1]}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Please wait" in refused.text
    assert refused.headers["cache-control"] == "no-store"
