"""The web chat with JavaScript off: plain forms, post-redirect-get, one cookie."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from carevoice.wiring import Services
from storage.alerts import acknowledge
from storage.campaigns import reprint_invitation
from storage.catalog import SurveyCatalog
from storage.conversations import _without
from storage.database import Database
from storage.erasure import erase_person
from storage.invitation_codes import code_hash, session_hash
from storage.tables import (
    AnswerRow,
    ChannelLinkRow,
    InboundMessageRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from surveys.i18n import format_day
from surveys.model import Audience
from surveys.people import Cohort
from surveys.reach_texts import VISIBILITY_ASK, VISIBILITY_SHARED, VISIBILITY_SHARED_LEAVER
from tests.factories import campaign_with_codes, small_survey
from tests.web.pages import Page

SCRIPT = "<script>alert('x')</script> I want to chair"
IMG = '"><img src=x onerror=alert(1)> for my IRO'


def words(response: httpx.Response) -> str:
    """The text of a page, as read."""
    return Page.of(response.text).text


class Chat:
    """A young person in the web chat, pressing buttons without JavaScript."""

    def __init__(self, http: httpx.AsyncClient, code: str) -> None:
        self.http = http
        self.code = code
        self.page: Page | None = None
        self.location = ""

    async def open(self) -> httpx.Response:
        response = await self.http.get(f"/c/{self.code}")
        self.page = Page.of(response.text)
        return response

    async def post(self, data: dict[str, str | list[str]]) -> httpx.Response:
        response = await self.http.post(f"/c/{self.code}", data=data)
        assert response.status_code == 303, response.text
        assert response.headers["location"] in (f"/c/{self.code}", f"/c/{self.code}#help")
        self.location = response.headers["location"]
        return await self.open()

    async def start(self) -> httpx.Response:
        await self.open()
        assert self.page is not None
        form = self.page.form("start")
        return await self.post(form.data(form.button("let's start")))

    async def press(self, text: str, **extra: str | list[str]) -> httpx.Response:
        assert self.page is not None
        form = self.page.form("answer")
        return await self.post(form.data(form.button(text), **extra))

    async def tick(self, *labels: str) -> httpx.Response:
        assert self.page is not None
        form = self.page.form("answer")
        form.checkboxes = [(n, v, label in labels, label) for n, v, _, label in form.checkboxes]
        return await self.post(form.data(form.button("Done")))

    async def write(self, text: str, choose: str | None = VISIBILITY_SHARED) -> httpx.Response:
        """Type words and send them; then, when asked who may read them, press `choose`
        (None: leave the question showing). Returns the page just after sending."""
        assert self.page is not None
        form = self.page.form("answer")
        sent = await self.post(form.data(form.button("Send"), text=text))
        if choose is not None and VISIBILITY_ASK.split("\n")[0] in self.text:
            if choose == VISIBILITY_SHARED and VISIBILITY_SHARED_LEAVER in self.text:
                choose = VISIBILITY_SHARED_LEAVER  # a care leaver's survey names their PA
            await self.press(choose)
        return sent

    async def help_now(self) -> httpx.Response:
        """Press "I need help now" (a form of its own on every page of the chat)."""
        assert self.page is not None
        form = self.page.form("help-form")
        return await self.post(form.data(form.button("I need help now")))

    async def to_the_words(self) -> None:
        """Start the small survey and answer up to its question for words, saying yes to
        telling more (`write` answers it)."""
        await self.start()
        await self.press("Good")
        await self.press("At school")
        await self.tick("My carer")
        await self.press("Yes")

    @property
    def text(self) -> str:
        assert self.page is not None
        return self.page.text


async def test_a_young_person_completes_the_survey_with_plain_forms(
    client: httpx.AsyncClient, codes: list[str], db: Database
) -> None:
    chat = Chat(client, codes[0])
    first = await chat.open()
    assert first.status_code == 200
    assert "Before we start" in chat.text and "cookie" in chat.text
    assert not chat.page or not chat.page.has_form("answer")

    await chat.start()
    assert "Hi! A few questions." in chat.text and "How are things?" in chat.text
    assert "Question 1 of about 6" in chat.text
    await chat.press("Good")
    assert "🙂 Good" in chat.text and "Where should the meeting be?" in chat.text
    await chat.press("At school")
    assert "Who should come?" in chat.text
    await chat.tick("My carer", "My teacher")
    assert "My carer, My teacher" in chat.text
    await chat.press("Yes")
    assert "Why would you like to chair it?" in chat.text
    assert 'data-limit="200"' in chat.page.html if chat.page else False
    [box] = re.findall(r'<textarea id="text"[^>]*>', chat.page.html)
    assert "maxlength" not in box  # a browser would cut a long paste without a word
    await chat.write(SCRIPT)
    assert "Anything just for your IRO?" in chat.text
    await chat.write(IMG)
    assert "Thank you!" in chat.text and "All done" in chat.text
    assert not chat.page or not chat.page.has_form("answer")

    async with db.reader() as session:
        response = await session.scalar(select(ResponseRow))
        assert response is not None and response.status == "returned"
        assert response.channel == "web"
        texts = set((await session.scalars(select(AnswerRow.text))).all())
        link = await session.scalar(select(ChannelLinkRow))
        person = await session.get(PersonRow, response.person_id)
    assert {SCRIPT, IMG} <= texts
    assert link is not None and link.channel == "web"
    sid = client.cookies.get("cv_chat")
    assert sid and link.address == session_hash(sid) != sid  # the database keeps a hash
    assert person is not None and person.consented_at is not None  # "Yes, let's start"


async def test_what_a_young_person_wrote_is_escaped(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    for button in ("Good", "At school"):
        await chat.press(button)
    await chat.tick("My mum")
    await chat.press("Yes")
    shown = await chat.write(SCRIPT)
    assert "<script>alert" not in shown.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in shown.text
    shown = await chat.write(IMG)
    assert "<img src=x" not in shown.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in shown.text


async def test_the_chat_cookie_is_httponly_lax_secure_and_long_lived(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    response = await client.get(f"/c/{codes[0]}")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cv_chat=")
    for flag in ("HttpOnly", "SameSite=lax", "Secure", "Path=/c/", "Max-Age=15552000"):
        assert flag in cookie, cookie


async def test_over_plain_http_the_cookie_is_not_secure(app: object, codes: list[str]) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        cookie = (await http.get(f"/c/{codes[0]}")).headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie


async def test_closing_the_tab_and_coming_back_carries_on(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    await chat.press("Good")
    again = Chat(client, codes[0])  # same cookie, a fresh page
    await again.open()
    assert "Welcome back" in again.text and "Where should the meeting be?" in again.text
    await again.press("Where I live")
    assert "Who should come?" in again.text


async def test_a_session_id_the_browser_brought_is_not_the_one_a_chat_starts_on(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str]
) -> None:
    """Someone who planted a chat cookie of their own choosing in a young person's browser
    (a shared tablet) cannot read along with it once the chat starts."""
    planted = "A" * 43
    client.cookies.set("cv_chat", planted, domain="test", path="/c/")
    notice = Page.of((await client.get(f"/c/{codes[0]}")).text).form("start")
    started = await client.post(f"/c/{codes[0]}", data=notice.data(notice.button("let's start")))
    assert started.status_code == 303
    given = started.headers["set-cookie"]
    assert given.startswith("cv_chat=") and planted not in given
    chat = await client.get(f"/c/{codes[0]}")
    assert "How do you feel" in words(chat) or "Good" in words(chat)
    other_client.cookies.set("cv_chat", planted, domain="test", path="/c/")
    watcher = await other_client.get(f"/c/{codes[0]}")
    seen = words(watcher)  # asked to prove who they are, or told the link is in use
    assert "Carry on where you were" in seen or "This link can't be used" in seen
    assert "Welcome back" not in seen and "Where should the meeting be?" not in seen


async def test_starting_again_from_the_notice_in_the_same_browser_carries_on(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    """The notice's token was for the session id the chat replaced when it started: the
    Back button (or a second click) and "OK, let's start" again go to the chat, not to
    "Please try that again"."""
    notice = Page.of((await client.get(f"/c/{codes[0]}")).text).form("start")
    data = notice.data(notice.button("let's start"))
    assert (await client.post(f"/c/{codes[0]}", data=data)).status_code == 303
    again = await client.post(f"/c/{codes[0]}", data=data)
    assert again.status_code == 303 and again.headers["location"] == f"/c/{codes[0]}"
    page = words(await client.get(f"/c/{codes[0]}"))
    assert "Carry on where you were" not in page and "Please try that again" not in page
    forged = await client.post(f"/c/{codes[1]}", data=data)  # another code: still refused
    assert forged.status_code == 403


async def test_a_double_submit_is_recorded_once(
    client: httpx.AsyncClient, codes: list[str], db: Database
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    assert chat.page is not None
    form = chat.page.form("answer")
    data = form.data(form.button("Good"))
    first = await client.post(f"/c/{codes[0]}", data=data)
    second = await client.post(f"/c/{codes[0]}", data=data)
    assert first.status_code == second.status_code == 303
    page = Page.of((await client.get(f"/c/{codes[0]}")).text)
    assert "Where should the meeting be?" in page.text
    async with db.reader() as session:
        answers = await session.scalar(select(func.count()).select_from(AnswerRow))
        keys = await session.scalar(
            select(func.count()).select_from(InboundMessageRow).where(
                InboundMessageRow.channel == "web"
            )
        )
    assert answers == 1 and keys == 1


async def test_back_skip_and_stop(client: httpx.AsyncClient, codes: list[str]) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    await chat.press("Skip")
    assert "Skipped" in chat.text and "Where should the meeting be?" in chat.text
    await chat.press("Back")
    assert "How are things?" in chat.text
    await chat.press("Really good")
    await chat.press("Stop for now")
    assert "we'll stop here" in chat.text and "Carry on" in chat.text
    await chat.press("Carry on")
    assert "Where should the meeting be?" in chat.text


async def test_unticking_everything_after_going_back_clears_the_answer(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    await chat.press("Good")
    await chat.press("At school")
    await chat.tick("My carer")
    await chat.press("Back")
    assert chat.page is not None
    assert next(c for c in chat.page.form("answer").checkboxes if c[2])[3] == "My carer"
    await chat.tick()
    assert "Skipped" in chat.text and "Would you like to chair" in chat.text


async def test_i_need_help_now_shows_help_and_raises_an_alert(
    client: httpx.AsyncClient, codes: list[str], db: Database
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    await chat.help_now()
    assert chat.page is not None
    assert "Help is here" in chat.text and "Childline" in chat.text
    assert 'href="tel:08001111"' in chat.page.html
    assert chat.location.endswith("#help") and 'id="help"' in chat.page.html  # in view
    assert "How are things?" not in chat.text  # not straight on to the question:
    assert "carry on with the questions, or stop for now" in chat.text
    await chat.help_now()  # pressed again
    stop = chat.page.form("answer")
    await chat.post(stop.data(stop.button("Carry on")))
    assert "How are things?" in chat.text  # carried on
    async with db.reader() as session:
        [alert] = (await session.scalars(select(SafeguardingAlertRow))).all()
    assert alert.category == "help_now" and alert.channel == "web"  # the second press joined


async def test_after_asking_for_help_a_child_can_write_what_is_happening(
    client: httpx.AsyncClient, codes: list[str], db: Database
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    await chat.help_now()
    assert chat.page is not None
    assert "write what is happening. A person will read it" in chat.text
    more = chat.page.form("say-more")
    await chat.post(more.data(text="my carer locked me out and its dark"))
    assert "carry on with the questions, or stop for now" in chat.text  # asked again
    async with db.reader() as session:
        alerts = (await session.scalars(select(SafeguardingAlertRow))).all()
    assert any(a.words and "locked me out" in a.words for a in alerts)  # kept for a person


async def test_a_care_leavers_help_card_gives_helplines_an_adult_can_call(
    client: httpx.AsyncClient, db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    from surveys.loader import load_builtin_surveys

    pathway = next(s for s in load_builtin_surveys() if s.key == "pathway-plan-review")
    _, (code,) = await campaign_with_codes(db, catalog, clock, survey=pathway)
    chat = Chat(client, code)
    await chat.start()
    await chat.help_now()
    assert chat.page is not None
    assert "Samaritans will listen" in chat.text and "116 123" in chat.text
    assert 'href="tel:116123"' in chat.page.html and "Call Samaritans 116 123" in chat.text
    assert "Call Childline 0800 1111" not in chat.text


async def test_a_19_year_old_on_a_survey_for_all_ages_gets_helplines_an_adult_can_call(
    client: httpx.AsyncClient, db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    from surveys.loader import load_builtin_surveys

    wellbeing = next(s for s in load_builtin_surveys() if s.key == "wellbeing-16plus")
    _, (code,) = await campaign_with_codes(
        db, catalog, clock, survey=wellbeing, age_band="18-21", cohort=Cohort.CARE_LEAVER
    )
    chat = Chat(client, code)
    await chat.start()
    await chat.help_now()
    assert "Samaritans will listen" in chat.text and "Call Samaritans 116 123" in chat.text


async def test_a_text_that_is_not_taken_is_kept_in_the_box(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    for button in ("Good", "At school"):
        await chat.press(button)
    await chat.tick("My mum")
    await chat.press("Yes")
    await chat.write("😀😀")
    assert "Could you tell me in words as well?" in chat.text
    assert chat.page is not None and chat.page.form("answer").textareas["text"] == "😀😀"


async def test_kind_pages_for_codes_that_cannot_be_used(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str],
    db: Database, clock: FixedClock,
) -> None:
    unknown = await client.get("/c/not-a-real-code")
    assert unknown.status_code == 404 and "don't recognise that code" in words(unknown)
    assert unknown.headers["content-type"].startswith("text/html")

    chat = Chat(client, codes[0])
    await chat.start()
    used = await other_client.get(f"/c/{codes[0]}")  # another device, no cookie, no check
    assert used.status_code == 410 and "started this chat on another phone" in words(used)
    assert "someone may" not in words(used)

    async with db.transaction() as session:
        row = await session.scalar(
            select(InvitationRow).where(InvitationRow.code_hash == code_hash(codes[1]))
        )
        assert row is not None
        row.revoked_at = clock.now()
    revoked = await client.get(f"/c/{codes[1]}")
    assert revoked.status_code == 410 and "doesn't work any more" in words(revoked)

    clock.advance(days=30)
    expired = await other_client.get(f"/c/{codes[2]}")
    assert expired.status_code == 410 and "run out" in words(expired)
    for page in (unknown, used, revoked, expired):
        assert "Traceback" not in page.text and "Childline" in words(page)


async def test_an_old_letters_link_says_a_newer_letter_replaced_it(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str],
    db: Database, clock: FixedClock,
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    await chat.press("Good")
    async with db.transaction() as session:
        row = await session.scalar(
            select(InvitationRow).where(InvitationRow.code_hash == code_hash(codes[0]))
        )
        assert row is not None
        new = await reprint_invitation(session, row.id, clock)
    for browser in (other_client, client):  # a new phone, and theirs with the old link
        old = await browser.get(f"/c/{codes[0]}")
        assert old.status_code == 410 and "replaced by a newer letter" in words(old)
        assert "Anything you answered is kept" in words(old)
    fresh = Chat(other_client, new.code)
    await fresh.open()
    assert fresh.page is not None


async def test_a_code_that_expires_between_notice_and_start_is_explained(
    client: httpx.AsyncClient, codes: list[str], clock: FixedClock
) -> None:
    chat = Chat(client, codes[0])
    await chat.open()
    clock.advance(days=30)
    assert chat.page is not None
    form = chat.page.form("start")
    response = await client.post(f"/c/{codes[0]}", data=form.data(form.button("start")))
    assert response.status_code == 410 and "run out" in words(response)


async def test_answers_without_a_session_go_back_to_the_notice(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    chat = Chat(client, codes[0])
    await chat.open()  # cookie set, but the code is not redeemed yet
    assert chat.page is not None
    form = chat.page.form("start")
    response = await client.post(
        f"/c/{codes[0]}", data={"csrf": form.fields["csrf"], "key": "k1", "option": "4"}
    )
    assert response.status_code == 303
    assert "Before we start" in (await client.get(f"/c/{codes[0]}")).text


async def test_a_form_without_its_token_is_refused_kindly(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str], db: Database
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    assert chat.page is not None
    data = chat.page.form("answer").data(chat.page.form("answer").button("Good"))
    forged = {**data, "csrf": "0" * 64}
    refused = await client.post(f"/c/{codes[0]}", data=forged)
    assert refused.status_code == 403 and "Please try that again" in words(refused)
    assert "cookies" in words(refused) and refused.headers["content-type"].startswith("text/html")
    without = {k: v for k, v in data.items() if k != "csrf"}
    missing = await client.post(f"/c/{codes[0]}", data=without)
    assert missing.status_code == 403
    elsewhere = await other_client.post(f"/c/{codes[0]}", data=data)  # no cookie at all
    assert elsewhere.status_code == 403
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) == 0


async def test_a_failure_gets_a_kind_page_and_logs_nothing_they_wrote(
    client: httpx.AsyncClient,
    codes: list[str],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = Chat(client, codes[0])
    await chat.start()
    assert chat.page is not None
    csrf = chat.page.form("answer").fields["csrf"]
    data = {"csrf": csrf, "key": "k9", "text": "My carer Sam hits me"}

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"could not store {args!r} {kwargs!r}")

    monkeypatch.setattr(services.conversations, "handle", broken)
    with caplog.at_level(logging.DEBUG):
        reply = await client.post(f"/c/{codes[0]}", data=data)
    assert reply.status_code == 500 and "Sorry" in reply.text
    assert "web chat answer failed: RuntimeError at test_chat.py:" in caplog.text
    assert "Sam" not in caplog.text and "hits" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)


async def test_a_new_phone_carries_on_after_the_pin_chosen_at_the_start(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str]
) -> None:
    first = Chat(client, codes[0])
    await first.open()
    assert first.page is not None
    form = first.page.form("start")
    bad = await client.post(f"/c/{codes[0]}", data=form.data(form.button("let's start"), pin="12"))
    assert bad.status_code == 422 and "A PIN is 4 to 6 numbers" in words(bad)
    await first.post(form.data(form.button("let's start"), pin="4821"))
    await first.press("Good")
    assert "Where should the meeting be?" in first.text

    new_phone = await other_client.get(f"/c/{codes[0]}")
    assert new_phone.status_code == 200 and "Carry on where you were" in words(new_phone)
    check = Page.of(new_phone.text).form("carry-on")
    wrong = await other_client.post(f"/c/{codes[0]}",
                                    data=check.data(check.button("Carry on"), pin="1111"))
    assert wrong.status_code == 422 and "You can try 4 more times" in words(wrong)
    assert "someone may" not in words(wrong)
    right = await other_client.post(f"/c/{codes[0]}",
                                    data=check.data(check.button("Carry on"), pin="4821"))
    assert right.status_code == 303
    carried = await other_client.get(right.headers["location"])
    assert "Where should the meeting be?" in words(carried)


async def test_the_throttle_answers_429_with_retry_after(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str]
) -> None:
    first = Chat(client, codes[1])
    await first.open()
    assert first.page is not None
    form = first.page.form("start")
    await first.post(form.data(form.button("let's start"), pin="4821"))
    check = Page.of((await other_client.get(f"/c/{codes[1]}")).text).form("carry-on")
    for _ in range(5):
        last = await other_client.post(f"/c/{codes[1]}",
                                       data=check.data(check.button("Carry on"), pin="0000"))
    assert last.status_code == 429 and int(last.headers["retry-after"]) == 15 * 60
    assert "please wait 15 minutes" in words(last)
    assert not Page.of(last.text).has_form("carry-on")


async def test_a_code_typed_from_a_letter_opens_the_chat(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    page = await client.get("/c")
    assert page.status_code == 200 and "Type your code" in words(page)
    code = codes[0]
    typed = f"{code[:4].lower()} {code[4:8]} {code[8:]}"
    found = await client.get("/c", params={"code": typed})
    assert found.status_code == 303
    assert found.headers["location"] == f"/c/{code[:4]}-{code[4:8]}-{code[8:]}"
    chat = await client.get(found.headers["location"])
    assert chat.status_code == 200 and "Before we start" in words(chat)
    wrong = await client.get("/c", params={"code": "hello"})
    assert wrong.status_code == 422 and "12 letters and numbers" in words(wrong)


# ----- the end of the survey, and who may read their words ------------------------------

THANKS_SAYING_WHO = (
    "Thank you! Your IRO will read this before your meeting. If you want to talk to "
    "someone now, you can ask your carer."
)


async def answer_to_the_last_question(chat: Chat) -> None:
    """The small survey answered from the start up to its last question (words)."""
    await chat.start()
    await chat.press("Good")
    await chat.press("At school")
    await chat.tick("My carer")
    await chat.press("No")


async def answer_to_the_end(chat: Chat, last_words: str = "Nothing, thanks") -> None:
    """The small survey answered from the start to its thanks (`last_words` its last)."""
    await answer_to_the_last_question(chat)
    await chat.write(last_words)
    assert "All done" in chat.text


@pytest.mark.parametrize(
    ("audience", "reader"),
    [(Audience.YOUNG_PERSON, "IRO"), (Audience.CARE_LEAVER, "PA")],
)
async def test_the_end_says_who_reads_it_and_when_once(
    client: httpx.AsyncClient,
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    audience: Audience,
    reader: str,
) -> None:
    """The thanks no longer says "will read this before your meeting" when the line after
    it names the day of the review: said once, with the date (a care leaver's PA reads a
    pathway plan review's answers)."""
    undated = (
        "Your PA will read this before your review."
        if reader == "PA"
        else "Your IRO will read this before your meeting."
    )
    survey = small_survey(audience=audience, thanks=THANKS_SAYING_WHO.replace(
        "Your IRO will read this before your meeting.", undated))  # fmt: skip
    _, codes = await campaign_with_codes(db, catalog, clock, survey=survey)
    review = clock.now().date() + timedelta(days=20)
    async with db.transaction() as session:
        await session.execute(update(PersonRow).values(next_review_date=review))
    chat = Chat(client, codes[0])
    await answer_to_the_end(chat)
    dated = f"Your {reader} will read this before your review on {format_day(review, 'en')}."
    assert chat.text.count(dated) == 1
    assert undated not in chat.text and "before your meeting" not in chat.text
    assert "Thank you! If you want to talk to someone now, you can ask your carer." in chat.text
    assert chat.text.index("ask your carer") < chat.text.index(dated)


async def test_without_a_review_date_the_thanks_keeps_its_words(
    client: httpx.AsyncClient, db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    """No review day to name: the thanks says who reads it, as the survey wrote it, and
    the line after says when the participation team reads everyone's answers."""
    _, codes = await campaign_with_codes(
        db, catalog, clock, survey=small_survey(thanks=THANKS_SAYING_WHO)
    )
    chat = Chat(client, codes[0])
    await answer_to_the_end(chat)
    assert THANKS_SAYING_WHO in chat.text
    assert "The participation team will read everyone's answers after" in chat.text
    assert "before your review on" not in chat.text


def test_a_sentence_said_again_is_left_out_of_the_thanks() -> None:
    said = ["Your IRO will read this before your meeting."]
    assert _without(THANKS_SAYING_WHO, said) == (
        "Thank you! If you want to talk to someone now, you can ask your carer."
    )
    assert _without("Your IRO will read this before your meeting.", said) == ""
    assert _without("Thank you!", said) == "Thank you!"


async def test_a_default_is_not_called_your_answer_before(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    """Who may read their words: the first time it is asked the default is marked (the
    button outlined) but not "(your answer before)": they have not answered it yet. An
    answer they gave, seen again after going back, is."""
    chat = Chat(client, codes[0])
    await chat.to_the_words()
    await chat.write("I know what I want", choose=None)
    assert VISIBILITY_ASK.split("\n")[0] in chat.text
    assert chat.page is not None
    assert "(your answer before)" not in chat.text
    assert 'class="your-answer"' not in chat.page.html
    assert 'aria-describedby="chosen-' not in chat.page.html
    assert "is-chosen" in chat.page.html  # the default still stands out
    await chat.press(VISIBILITY_SHARED)
    assert "Anything just for your IRO?" in chat.text
    await chat.press("Back")  # to the words
    await chat.press("Back")  # to "would you like to chair it?", answered "Yes"
    assert "Would you like to chair" in chat.text
    assert "(your answer before)" in chat.text


async def test_a_finished_chat_opened_on_a_new_phone_says_it_is_done_without_a_check(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, codes: list[str]
) -> None:
    """It asked "Carry on where you were" (or to ask for a new letter) for a survey
    with nothing left to answer."""
    chat = Chat(client, codes[0])
    await answer_to_the_end(chat)
    seen = words(await other_client.get(f"/c/{codes[0]}"))
    assert "already been used, and there is nothing more to answer" in seen
    assert "Carry on where you were" not in seen and "new letter" not in seen
    assert "Nothing, thanks" not in seen  # nothing of what they said


async def test_after_an_erasure_the_old_chat_cookie_is_shown_nothing_they_wrote(
    client: httpx.AsyncClient, codes: list[str], db: Database, clock: FixedClock
) -> None:
    """The help card and the words written after it were kept in memory for ten minutes,
    and a reload with the old cookie showed them after the young person was erased."""
    chat = Chat(client, codes[0])
    await chat.start()
    await chat.help_now()
    assert chat.page is not None
    more = chat.page.form("say-more")
    await chat.post(more.data(text="my carer locked me out and its dark"))
    assert "locked me out" in chat.text
    async with db.transaction() as session:
        person = await session.scalar(select(PersonRow).join(
            ChannelLinkRow, ChannelLinkRow.person_id == PersonRow.id))
        assert person is not None
        for alert in (await session.scalars(select(SafeguardingAlertRow))).all():
            await acknowledge(session, clock.now(), alert.id, actor="Jo", note="Rang them")
        await erase_person(session, clock, person.council_ref, actor="test admin")
    page = await client.get(f"/c/{codes[0]}")
    assert "locked me out" not in page.text and "Help is here" not in words(page)
