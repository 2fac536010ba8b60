"""The whole loop, end to end over real HTTP on 127.0.0.1, through the pages people use.

A real `carevoice serve` (webhook) talks to the Telegram Bot API emulator. A participation
officer signs in and imports two young people from a CSV upload (preview, then save),
creates a campaign for them (which issues their invitations) and prints their letters. One
young person answers in the web chat, the other on Telegram. The IRO reads each one's
"Before my review" summary (what they asked for first), the worker replies to each, and
each young person sees the reply: on Telegram as a message, in the web chat when they next
open their link. Nothing here calls carevoice's internals except to make the first key.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.keys import Role, create_key
from surveys.clock import SystemClock
from tests.bot.test_end_to_end import BotProcess, _env, emulator  # noqa: F401
from tests.live_server import free_port
from tests.telegram_emulator import EmulatorServer
from tests.web.pages import Form, Page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TELEGRAM_USER = 91_000
WAIT = 40.0
CSV = (
    "council_ref,cohort,date_of_birth,team,next_review_date,first_name\n"
    "E2E-WEB,in_care,2011-03-14,Riverside,2027-06-01,Mia\n"
    "E2E-TG,in_care,23/08/2009,Riverside,2027-06-08,Jordan\n"
    "E2E-OTHER,care_leaver,2004-01-02,Hillside,,Alex\n"
)
SURVEY = "review-prep-young-person"
CONTROLS = ("Back", "Skip", "Done", "Stop for now", "I need help now", "Not now")


async def _first_key(url: str) -> str:
    """The one thing done outside the pages: a key for the officer to sign in with."""
    db = await Database.connect(url)
    clock = SystemClock()
    try:
        async with db.transaction() as session:
            await SurveyCatalog(clock).sync_builtins(session)
            made = await create_key(session, clock, role=Role.OFFICER, name="e2e officer")
    finally:
        await db.dispose()
    return made.token


async def _ready(http: httpx.AsyncClient) -> None:
    for _ in range(300):
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("carevoice serve did not start")


async def _form(http: httpx.AsyncClient, page: str, action: str) -> Form:
    reply = await http.get(page)
    assert reply.status_code == 200, reply.text
    return Page.of(reply.text).form_to(action)


# ----- the officer --------------------------------------------------------------------


async def _sign_in(officer: httpx.AsyncClient, key: str) -> None:
    form = await _form(officer, "/signin", "/signin")
    signed = await officer.post("/signin", data=form.data(key=key))
    assert signed.status_code == 303, signed.text


async def _import_people(officer: httpx.AsyncClient) -> None:
    form = await _form(officer, "/officer/young-people", "/officer/young-people/preview")
    preview = await officer.post(
        form.action,
        data={"csrf": form.fields["csrf"]},
        files={"file": ("people.csv", CSV.encode(), "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    shown = Page.of(preview.text)
    assert "3 rows: 3 to add" in shown.text and "Nothing has been saved" in shown.text
    confirm = shown.form_to("/officer/young-people/import")
    done = await officer.post(confirm.action, data=confirm.data())
    assert done.status_code == 303 and "added=3" in done.headers["location"]


async def _create_campaign(officer: httpx.AsyncClient) -> int:
    form = await _form(officer, "/officer/campaigns/new", "/officer/campaigns")
    choices = dict(
        form.data(), survey=SURVEY, name="Riverside reviews, June", cohort="in_care",
        team="Riverside", review_from="01/06/2027", review_to="30/06/2027",
    )  # fmt: skip
    counted = await officer.post(form.action, data={**choices, "action": "count"})
    assert "2 young people match" in Page.of(counted.text).text
    made = await officer.post(form.action, data={**choices, "action": "create"})
    assert made.status_code == 303, made.text
    found = re.fullmatch(r"/officer/campaigns/(\d+)\?created=2", made.headers["location"])
    assert found is not None
    campaign = Page.of((await officer.get(made.headers["location"])).text)
    assert "2 invitations issued" in campaign.text
    assert "E2E-WEB" in campaign.text and "E2E-TG" in campaign.text
    assert "E2E-OTHER" not in campaign.text
    return int(found.group(1))


async def _print_letters(officer: httpx.AsyncClient, campaign: int) -> dict[str, str]:
    """Print the letters; each young person's code as the letter shows it, by reference."""
    letters = f"/officer/campaigns/{campaign}/letters"
    form = await _form(officer, letters, f"{letters}?page=1")
    printed = await officer.post(form.action, data=form.data(form.button("Make the letters")))
    assert printed.status_code == 200, printed.text
    found = re.findall(
        r'For: ([A-Z0-9-]+)</p>.*?Hello ?(\w*)!.*?letter-code-text">([A-Z0-9-]+)<',
        printed.text,
        re.S,
    )
    codes = {ref: code for ref, _, code in found}
    assert {ref: name for ref, name, _ in found} == {"E2E-WEB": "Mia", "E2E-TG": "Jordan"}
    return codes


async def _summary(officer: httpx.AsyncClient, ref: str) -> tuple[int, Page]:
    """The IRO opens the young person, then their "Before my review" summary."""
    person = await officer.get(f"/officer/young-people/{ref}")
    assert person.status_code == 200, person.text
    found = re.search(r'href="/officer/responses/(\d+)"', person.text)
    assert found is not None, Page.of(person.text).text
    summary = await officer.get(f"/officer/responses/{found.group(1)}")
    assert summary.status_code == 200
    return int(found.group(1)), Page.of(summary.text)


async def _reply(officer: httpx.AsyncClient, response: int, words: str) -> None:
    page = f"/officer/replies/responses/{response}"
    form = await _form(officer, page, f"{page}/reply")
    sent = await officer.post(form.action, data=form.data(text=words))
    assert sent.status_code == 303, sent.text


# ----- the young person on the web ------------------------------------------------------


async def _answer_on_the_web(child: httpx.AsyncClient, code: str) -> None:
    """Open the letter's link, start (with a PIN), and answer every question."""
    page = Page.of((await child.get(f"/c/{code}")).text)
    start = page.form("start")
    reply = await child.post(f"/c/{code}", data=start.data(start.button("let's start"), pin="2468"))
    assert reply.status_code == 303, reply.text
    for _ in range(40):
        page = Page.of((await child.get(f"/c/{code}")).text)
        if not page.has_form("answer"):
            break
        form = page.form("answer")
        if form.checkboxes:
            name, value, _, label = form.checkboxes[0]
            form.checkboxes[0] = (name, value, True, label)
            data = form.data(form.button("Done"))
        elif "text" in form.textareas:
            data = form.data(form.button("Send"), text="I want to see my brother more often")
        else:
            options = [b for b in form.buttons if b.name == "option"]
            yes = [b for b in options if b.text.strip() == "Yes"]
            data = form.data((yes or options)[0])
        assert (await child.post(f"/c/{code}", data=data)).status_code == 303
    assert "All done" in page.text, page.text


# ----- the young person on Telegram ------------------------------------------------------


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def _is_question(message: dict[str, Any]) -> bool:
    text = str(message.get("text", ""))
    asks = text.startswith(("Question ", "Who can read what you just wrote?"))
    return asks and "✔️" not in text


async def _answer_on_telegram(emu: EmulatorServer, code: str) -> None:
    """/start with the letter's code, agree to the notice, answer every question."""
    user = TELEGRAM_USER
    emu.user_sends_command(user, "start", code)
    notice = await emu.wait_for_message(
        user, lambda m: "Is that OK with you?" in m.get("text", ""), timeout=WAIT
    )
    _tap(emu, notice, "Yes")
    seen: set[int] = set()
    while True:
        message = await emu.wait_for_message(
            user,
            lambda m: str(m.get("text", "")).startswith("Thanks for taking the time")
            or (_is_question(m) and m["message_id"] not in seen),
            timeout=WAIT,
        )
        if not _is_question(message):
            return
        seen.add(message["message_id"])
        answers = [b for b in _buttons(message) if not any(c in b["text"] for c in CONTROLS)]
        if not answers:
            emu.user_sends_text(user, "More time with my worker please")
        elif any("Done" in b["text"] for b in _buttons(message)):  # tick one, then Done
            emu.user_presses_button(user, message["message_id"], answers[0]["callback_data"])
            ticked = await emu.wait_for_message(
                user,
                lambda m, at=message["message_id"]: m["message_id"] == at
                and any(b["text"].startswith("✅") for b in _buttons(m)),
                timeout=WAIT,
            )
            _tap(emu, ticked, "Done")
        else:
            yes = [b for b in answers if b["text"] == "Yes"]
            chosen = (yes or answers)[0]["callback_data"]
            emu.user_presses_button(user, message["message_id"], chosen)


def _tap(emu: EmulatorServer, message: dict[str, Any], label: str) -> None:
    data = next(b["callback_data"] for b in _buttons(message) if label in b["text"])
    emu.user_presses_button(TELEGRAM_USER, message["message_id"], data)


# ----- the loop ---------------------------------------------------------------------------


async def test_from_a_csv_to_a_reply_each_young_person_reads(
    emulator: EmulatorServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    key = await _first_key(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = _env(
        emulator,
        url,
        CAREVOICE_WEBHOOK_URL=f"{base}/telegram/webhook",
        CAREVOICE_QUIET_START_HOUR="0",  # no quiet hours, whatever the time of the test
        CAREVOICE_QUIET_END_HOUR="0",
    )
    server = BotProcess(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    server.start()
    try:
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as officer,
            httpx.AsyncClient(base_url=base, timeout=30) as child,
        ):
            await _ready(officer)
            await _sign_in(officer, key)
            await _import_people(officer)
            campaign = await _create_campaign(officer)
            codes = await _print_letters(officer, campaign)

            await _answer_on_the_web(child, codes["E2E-WEB"])
            await _answer_on_telegram(emulator, codes["E2E-TG"])

            overview = Page.of((await officer.get("/officer")).text)
            assert "Wants an advocate" in overview.text  # both said yes: listed across children
            for ref, channel in (("E2E-WEB", "web"), ("E2E-TG", "telegram")):
                response, summary = await _summary(officer, ref)
                text = summary.text
                asked = text[text.index("What they asked for") : text.index("Everything they")]
                assert "Wants an advocate" in asked and "Wants to chair" in asked, asked
                assert "More time with my worker" in text or "see my brother" in text
                await _reply(officer, response, f"Thanks - your IRO will call you ({channel}).")

            reply = await emulator.wait_for_message(
                TELEGRAM_USER,
                lambda m: "A reply from your worker" in m.get("text", ""),
                timeout=WAIT,
            )
            assert "your IRO will call you (telegram)" in reply["text"]
            opened = Page.of((await child.get(f"/c/{codes['E2E-WEB']}")).text)
            assert "A reply from your worker" in opened.text
            assert "your IRO will call you (web)" in opened.text
            assert "(telegram)" not in opened.text
    except BaseException:
        print(server.output())
        raise
    finally:
        server.stop()
