"""Staff sign in with a key, get a server-side session cookie, and see what their role
allows; forms need their CSRF token; every page has the security headers."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from storage.database import Database
from storage.keys import revoke_key
from storage.tables import ApiKeyRow
from surveys.clock import FixedClock
from tests.web.conftest import COUNCIL, Keys, sign_in
from tests.web.pages import Page

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def words(response: httpx.Response) -> str:
    return Page.of(response.text).text


def staff_cookie(response: httpx.Response) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith("cv_staff=")]
    assert len(found) == 1, response.headers
    return found[0]


async def test_staff_pages_send_people_to_sign_in_first(client: httpx.AsyncClient) -> None:
    for path in ("/board", "/board/print?period=2017-18", "/officer"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin?next=%2F")


@pytest.mark.parametrize(
    ("role", "board", "officer"),
    [("board", 200, 403), ("officer", 200, 200), ("admin", 200, 200)],
)
async def test_roles(
    client: httpx.AsyncClient, keys: Keys, role: str, board: int, officer: int
) -> None:
    signed = await sign_in(client, keys.of(role))
    assert signed.status_code == 303
    assert signed.headers["location"] == ("/board" if role == "board" else "/officer")
    assert (await client.get("/board")).status_code == board
    page = await client.get("/officer")
    assert page.status_code == officer
    if officer == 403:
        assert "needs an officer or admin key" in words(page)
        assert page.headers["content-type"].startswith("text/html")


async def test_sign_in_goes_back_where_you_were_heading(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys
) -> None:
    signed = await sign_in(client, keys.board, next_path="/board?period=2017-18")
    assert signed.headers["location"] == "/board?period=2017-18"
    elsewhere = await sign_in(other_client, keys.board, next_path="//evil.example/")
    assert elsewhere.headers["location"] == "/board"
    again = await client.get("/signin?next=/board?period=2016-17")  # already signed in
    assert again.status_code == 303 and again.headers["location"] == "/board?period=2016-17"


async def test_the_staff_cookie_is_httponly_strict_and_secure(
    client: httpx.AsyncClient, keys: Keys, app: object
) -> None:
    cookie = staff_cookie(await sign_in(client, keys.board))
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"):
        assert flag in cookie, cookie
    assert "Max-Age" not in cookie and "expires" not in cookie.lower()
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as plain:
        cookie = staff_cookie(await sign_in(plain, keys.board))
    assert "HttpOnly" in cookie and "Secure" not in cookie


async def test_wrong_and_revoked_keys_are_refused_kindly(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    for key in ("cv_00000000_nope", "not a key", keys.revoked, ""):
        response = await sign_in(client, key)
        assert response.status_code == 401
        assert "wasn't recognised" in words(response)
        assert "cv_staff" not in response.headers.get("set-cookie", "")
    assert (await client.get("/board")).status_code == 303


async def test_sign_out_forgets_the_session(client: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(client, keys.officer)
    token = client.cookies.get("cv_staff")
    page = Page.of((await client.get("/board")).text)
    out = await client.post("/signout", data=page.form_to("/signout").data())
    assert out.status_code == 303 and out.headers["location"] == "/signin?signed_out=true"
    assert staff_cookie(out).startswith('cv_staff="";')
    assert "signed out" in words(await client.get(out.headers["location"]))
    assert (await client.get("/board")).status_code == 303
    client.cookies.set("cv_staff", token or "")  # the old token no longer works
    assert (await client.get("/board")).status_code == 303


async def test_a_revoked_key_ends_its_sessions(
    client: httpx.AsyncClient, keys: Keys, db: Database, clock: FixedClock
) -> None:
    await sign_in(client, keys.board)
    assert (await client.get("/board")).status_code == 200
    async with db.transaction() as session:
        prefix = keys.board.split("_")[1]
        await revoke_key(session, clock, prefix)
    assert (await client.get("/board")).status_code == 303


async def test_sessions_end_after_an_hour_unused(
    client: httpx.AsyncClient, keys: Keys, clock: FixedClock
) -> None:
    await sign_in(client, keys.board)
    clock.advance(minutes=50)
    assert (await client.get("/board")).status_code == 200
    clock.advance(minutes=50)
    assert (await client.get("/board")).status_code == 200
    clock.advance(minutes=61)
    assert (await client.get("/board")).status_code == 303


async def test_signing_in_marks_the_key_used(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.board)
    async with db.reader() as session:
        row = await session.scalar(
            select(ApiKeyRow).where(ApiKeyRow.prefix == keys.board.split("_")[1])
        )
    assert row is not None and row.last_used_at is not None


async def test_forms_without_their_token_are_refused(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys
) -> None:
    forged = await client.post("/signin", data={"key": keys.board, "csrf": "x"})
    assert forged.status_code == 403 and "timed out" in words(forged)
    assert "cv_staff" not in forged.headers.get("set-cookie", "")
    await sign_in(client, keys.officer)
    out = await client.post("/signout", data={"csrf": "nope"})
    assert out.status_code == 403 and "Please try that again" in words(out)
    assert (await client.get("/board")).status_code == 200  # still signed in
    # another site's page cannot post as the signed-in officer
    page = Page.of((await client.get("/board")).text)
    stolen = page.form_to("/signout").data()
    assert (await other_client.post("/signout", data=stolen)).status_code == 403


async def test_security_headers_on_every_page(
    client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    assert (await client.get("/signin")).headers["content-security-policy"] == CSP
    await sign_in(client, keys.admin)
    paths = [
        "/", "/c", "/board", "/board/print", "/officer", f"/c/{codes[0]}", "/c/unknown",
        "/static/app.css", "/static/chat.js",
    ]
    for path in paths:
        response = await client.get(path)
        headers = response.headers
        assert headers["content-security-policy"] == CSP, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "camera=()" in headers["permissions-policy"]
        assert headers["x-frame-options"] == "DENY"
        if not path.startswith("/static/"):
            assert headers["cache-control"] == "no-store", path
            assert headers["content-type"].startswith("text/html"), path
    assert "content-security-policy" not in (await client.get("/healthz")).headers


async def test_static_files_are_served(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = await client.get("/static/chat.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


# ----- error pages ------------------------------------------------------------------------

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def brand(response: httpx.Response) -> str:
    """The header's brand: "carevoice" and the council's name."""
    found = re.search(r'<p class="brand">(.*?)</p>', response.text, re.S)
    assert found is not None, response.text[:500]
    return " ".join(re.sub("<[^>]+>", " ", found[1]).split())


async def test_an_error_page_names_the_council(client: httpx.AsyncClient, keys: Keys) -> None:
    """A board member opening the officer's page: the 403 page's header names the council
    (settings council_name), never "carevoice carevoice"."""
    await sign_in(client, keys.board)
    page = await client.get("/officer", headers=BROWSER)
    assert page.status_code == 403
    assert brand(page) == f"carevoice {COUNCIL}"
    assert f"– {COUNCIL}</title>" in page.text
    assert "carevoice carevoice" not in words(page)


async def test_a_mistyped_address_is_a_page_for_a_browser_and_json_for_a_client(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/bord", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in words(page) and '<a href="/">Home page</a>' in page.text
    assert brand(page) == f"carevoice {COUNCIL}"
    assert page.headers["content-security-policy"] == CSP  # a page like any other
    assert '"error"' not in page.text
    # an API client (no text/html in Accept), and anything under /api/, keep the JSON
    for path, accept in (("/bord", "application/json"), ("/bord", "*/*"),
                         ("/api/v1/nothing-here", BROWSER["Accept"])):  # fmt: skip
        reply = await client.get(path, headers={"Accept": accept})
        assert reply.status_code == 404, (path, accept)
        assert reply.headers["content-type"].startswith("application/json")
        assert reply.json()["error"]["code"] == "not_found"


async def test_a_method_a_page_does_not_take_keeps_its_allow_header(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/signout", headers=BROWSER)
    assert page.status_code == 405
    assert page.headers["content-type"].startswith("text/html")
    assert "POST" in page.headers["allow"]
    assert '<a href="/">Home page</a>' in page.text
    reply = await client.get("/signout")
    assert reply.status_code == 405 and reply.json()["error"]["code"] == "method_not_allowed"
    assert reply.headers["allow"] == page.headers["allow"]
