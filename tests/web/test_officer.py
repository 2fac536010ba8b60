"""Officer pages: campaigns with progress, the alerts queue (acknowledged with a note,
never deleted), and letters with QR codes; reads of identifiable data are audited."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
from sqlalchemy import func, select

from storage.database import Database
from storage.tables import AuditLogRow, InvitationRow, SafeguardingAlertRow
from tests.web.conftest import PUBLIC_URL, Keys, sign_in
from tests.web.pages import Page
from tests.web.test_chat import Chat

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


async def asked_for_help(http: httpx.AsyncClient, code: str) -> None:
    chat = Chat(http, code)
    await chat.start()
    assert chat.page is not None
    form = chat.page.form("help-form")
    await chat.post(form.data(form.button("I need help now")))


async def actions(db: Database) -> list[str]:
    async with db.reader() as session:
        return list((await session.scalars(select(AuditLogRow.action))).all())


async def test_campaigns_and_their_progress(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    chat = Chat(other_client, codes[0])
    await chat.start()
    await chat.press("Good")
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer")).text)
    assert "Campaigns and their progress" in page.text
    row = re.search(r"<th scope=\"row\"><a href=\"/officer/campaigns/\d+\">test</a></th>(.*?)</tr>",
                    page.html, re.S)
    assert row is not None
    numbers = re.findall(r'<td class="num">(\d+)', row[1])
    assert numbers == ["3", "1", "1", "0", "0", "0"]  # invited, delivered, started, ...


async def test_the_alerts_queue_and_acknowledging_with_a_note(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys,
    codes: list[str], db: Database,
) -> None:
    await asked_for_help(other_client, codes[0])
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer")).text)
    assert "1 waiting" in page.text and "help now" in page.text
    assert "P00000-small" in page.text  # the young person's reference, for the officer
    assert "list alerts" in await actions(db)

    alert_id = (await _alert_ids(db))[0]
    # the overview leads to the alert's page, where their words are read before acting
    assert f'action="/officer/alerts/{alert_id}/acknowledge"' not in page.html
    assert f'href="/officer/alerts/{alert_id}"' in page.html
    form = page.form_to("/signout")  # its CSRF token, for the queue's own acknowledge route
    form = replace(form, action=f"/officer/alerts/{alert_id}/acknowledge")
    empty = await client.post(form.action, data=form.data(note="  "))
    assert empty.status_code == 303 and "problem=note" in empty.headers["location"]

    done = await client.post(form.action, data=form.data(note=PAYLOAD))
    assert done.status_code == 303 and f"acknowledged={alert_id}" in done.headers["location"]
    after = await client.get(done.headers["location"])
    assert "<script>alert(1)" not in after.text and "<img src=x" not in after.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in after.text
    text = Page.of(after.text).text
    assert f"Alert {alert_id} acknowledged" in text and "0 waiting" in text
    assert "By test officer" in text

    again = await client.post(form.action, data=form.data(note="twice"))
    assert "problem=already" in again.headers["location"]
    async with db.reader() as session:
        alert = await session.get(SafeguardingAlertRow, alert_id)
        assert alert is not None and alert.note == PAYLOAD
        assert (alert.acknowledged_by or "").startswith("test officer")
        count = await session.scalar(select(func.count()).select_from(SafeguardingAlertRow))
    assert count == 1  # never deleted
    assert "acknowledge alert" in await actions(db)


async def test_the_queue_names_the_question_in_plain_words_and_the_channel(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    chat = Chat(other_client, codes[0])
    await chat.to_the_words()
    await chat.write("my dad hits me with a belt")
    await sign_in(client, keys.officer)
    text = Page.of((await client.get("/officer")).text).text
    assert "1 waiting" in text
    assert "Question Why would you like to chair it?" in text and "why_chair" not in text
    assert "Channel Web chat" in text


async def test_acknowledging_needs_the_token_and_an_officer(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys,
    codes: list[str], db: Database,
) -> None:
    await asked_for_help(other_client, codes[0])
    alert_id = (await _alert_ids(db))[0]
    await sign_in(client, keys.officer)
    forged = await client.post(
        f"/officer/alerts/{alert_id}/acknowledge", data={"note": "x", "csrf": "bad"}
    )
    assert forged.status_code == 403
    board = await other_client.post("/signout", data={})  # other_client holds a chat cookie
    assert board.status_code == 403
    async with db.reader() as session:
        alert = await session.get(SafeguardingAlertRow, alert_id)
    assert alert is not None and alert.acknowledged_at is None


async def test_letters_with_qr_codes_and_web_links(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database
) -> None:
    await sign_in(client, keys.officer)
    officer = Page.of((await client.get("/officer")).text)
    link = re.search(r'href="(/officer/campaigns/(\d+)/letters)"', officer.html)
    assert link is not None
    before = await client.get(link[1])
    assert before.status_code == 200 and '<article class="letter"' not in before.text
    assert "3 invitations not yet used" in before.text and codes[0] not in before.text
    page = Page.of(before.text)
    form = page.form_to(f"{link[1]}?page=1")
    letters = await client.post(form.action, data=form.data(form.button("Make the letters")))
    assert letters.status_code == 200 and "no-store" in letters.headers["cache-control"]
    html = letters.text
    assert html.count('<article class="letter"') == 3
    assert html.count('<svg width=') == 3 and 'class="qr"' in html
    printed = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
    assert len(set(printed)) == 3 and not set(codes) & {p.replace("-", "") for p in printed}
    for code in set(printed):
        assert f"{PUBLIC_URL}/c/{code}" in html and f"{PUBLIC_URL}/c</span>" in html
    assert " style=" not in html
    assert "print invitation letters" in await actions(db)
    async with db.reader() as session:  # how many, for whoever reads the audit log
        made = await session.scalar(select(AuditLogRow.subject).where(
            AuditLogRow.action == "print invitation letters"))
    assert made == f"campaign {link[2]}: letters, page 1: 3 made"
    old = await client.get(f"/c/{codes[0]}")  # printing again made new codes
    assert old.status_code == 410 and "replaced by a newer letter" in Page.of(old.text).text
    # a reload sends the form again: the printed letters keep working, and the page says so
    resent = await client.post(form.action, data=form.data(form.button("Make the letters")))
    assert resent.status_code == 200 and '<article class="letter"' not in resent.text
    assert "No new letters were made" in Page.of(resent.text).text
    for code in set(printed):
        assert (await client.get(f"/c/{code}")).status_code == 200
    again = Page.of(resent.text).form_to(f"{link[1]}?page=1")  # asked for, on purpose
    remade = await client.post(again.action, data=again.data(again="yes"))
    assert remade.text.count('<article class="letter"') == 3
    assert (await client.get(f"/c/{printed[0]}")).status_code == 410  # replaced again
    missing = await client.get("/officer/campaigns/999/letters")
    assert missing.status_code == 404 and "No such campaign" in missing.text


async def test_letters_made_before_are_said_and_made_again_only_when_ticked(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database
) -> None:
    await sign_in(client, keys.officer)
    async with db.reader() as session:
        campaign_id = await session.scalar(select(InvitationRow.campaign_id))
    path = f"/officer/campaigns/{campaign_id}/letters"
    first = Page.of((await client.get(path)).text)
    assert "last made" not in first.text and "Make them again" not in first.text
    form = first.form_to(f"{path}?page=1")
    made = await client.post(form.action, data=form.data())
    printed = set(re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", made.text))
    later = Page.of((await client.get(path)).text)  # Back, or opened another day
    assert "These letters were last made" in later.text and "(3 letters)" in later.text
    assert "the 3 letters made" in later.text and "will stop working" in later.text
    button = later.form_to(f"{path}?page=1")
    unticked = await client.post(button.action, data=button.data())
    assert unticked.status_code == 422 and '<article class="letter"' not in unticked.text
    assert "tick the box below to make them again" in Page.of(unticked.text).text
    for code in printed:  # the posted letters still work
        assert (await client.get(f"/c/{code}")).status_code == 200
    ticked = await client.post(button.action, data=button.data(again="yes"))
    assert ticked.text.count('<article class="letter"') == 3
    assert (await client.get(f"/c/{printed.pop()}")).status_code == 410


async def test_board_keys_cannot_see_officer_pages(
    client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    await sign_in(client, keys.board)
    for path in ("/officer", "/officer/campaigns/1/letters"):
        assert (await client.get(path)).status_code == 403
    assert (await client.post("/officer/alerts/1/acknowledge", data={})).status_code == 403


async def _alert_ids(db: Database) -> list[int]:
    async with db.reader() as session:
        return list((await session.scalars(select(SafeguardingAlertRow.id))).all())


async def test_an_alert_for_words_the_net_cannot_read_says_why_and_that_nothing_was_said(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys,
    codes: list[str], db: Database,
) -> None:
    chat = Chat(other_client, codes[0])
    await chat.start()
    for button in ("Good", "At school", "Skip this one", "No"):
        await chat.press(button)
    await chat.write("ساعدني من فضلك", choose=None)  # "Anything just for your IRO?"
    assert "Thank you for telling us" not in chat.text  # nothing seen to worry about: no help card
    [alert_id] = await _alert_ids(db)
    await sign_in(client, keys.officer)
    page = Page.of((await client.get(f"/officer/alerts/{alert_id}")).text)
    assert "Not read by the net" in page.text
    assert "ساعدني من فضلك" in page.text  # the words, for the officer to read or translate
    assert "could not read their words" in page.text  # what they were told, and why
