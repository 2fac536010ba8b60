"""The alert page an officer acts on (`/officer/alerts/<id>`): the young person's words,
escaped; the question; UK time; what they were told; history; notes and acknowledging."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
from sqlalchemy import select, update

from storage.alerts import AlertRecipient
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.tables import AuditLogRow, OutboxRow, PersonRow, SafeguardingAlertRow
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput, describe_answer
from surveys.loader import load_builtin_surveys
from tests.factories import campaign_with_codes
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page

WORDS = "i want to kill myself <script>alert(1)</script>"


async def disclosed(conversations: ConversationService, code: str) -> None:
    await conversations.redeem(code, channel="web", address="sid-1")
    await conversations.handle(UserInput(text=WORDS), channel="web", address="sid-1",
                               message_key="k1")
    await conversations.handle(UserInput(command=Command.HELP_NOW), channel="web",
                               address="sid-1", message_key="k2")


async def test_the_alert_page_has_what_an_officer_needs_to_act(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database,
    conversations: ConversationService,
) -> None:
    await disclosed(conversations, codes[0])
    away = await client.get("/officer/alerts/1")  # the Telegram link, before signing in
    assert away.status_code in (302, 303, 307) and "next=" in away.headers["location"]
    await sign_in(client, keys.officer)
    response = await client.get("/officer/alerts/1")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text  # escaped
    page = Page.of(response.text)
    text = page.text
    assert "i want to kill myself" in text and "How are things?" in text
    assert "Mon 5 Jan 2026, 10:00 GMT" in text and "13-15" in text and "Web chat" in text
    assert "0800 1111" in text and "carry on" in text  # what they were told
    assert "asked for help 1 more time" in text
    # no duty team is set up here: the page says only that, not when it would go to one
    assert "goes to the duty team on" not in text and "No duty team is set up" in text
    assert "Alert raised" in text and "Asked for help again" in text

    form = page.form_to("/officer/alerts/1/actions")
    empty = await client.post(form.action, data=form.data(form.button("Acknowledge"), note=" "))
    assert "problem=note" in empty.headers["location"]
    noted = await client.post(form.action,
                              data=form.data(form.button("Add a note only"), note="Rang carer"))
    assert "done=note" in noted.headers["location"]
    done = await client.post(form.action,
                             data=form.data(form.button("Acknowledge"), note="Strategy call"))
    after = Page.of((await client.get(done.headers["location"])).text).text
    assert "Alert acknowledged" in after and "Rang carer" in after and "Strategy call" in after
    whole = await client.get("/officer/alerts/1/response")
    assert whole.status_code == 200 and "the whole response" in Page.of(whole.text).text


async def test_an_officer_can_send_an_alert_to_the_duty_team_now(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database,
    conversations: ConversationService,
) -> None:
    await disclosed(conversations, codes[0])
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/alerts/1")).text)
    assert "No duty team is set up in carevoice" in page.text
    form = page.form_to("/officer/alerts/1/actions")
    refused = await client.post(form.action, data={**form.data(), "action": "duty", "note": "x"})
    assert "problem=duty" in refused.headers["location"]

    duty = (AlertRecipient("telegram", "900"),)
    conversations.alert_policy = replace(conversations.policy, duty=duty)
    page = Page.of((await client.get("/officer/alerts/1")).text)
    assert "to the 1 person on the duty team" in page.text
    form = page.form_to("/officer/alerts/1/actions")
    sent = await client.post(form.action, data=form.data(
        form.button("Send to the duty team now"), note="Out of hours: police called, tell duty"))
    assert "done=duty" in sent.headers["location"]
    after = Page.of((await client.get(sent.headers["location"])).text).text
    assert "Sent to the duty team" in after and "Escalated to the duty team by" in after
    assert "police called, tell duty" in after and "Act on it" in after  # still waiting
    async with db.reader() as session:
        queued = (await session.scalars(
            select(OutboxRow).where(OutboxRow.kind == "alert", OutboxRow.address == "900")
        )).all()
        actions = (await session.scalars(select(AuditLogRow.action))).all()
    assert len(queued) == 1 and queued[0].payload["escalated"] is True
    assert "send alert to duty team" in actions


async def test_board_keys_cannot_read_an_alert(
    client: httpx.AsyncClient, keys: Keys, codes: list[str],
    conversations: ConversationService,
) -> None:
    await disclosed(conversations, codes[0])
    await sign_in(client, keys.board)
    for path in ("/officer/alerts/1", "/officer/alerts/1/response"):
        refused = await client.get(path)
        assert refused.status_code == 403 and "kill" not in refused.text
    assert (await client.post("/officer/alerts/1/actions", data={})).status_code == 403


async def test_an_answer_that_is_a_disclosure_raises_a_durable_alert_the_page_explains(
    client: httpx.AsyncClient, keys: Keys, db: Database, catalog: SurveyCatalog,
    clock: FixedClock, conversations: ConversationService,
) -> None:
    easy = next(s for s in load_builtin_surveys() if s.key == "review-prep-easy")
    _, (code,) = await campaign_with_codes(db, catalog, clock, survey=easy)
    await conversations.redeem(code, channel="web", address="sid-9")
    turn = None
    for n, question in enumerate(q for q in easy.questions if q.answerable):
        value = "no" if question.id == "safe_home" else None
        user_input = (UserInput(option=value, question_id=question.id) if value
                      else UserInput(command=Command.SKIP))
        turn = await conversations.handle(user_input, channel="web", address="sid-9",
                                          message_key=f"e{n}")
        if question.id == "safe_home":
            break
    assert turn is not None and turn.alert_ids  # stored before anything is said
    async with db.reader() as session:
        alert = await session.get(SafeguardingAlertRow, turn.alert_ids[0])
        assert alert is not None
        assert (alert.category, alert.phrase_id, alert.question_id) == (
            "unsafe", "answer", "safe_home")
    await sign_in(client, keys.officer)
    html = (await client.get(f"/officer/alerts/{turn.alert_ids[0]}")).text
    assert 'class="officer-nav' in html  # the officer tabs, as on every officer page
    text = Page.of(html).text
    assert "treats as a disclosure" in text and "Do you feel safe where you live?" in text
    assert "words are not held" not in text
    # the answer itself is on the page, under "What ... answered" (officer-tester)
    said = describe_answer(easy.question("safe_home"), "no")
    assert "answered" in text and f'<blockquote class="said"><p>{said}</p></blockquote>' in html
    assert "Found by their answer" in text


async def test_an_escalated_alert_with_no_duty_team_says_nobody_was_told(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database,
    conversations: ConversationService,
) -> None:
    """Past its time with no duty team set up, nothing went anywhere: the page must not
    say it "went to the duty team" (found by the officer-tester)."""
    await disclosed(conversations, codes[0])
    async with db.transaction() as session:
        await session.execute(update(SafeguardingAlertRow).values(
            escalated_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC)))  # fmt: skip
    await sign_in(client, keys.officer)
    text = Page.of((await client.get("/officer/alerts/1")).text).text
    assert "went to the duty team" not in text
    assert "nobody outside this page has been told" in text and "ring the duty team now" in text
    overview = Page.of((await client.get("/officer")).text).text
    assert "Overdue, waiting" in overview  # the list says so too, not just "Waiting"
    assert "Escalated" not in text and "Overdue, waiting" in text  # no duty team: overdue
    missing = await client.get("/officer/alerts/999/response")
    assert missing.status_code == 404 and "no such alert" in missing.text


async def test_a_young_persons_page_lists_their_alerts(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database,
    conversations: ConversationService,
) -> None:
    """An officer preparing a call opens the young person's page: an open safeguarding
    concern must be there (found by the officer-tester: it was not)."""
    await disclosed(conversations, codes[0])
    async with db.reader() as session:
        person_id = await session.scalar(select(SafeguardingAlertRow.person_id))
        ref = await session.scalar(select(PersonRow.council_ref).where(PersonRow.id == person_id))
    await sign_in(client, keys.officer)
    page = await client.get(f"/officer/young-people/{ref}")
    assert 'href="/officer/alerts/1"' in page.text
    assert "Safeguarding alerts" in Page.of(page.text).text and "waiting" in page.text
