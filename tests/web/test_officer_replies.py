"""The loop back to young people on the web: a worker replies to a response and the child
sees it when they next open their link; "you said, we did" at the end of the next survey;
a young person's own link for messages at any time, through the safeguarding net."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from storage.database import Database
from storage.tables import (
    AuditLogRow,
    ContactMessageRow,
    ReplyRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page
from tests.web.test_chat import Chat, answer_to_the_end, answer_to_the_last_question


async def _officer_form(
    officer: httpx.AsyncClient, action: str, *, on: str = "/officer/replies", **data: str
) -> httpx.Response:
    page = Page.of((await officer.get(on)).text)
    form = page.form_to(action)
    return await officer.post(action, data=form.data(**data))


async def test_worker_replies_and_the_child_sees_it_on_their_link(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    codes: list[str],
    keys: Keys,
    db: Database,
) -> None:
    chat = Chat(client, codes[0])
    await answer_to_the_end(chat, "nothing else")
    async with db.reader() as session:
        response_id = await session.scalar(select(ResponseRow.id))
    officer = other_client
    await sign_in(officer, keys.officer)
    home = await officer.get("/officer")
    assert 'href="/officer/replies"' in home.text
    page = await officer.get("/officer/replies")
    assert page.status_code == 200 and f'id="response-{response_id}"' in page.text
    assert 'class="officer-nav' in page.text  # the officer tabs, as on every officer page

    assert f'href="/officer/replies/responses/{response_id}"' in page.text
    sent = await _officer_form(
        officer,
        f"/officer/replies/responses/{response_id}/reply",
        on=f"/officer/replies/responses/{response_id}",
        text="Thank you. I'll ask for your meeting to be at school.",
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"/officer/replies/responses/{response_id}?done")
    listed = await officer.get(sent.headers["location"])
    assert "Reply saved" in listed.text
    # what they said is one click away, and the web chat can carry the reply: no warning
    assert f'href="/officer/responses/{response_id}"' in listed.text
    assert "cannot send a reply that way" not in listed.text
    assert "waiting: shown when they next open their link" in listed.text

    again = await chat.open()  # the child opens their link again
    assert "A reply from your worker" in again.text
    assert "I&#39;ll ask for your meeting to be at school." in again.text
    assert again.text.count("A reply from your worker") == 1
    kept = (await chat.open()).text  # a reload: it stays in view, above the chat, once
    assert kept.count("A reply from your worker") == 1 and 'id="worker-replies"' in kept
    assert "I&#39;ll ask for your meeting to be at school." in kept
    async with db.reader() as session:
        reply = await session.scalar(select(ReplyRow))
        audited = (await session.scalars(select(AuditLogRow.action))).all()
    assert reply is not None and reply.delivered_at is not None and reply.channel == "web"
    assert "reply to young person" in audited
    assert "shown on the web chat" in (await officer.get("/officer/replies")).text
    missing = await officer.get("/officer/replies/responses/999999")
    assert missing.status_code == 404


async def test_a_reply_carevoice_cannot_send_does_not_say_it_was_sent(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str],
    keys: Keys, db: Database,
) -> None:
    await answer_to_the_end(Chat(client, codes[0]), "nothing else")
    async with db.transaction() as session:
        response = await session.scalar(select(ResponseRow))
        assert response is not None
        response.channel, response_id = "paper", response.id  # as a paper return is stored
    await sign_in(other_client, keys.officer)
    reply_page = await other_client.get(f"/officer/replies/responses/{response_id}")
    assert 'class="officer-nav' in reply_page.text
    before = Page.of(reply_page.text)
    assert "They answered by paper: carevoice cannot send a reply that way" in before.text
    sent = await _officer_form(
        other_client, f"/officer/replies/responses/{response_id}/reply",
        on=f"/officer/replies/responses/{response_id}", text="Thank you for your form.",
    )
    shown = Page.of((await other_client.get(sent.headers["location"])).text).text
    assert "carevoice cannot send it" in shown and "It goes to the young person" not in shown


async def test_you_said_we_did_at_the_end_of_the_next_survey(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    codes: list[str],
    keys: Keys,
) -> None:
    await sign_in(other_client, keys.officer)
    done = await _officer_form(
        other_client,
        "/officer/statements",
        you_said="Meetings at school are embarrassing",
        we_did="Reviews now happen after school, where you choose",
        cohort="in_care",
        you_said_cy="Mae cyfarfodydd yn yr ysgol yn codi cywilydd",
        we_did_cy="Mae adolygiadau nawr ar ôl ysgol, lle rwyt ti'n dewis",
    )
    assert "done=published" in done.headers["location"]
    chat = Chat(client, codes[0])
    await answer_to_the_end(chat, "nothing else")
    assert "You said: Meetings at school are embarrassing" in chat.text
    assert "We did: Reviews now happen after school" in chat.text
    assert "cywilydd" not in chat.text
    board = await other_client.get("/board?period=2025-26")
    assert "Reviews now happen after school" in board.text
    listed = Page.of((await other_client.get("/officer/replies")).text).text
    assert "Cymraeg: Mae cyfarfodydd yn yr ysgol yn codi cywilydd" in listed

    browser = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with browser:  # another young person, who reads Welsh, finishes
        welsh = Chat(browser, codes[1])
        await answer_to_the_last_question(welsh)
        assert welsh.page is not None
        language = welsh.page.form("language-form")
        await welsh.post(language.data(language.button("Change language"), language="cy"))
        assert welsh.page is not None
        answer = welsh.page.form("answer")
        await welsh.post(answer.data(answer.button("Anfon"), text="Dim byd"))
        await welsh.press("Gall fy IRO a fy ngweithiwr ddarllen hwn")  # who may read it
    assert "Mae adolygiadau nawr ar ôl ysgol, lle rwyt ti'n dewis" in welsh.text
    assert "Reviews now happen after school" not in welsh.text


async def test_a_young_persons_own_link_sends_messages_through_the_net(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    codes: list[str],
    keys: Keys,
    db: Database,
) -> None:
    await sign_in(other_client, keys.officer)
    # made from the young person's own page: the form carries their reference
    made = await _officer_form(other_client, "/officer/contact-links",
                               on="/officer/young-people/P00000-small")  # fmt: skip
    assert made.status_code == 200
    link = re.search(r'href="https?://[^"/]+(/talk/[A-Za-z0-9_-]+)"', made.text)
    assert link is not None
    path = link.group(1)
    # a second link for them is asked about first: making it stops the one they have
    again = await _officer_form(other_client, "/officer/contact-links",
                                on="/officer/young-people/P00000-small")  # fmt: skip
    asked = Page.of(again.text)
    assert "P00000-small already has a link" in asked.text and "/talk/" not in again.text
    assert (await client.get(path)).status_code == 200  # still theirs

    first = await client.get(path)
    assert "This is your own link" in first.text
    bind = Page.of(first.text).form_to(path)
    await client.post(path, data=bind.data(bind.button("This is my link")))
    page = Page.of((await client.get(path)).text)
    form = page.form("send")
    sent = await client.post(
        path, data=form.data(form.button("Send"), kind="wrong", text="he hits me when I'm late")
    )
    assert sent.status_code == 303 and "sent=2" in sent.headers["location"]
    after = await client.get(sent.headers["location"].split("#")[0])
    assert "Help is here" in after.text and "0800 1111" in after.text
    assert "he hits me" in after.text  # their own conversation, in their browser
    async with db.reader() as session:
        message = await session.scalar(select(ContactMessageRow))
        alert = await session.scalar(select(SafeguardingAlertRow))
    assert message is not None and message.kind == "wrong" and message.alerted
    assert alert is not None and alert.source == "message" and alert.words == message.text

    listed = await other_client.get("/officer/replies")
    assert "he hits me when I&#39;m late" in listed.text and "Alert raised" in listed.text
    await _officer_form(
        other_client,
        f"/officer/replies/messages/{message.id}/reply",
        text="I'm calling you today.",
    )
    assert "I&#39;m calling you today." in (await client.get(path)).text
    person = (await other_client.get("/officer/young-people/P00000-small")).text
    assert "Messages and replies" in person  # both sides, on the young person's own page
    assert "he hits me when I&#39;m late" in person and "I&#39;m calling you today." in person

    stranger = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with stranger:
        seen = await stranger.get(path)
    assert "he hits me" not in seen.text and "calling you today" not in seen.text
    assert "first opened this link" in seen.text
    assert (await client.get("/talk/not-a-real-link")).status_code == 404


async def test_statements_sit_beside_the_figures_of_their_theme(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    codes: list[str],
    keys: Keys,
) -> None:
    chat = Chat(client, codes[0])
    await chat.to_the_words()
    await chat.write("I want to say how it goes")
    await chat.write("nothing")
    await sign_in(other_client, keys.officer)
    await _officer_form(
        other_client,
        "/officer/statements",
        you_said="You want to chair your meeting",
        we_did="IROs now offer it at every review",
        survey="small",
        theme="review",
    )
    board = Page.of((await other_client.get("/board?period=2025-26")).text)
    feel = board.html.split('id="feel-h"', 1)[1].split('id="themes-h"', 1)[0]
    assert "You said, we did, on these themes" in feel
    assert "IROs now offer it at every review" in feel


async def test_a_reply_written_by_mistake_is_withdrawn_before_the_child_sees_it(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    codes: list[str],
    keys: Keys,
    db: Database,
) -> None:
    chat = Chat(client, codes[0])
    await answer_to_the_end(chat, "nothing else")
    async with db.reader() as session:
        response_id = await session.scalar(select(ResponseRow.id))
    officer = other_client
    await sign_in(officer, keys.officer)
    on = f"/officer/replies/responses/{response_id}"
    await _officer_form(officer, f"{on}/reply", on=on, text="This was meant for Jo, not you")
    async with db.reader() as session:
        reply_id = await session.scalar(select(ReplyRow.id))
    page = Page.of((await officer.get(on)).text)
    form = page.form_to(f"/officer/replies/{reply_id}/withdraw")
    assert (await officer.post(form.action, data={})).status_code == 403  # no CSRF token
    done = await officer.post(form.action, data=form.data(), follow_redirects=True)
    assert "Reply withdrawn: the young person will not see it." in done.text
    assert "withdrawn: they never saw it" in done.text
    assert f"/officer/replies/{reply_id}/withdraw" not in done.text  # nothing left to withdraw
    again = await officer.post(form.action, data=form.data(), follow_redirects=True)
    assert "cannot be withdrawn" in again.text
    opened = await chat.open()  # the child opens their link again: nothing from their worker
    assert "A reply from your worker" not in opened.text and "meant for Jo" not in opened.text
    async with db.reader() as session:
        reply = await session.get_one(ReplyRow, reply_id)
    assert reply.delivered_at is None and reply.undelivered == "withdrawn by staff"


async def test_a_refused_statement_keeps_what_was_typed_and_says_why_beside_the_field(
    client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    await sign_in(client, keys.officer)
    refused = await _officer_form(
        client, "/officer/statements", you_said="You wanted later meetings",
        we_did="Reviews now start after school", theme="review", you_said_cy="Roeddech chi",
    )
    assert refused.status_code == 422
    page = Page.of(refused.text)
    assert "Write both parts of the statement" not in page.text
    assert page.html.count("A theme belongs to a survey: choose the survey too.") == 2
    form = page.form_to("/officer/statements")
    assert form.textareas["you_said"] == "You wanted later meetings"
    assert form.textareas["we_did"] == "Reviews now start after school"
    assert form.textareas["you_said_cy"] == "Roeddech chi" and form.fields["theme"] == "review"
    assert 'id="theme" name="theme" maxlength="32" class="field" value="review" aria-invalid' \
        in page.html


async def test_the_statement_survey_menu_names_surveys_by_their_titles(
    client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/replies")).text)
    menu = page.html.split('<select id="survey"', 1)[1].split("</select>", 1)[0]
    assert '<option value="review-prep-child">Getting ready for my review (child)</option>' in menu
    assert ">review-prep-child<" not in menu
