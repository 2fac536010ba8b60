"""Safeguarding and hearing back: an answer that raised an alert is kept out of the
printed meeting pack; an officer can write back from the alert page to a young person
who pressed "I need help now" and left; the alert page says plainly how it was raised."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
from sqlalchemy import select, update

from bot import texts as bot_texts
from storage import alerts
from storage.database import Database
from storage.erasure import erase_person
from storage.tables import AuditLogRow, PersonRow, ReplyRow, ResponseRow, SafeguardingAlertRow
from surveys.clock import FixedClock
from surveys.i18n import gettext_for
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page
from tests.web.test_chat import Chat
from tests.web.test_officer_pages import team_key

HIT = "my carer hits me when I'm late"
WEB_CLOSING = ("If someone writes back to you, you'll see it here when you open your link again "
               "on this phone or computer.")
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Printed(HTMLParser):
    """The text a printer gets: everything outside `.no-print` elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0  # depth inside a no-print element
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        if self.hidden or "no-print" in classes:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and tag not in VOID:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.text.append(data)


def printed(html: str) -> str:
    parser = _Printed()
    parser.feed(html)
    return " ".join("".join(parser.text).split())


async def _disclosed_and_finished(chat: Chat) -> None:
    await chat.to_the_words()
    await chat.write(HIT)
    if chat.page is not None and chat.page.has_form("say-more"):
        more = chat.page.form("say-more")
        await chat.post(more.data(text="please dont tell him I said"))
    if "carry on" in chat.text.lower() and chat.page is not None:
        form = chat.page.form("answer")
        await chat.post(form.data(form.button("Carry on")))
    if "My IRO and worker can read this" in chat.text:  # who may read what they wrote
        await chat.press("My IRO and worker can read this")
    await chat.write("nothing else")
    assert "All done" in chat.text


async def _only(db: Database, row: type[ResponseRow] | type[SafeguardingAlertRow]) -> int:
    async with db.reader() as session:
        found = await session.scalar(select(row.id))
    assert found is not None
    return found


async def test_an_answer_that_raised_an_alert_is_not_printed_for_the_meeting(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str], keys: Keys,
    db: Database,
) -> None:
    await _disclosed_and_finished(Chat(client, codes[0]))
    response_id = await _only(db, ResponseRow)
    async with db.reader() as session:  # what they wrote after may raise one of its own
        first, *others = (await session.scalars(
            select(SafeguardingAlertRow.id).order_by(SafeguardingAlertRow.id))).all()
    await sign_in(other_client, keys.officer)
    page = await other_client.get(f"/officer/responses/{response_id}")
    assert page.status_code == 200
    on_paper = printed(page.text)
    assert "hits me" not in on_paper and "please dont tell" not in on_paper
    named = ", ".join(f"alert {n}" for n in (first, *others))
    alert_s = "alerts" if others else "alert"
    assert (f"This answer raised a safeguarding alert ({named}). It is not printed for the "
            f"meeting: read the {alert_s} and talk to the safeguarding lead before the review."
            ) in on_paper
    assert "Physical harm" not in on_paper  # nor what kind of harm: only on screen
    assert "nothing else" in on_paper  # the other answers still print
    on_screen = Page.of(page.text).text
    assert "hits me" in on_screen and f"Alert {first}: Physical harm" in on_screen
    assert "threats, waiting" in on_screen and f'href="/officer/alerts/{first}"' in page.text


async def test_an_answer_with_no_alert_prints_as_before(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str], keys: Keys,
    db: Database,
) -> None:
    chat = Chat(client, codes[0])
    await chat.to_the_words()
    await chat.write("I want to chair it")
    await chat.write("nothing else")
    await sign_in(other_client, keys.officer)
    page = await other_client.get(f"/officer/responses/{await _only(db, ResponseRow)}")
    on_paper = printed(page.text)
    assert "I want to chair it" in on_paper and "safeguarding alert" not in on_paper


async def _pressed_help_and_left(client: httpx.AsyncClient, code: str) -> Chat:
    chat = Chat(client, code)
    await chat.start()
    await chat.help_now()
    return chat


async def test_an_officer_replies_from_the_alert_page_to_a_child_who_did_not_finish(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str], keys: Keys,
    db: Database,
) -> None:
    chat = await _pressed_help_and_left(client, codes[0])
    alert_id, response_id = await _only(db, SafeguardingAlertRow), await _only(db, ResponseRow)
    await sign_in(other_client, keys.officer)
    page = Page.of((await other_client.get(f"/officer/alerts/{alert_id}")).text)
    assert "whether or not they finished the survey" in page.text
    form = page.form_to(f"/officer/alerts/{alert_id}/reply")
    sent = await other_client.post(form.action, data=form.data(text="I'm Sam. I'll ring you."))
    assert sent.status_code == 303 and "done=reply" in sent.headers["location"]
    after = Page.of((await other_client.get(sent.headers["location"])).text).text
    assert "Reply saved" in after and "waiting: shown when they next open their link" in after
    # the same browser opens their link again: the reply is there
    again = await chat.open()
    assert "A reply from your worker" in again.text and "I&#39;ll ring you." in again.text
    # and the response's own reply page works although it was never returned
    own = await other_client.get(f"/officer/replies/responses/{response_id}")
    assert own.status_code == 200 and "not finished" in Page.of(own.text).text
    async with db.reader() as session:
        reply = await session.scalar(select(ReplyRow))
        audited = (await session.scalars(
            select(AuditLogRow.subject).where(AuditLogRow.action == "reply to young person")
        )).all()
    assert reply is not None and reply.response_id == response_id and reply.channel == "web"
    assert reply.delivered_at is not None and audited == [f"alert {alert_id}"]


async def test_nothing_is_written_back_to_a_young_person_erased_since(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str], keys: Keys,
    db: Database, clock: FixedClock,
) -> None:
    await _pressed_help_and_left(client, codes[0])
    alert_id = await _only(db, SafeguardingAlertRow)
    await sign_in(other_client, keys.officer)
    form = Page.of((await other_client.get(f"/officer/alerts/{alert_id}")).text).form_to(
        f"/officer/alerts/{alert_id}/reply"
    )
    async with db.transaction() as session:
        await alerts.acknowledge(session, clock.now(), alert_id, actor="o", note="rang them")
        ref = await session.scalar(
            select(PersonRow.council_ref)
            .join(SafeguardingAlertRow, SafeguardingAlertRow.person_id == PersonRow.id)
            .where(SafeguardingAlertRow.id == alert_id)
        )  # the young person the alert is about
        assert ref is not None
        await erase_person(session, clock, ref, actor="admin")
    sent = await other_client.post(form.action, data=form.data(text="I'm Sam. I'll ring you."))
    # the alert no longer names anyone to write to: refused plainly, nothing kept or sent
    assert sent.status_code == 404 and "Traceback" not in sent.text
    async with db.reader() as session:
        assert await session.scalar(select(ReplyRow)) is None


async def test_another_teams_officer_cannot_reply_to_an_alert(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str],
    db: Database, clock: FixedClock,
) -> None:
    await _pressed_help_and_left(client, codes[0])
    alert_id = await _only(db, SafeguardingAlertRow)
    async with db.transaction() as session:
        await session.execute(update(PersonRow).values(team="North"))
    await sign_in(other_client, await team_key(db, clock, "West"))
    data = {"csrf": "x", "text": "hello"}
    assert (await other_client.get(f"/officer/alerts/{alert_id}")).status_code == 404
    refused = await other_client.post(f"/officer/alerts/{alert_id}/reply", data=data)
    assert refused.status_code in (403, 404)
    async with db.reader() as session:
        assert await session.scalar(select(ReplyRow.id)) is None


async def test_the_alert_page_says_the_help_button_raised_it_and_no_duty_date_without_a_team(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str], keys: Keys,
    db: Database,
) -> None:
    await _pressed_help_and_left(client, codes[0])
    await sign_in(other_client, keys.officer)
    text = Page.of((await other_client.get(
        f"/officer/alerts/{await _only(db, SafeguardingAlertRow)}")).text).text
    assert "the “I need help now” button" in text
    assert "the safeguarding net, as they wrote" not in text
    assert "goes to the duty team on" not in text and "No duty team is set up" in text


async def test_the_end_of_the_web_chat_says_a_reply_would_show_on_their_link(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str],
) -> None:
    chat = Chat(client, codes[0])
    await chat.to_the_words()
    await chat.write("I want to chair it")
    await chat.write("nothing else")
    assert "All done" in chat.text
    assert ("If someone writes back to you, you'll see it here when you open your link again "
            "on this phone or computer.") in chat.text
    elsewhere = Page.of((await other_client.get(f"/c/{codes[0]}")).text).text
    # another browser is not told it will see replies: it is sent back to where they answered
    assert "already been used" in elsewhere and "you'll see it here" not in elsewhere
    assert "it shows where you answered: on that phone or computer" in elsewhere


def test_the_closing_words_about_replies_are_in_welsh_and_arabic() -> None:
    for words in (WEB_CLOSING, bot_texts.REPLIES_COME_HERE):
        for language in ("cy", "ar"):
            said = gettext_for(language)(words)
            assert said and said != words, (language, words)
