"""Guessing on the web: wrong keys at /signin and links to /c/<code> that don't exist are
throttled per address, with a kind page, a 429 and Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from api.web.security import csrf_token
from carevoice.wiring import Services
from storage.contact import issue_contact_link
from storage.database import Database
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
    # no young person is known here: the page speaks the browser's language
    welsh = await tight.get(f"/c/{codes[1]}", headers={"Accept-Language": "cy-GB,en;q=0.5"})
    assert welsh.status_code == 429 and '<html lang="cy"' in welsh.text
    assert "Aros ychydig" in welsh.text and "Please wait" not in welsh.text
    arabic = await tight.get(f"/c/{codes[1]}", headers={"Accept-Language": "fr, ar;q=0.8"})
    assert 'dir="rtl"' in arabic.text and "من فضلك انتظر قليلًا" in arabic.text


async def test_young_peoples_own_links_that_do_not_exist_are_throttled(
    tight: httpx.AsyncClient, services: Services, db: Database, codes: list[str]
) -> None:
    async with db.transaction() as session:
        token = await issue_contact_link(session, "P00000-small", services.clock)
    assert (await tight.get(f"/talk/{token}")).status_code == 200
    for n in range(3):
        assert (await tight.get(f"/talk/no-such-link-{n}")).status_code == 404
    refused = await tight.get(f"/talk/{token}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Please wait" in refused.text and "0800 1111" in refused.text
    tight.cookies.set("cv_talk", "a-browser-of-its-own", path="/talk/")
    form = {"csrf": csrf_token("a-browser-of-its-own", "talk"), "kind": "talk", "text": "hi"}
    posted = await tight.post(f"/talk/{token}", data=form)
    assert posted.status_code == 429  # no way round it by sending instead
    assert "0800 1111" in posted.text
