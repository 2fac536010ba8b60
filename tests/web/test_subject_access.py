"""Subject access on the web: a young person asks from the chat, the officer sees the
request, opens a page written for the child (and JSON), and every view is audited."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from storage.database import Database
from storage.tables import AuditLogRow, RequestRow
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page
from tests.web.test_chat import Chat


async def test_a_young_person_asks_for_their_data_and_the_officer_gives_it(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys,
    codes: list[str], db: Database,
) -> None:  # fmt: skip
    consent = Page.of((await other_client.get(f"/c/{codes[0]}")).text)
    assert "How long we keep it: your words 2 years after the survey closes" in consent.text
    chat = Chat(other_client, codes[0])
    await chat.start()
    await chat.press("Good")
    assert chat.page is not None
    ask = chat.page.form_to(f"/c/{codes[0]}/my-data")
    tapped = await other_client.post(ask.action, data=ask.data(ask.button("copy of my data")))
    assert tapped.status_code == 200 and "Do you want a copy of everything" in tapped.text
    async with db.reader() as session:  # a tap by mistake files nothing
        assert (await session.scalars(select(RequestRow.kind))).all() == []
    sure = Page.of(tapped.text)
    assert f'href="/c/{codes[0]}"' in tapped.text and "No, back to the chat" in sure.text
    confirm = sure.form_to(f"/c/{codes[0]}/my-data")
    asked = await other_client.post(confirm.action, data=confirm.data())
    assert asked.status_code == 200 and "one month" in asked.text and "worker or PA" in asked.text
    again = await other_client.post(confirm.action, data=confirm.data())
    assert "already asked" in again.text
    forged = await other_client.post(ask.action, data={"csrf": "0" * 64})
    assert forged.status_code == 403
    async with db.reader() as session:
        kinds = (await session.scalars(select(RequestRow.kind))).all()
    assert kinds == ["access"]

    await sign_in(client, keys.officer)
    home = Page.of((await client.get("/officer/people")).text)
    assert "Asked for their data (1 open)" in home.text and "P00000-small" in home.text
    page = await client.get("/officer/people/P00000-small")
    assert page.status_code == 200
    shown = Page.of(page.text)
    assert "What we hold about you" in shown.text and "How are things?" in shown.text
    assert "Good" in shown.text and "Who has looked at your information" in shown.text
    assert codes[0] not in page.text  # the invitation code is a key: never shown
    # read by a young person: days as people write them, no key prefixes or ISO dates
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", shown.text), shown.text
    assert not re.search(r"\([0-9a-f]{8}\)", shown.text), shown.text
    as_json = await client.get("/officer/people/P00000-small", params={"format": "json"})
    assert as_json.json()["person"]["council_ref"] == "P00000-small"
    assert "attachment" in as_json.headers["content-disposition"]
    missing = await client.get("/officer/people/NOBODY")
    assert missing.status_code == 404 and "may have been erased" in missing.text
    found = await client.get("/officer/people", params={"ref": "P00000-small"},
                             follow_redirects=False)
    assert found.headers["location"] == "/officer/people/P00000-small"
    async with db.reader() as session:
        reads = (
            await session.scalars(
                select(AuditLogRow.subject).where(AuditLogRow.action == "export person")
            )
        ).all()
    assert reads == ["P00000-small", "P00000-small"]


async def test_board_staff_cannot_see_a_young_persons_data(
    client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    await sign_in(client, keys.board)
    denied = await client.get("/officer/people/P00000-small")
    assert denied.status_code in (302, 303, 403)
    assert "What we hold about you" not in denied.text


async def test_an_officer_records_a_request_that_came_by_phone(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database,
) -> None:
    """A request by phone, letter or email starts the legal clock too: an officer records
    it dated the day it came (found by the officer-tester: only the chat could file one)."""
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/people")).text)
    form = page.form_to("/officer/people/requests")
    sent = await client.post(form.action, data=form.data(
        ref=" p00000-small ", how="phone", received="2026-01-02"))  # fmt: skip
    assert sent.headers["location"] == "/officer/people?recorded=1"
    listed = Page.of((await client.get(sent.headers["location"])).text).text
    assert "Request recorded" in listed and "Asked for their data (1 open)" in listed
    assert "2 Jan 2026" in listed and "Phone" in listed
    async with db.reader() as session:
        row = await session.scalar(select(RequestRow))
        audited = (await session.scalars(select(AuditLogRow.action))).all()
    assert row is not None and row.kind == "access" and row.channel == "phone"
    assert "record request" in audited
    for bad, problem in (
        ({"ref": "P00000-small", "how": "phone", "received": "2026-01-02"}, "already"),
        ({"ref": "NOBODY", "how": "phone", "received": "2026-01-02"}, "ref"),
        ({"ref": "P00000-small", "how": "pigeon", "received": "2026-01-02"}, "how"),
        ({"ref": "P00000-small", "how": "email", "received": "2099-01-01"}, "date"),
        ({"ref": "P00000-small", "how": "email", "received": "yesterday"}, "date"),
    ):
        refused = await client.post(form.action, data=form.data(**bad))
        assert refused.headers["location"] == f"/officer/people?problem={problem}#record", bad
    forged = await client.post(form.action, data={**bad, "csrf": "x"})
    assert forged.status_code == 403


async def test_an_officer_records_a_request_to_delete_that_came_by_letter(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database,
) -> None:
    """A request to delete their data that came by letter waits on Requests and erasure for
    an administrator, dated the day it came (before, only an administrator erasing could
    record one)."""
    await sign_in(client, keys.officer)
    html = (await client.get("/officer/people")).text
    form = Page.of(html).form_to("/officer/people/requests")
    # the form asks what they want; a copy of their data comes first (the default)
    assert html.index('<option value="access">') < html.index('<option value="erasure">')
    sent = await client.post(form.action, data=form.data(
        ref="P00000-small", what="erasure", how="paper", received="2026-01-02"))  # fmt: skip
    assert sent.headers["location"] == "/officer/requests?recorded=1#open-h"
    waiting = Page.of((await client.get(sent.headers["location"])).text).text
    assert "Request to delete their data recorded" in waiting
    assert "P00000-small" in waiting and "Paper" in waiting and "2 Jan 2026" in waiting
    again = await client.post(form.action, data=form.data(
        ref="P00000-small", what="erasure", how="email", received="2026-01-03"))  # fmt: skip
    assert again.headers["location"] == "/officer/people?problem=already_erasure#record"
    odd = await client.post(form.action, data=form.data(
        ref="P00000-small", what="everything", how="email", received="2026-01-03"))  # fmt: skip
    assert odd.headers["location"] == "/officer/people?problem=what#record"
    async with db.reader() as session:
        rows = (await session.scalars(select(RequestRow))).all()
        audited = (await session.scalars(select(AuditLogRow.subject).where(
            AuditLogRow.action == "record request"))).all()  # fmt: skip
    assert [(r.kind, r.channel) for r in rows] == [("erasure", "paper")]
    assert audited == ["erasure (P00000-small)"]
