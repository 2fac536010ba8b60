"""The web chat in the young person's language: a whole built-in survey in Welsh, the
language control at any point, and what a child reads (issue 12, items 1, 7 and 8)."""

from __future__ import annotations

import html
from datetime import date

import httpx
from sqlalchemy import select

from storage.database import Database
from storage.people import import_people
from storage.tables import AnswerRow, PersonRow, ResponseRow
from surveys.clock import FixedClock
from surveys.people import parse_people_csv
from tests.factories import InviteCsv
from tests.web.pages import Page
from tests.web.test_chat import Chat

REVIEW = date(2026, 3, 12)  # the clock says 5 January 2026


async def write(chat: Chat, text: str, send: str = "Anfon") -> None:
    """Type an answer and press the send button (in Welsh by default)."""
    assert chat.page is not None
    form = chat.page.form("answer")
    await chat.post(form.data(form.button(send), text=text))


CSV = (
    "council_ref,cohort,age_band,next_review_date,language\n"
    f"W1,in_care,8-12,{REVIEW.isoformat()},cy\n"
    f"E1,in_care,8-12,{REVIEW.isoformat()},\n"
)


async def test_a_whole_survey_in_welsh_on_the_web_chat(
    client: httpx.AsyncClient, db: Database, invite_csv: InviteCsv
) -> None:
    codes = await invite_csv(CSV, "review-prep-child")
    chat = Chat(client, codes[1])  # W1: Welsh from the CSV
    first = await chat.open()
    assert '<html lang="cy" dir="ltr">' in first.text
    assert "Cyn i ni ddechrau" in chat.text and "Paratoi ar gyfer fy adolygiad" in chat.text
    assert chat.page is not None
    form = chat.page.form("start")
    await chat.post(form.data(form.button("Iawn, gadewch i ni ddechrau")))
    # the intro, in Welsh, with IRO explained where it first appears
    assert "Mae dy adolygiad yn dod cyn bo hir" in chat.text
    assert "Ystyr “IRO” yw dy Swyddog Adolygu Annibynnol" in chat.text
    assert chat.text.count("Ystyr “IRO”") == 1
    assert "Cwestiwn 1 o tua" in chat.text
    assert "Beth sy'n mynd yn dda i ti ar hyn o bryd?" in chat.text
    assert "hyd at 1,000 nod" in chat.text
    await write(chat, "Mae'r ysgol yn hwyl")
    await chat.press("Gall fy IRO a fy ngweithiwr ddarllen hwn")  # who may read it
    await chat.press("Neidio dros hwn")
    await write(chat, "Mwy o amser gyda fy mrawd")
    await chat.press("Gall fy IRO a fy ngweithiwr ddarllen hwn")  # who may read it
    assert "Sut wyt ti'n teimlo am ble rwyt ti'n byw?" in chat.text
    await chat.press("Da")
    assert "🙂 Da" in chat.text  # the answer read back in Welsh
    await chat.press("Da iawn")
    await write(chat, "Rydw i'n hoffi mathemateg")
    await chat.press("Gall fy IRO a fy ngweithiwr ddarllen hwn")  # who may read it
    await chat.press("Iawn")
    await chat.press("Neidio dros hwn")
    assert "Pwy hoffet ti yn dy gyfarfod?" in chat.text
    assert chat.page is not None
    form = chat.page.form("answer")
    form.checkboxes = [
        (n, v, label in ("Fy ngofalwr", "Fy eiriolwr"), label) for n, v, _, label in form.checkboxes
    ]
    await chat.post(form.data(form.button("Wedi gorffen")))
    assert "Fy ngofalwr, Fy eiriolwr" in chat.text
    await chat.press("Ar alwad fideo")
    await chat.press("Ie")  # chair
    await chat.press("Na")  # advocate
    await chat.press("Ie")  # talk to my IRO on my own
    await write(chat, "Dim byd, diolch")  # just for the IRO: not asked who may read it
    await chat.press("Ie")  # share my words
    # who reads it and when, said once: the dated line, not the thanks' own "before your
    # meeting" as well
    assert "Diolch! 🌟 Os wyt ti eisiau siarad â rhywun nawr" in chat.text
    assert "Diolch! 🌟 Bydd dy IRO yn darllen hwn cyn dy gyfarfod." not in chat.text
    assert chat.text.count("Bydd dy IRO yn darllen hwn cyn dy adolygiad ar 12 Mawrth.") == 1
    assert "Wedi gorffen. Gallet ti gau'r dudalen hon nawr." in chat.text
    assert "byddi di'n ei weld yma pan fyddi di'n agor dy ddolen eto" in chat.text

    async with db.reader() as session:
        response = await session.scalar(select(ResponseRow).where(ResponseRow.status == "returned"))
        assert response is not None
        rows = (
            await session.execute(
                select(AnswerRow.question_id, AnswerRow.value).where(
                    AnswerRow.response_id == response.id, AnswerRow.superseded_at.is_(None)
                )
            )
        ).all()
    answers = dict(rows)
    # stored as in English: the same ids and values, so boards count every language together
    assert answers["home_feel"] == 4 and answers["school_feel"] == 5
    assert answers["who_at_meeting"] == ["carer", "advocate"]
    assert answers["meeting_place"] == "video_call"
    assert answers["chair"] == "yes" and answers["advocate"] == "no"
    assert answers["going_well"] == "Mae'r ysgol yn hwyl"


async def test_the_language_can_be_changed_at_any_point_and_is_kept(
    client: httpx.AsyncClient, db: Database, clock: FixedClock, invite_csv: InviteCsv
) -> None:
    codes = await invite_csv(CSV, "review-prep-child")
    chat = Chat(client, codes[0])  # E1: no language in the CSV, so English
    await chat.start()
    assert "What's going well for you at the moment?" in chat.text
    await chat.write("Football")
    assert chat.page is not None
    language = chat.page.form("language-form")
    await chat.post(language.data(language.button("Change language"), language="cy"))
    assert "Oes unrhyw beth sydd ddim yn mynd cystal?" in chat.text  # the same question, in Welsh
    assert '<html lang="cy"' in (chat.page.html if chat.page else "")
    async with db.reader() as session:
        person = await session.scalar(select(PersonRow).where(PersonRow.council_ref == "E1"))
    assert person is not None and person.language == "cy" and person.language_chosen_at
    # a later import leaves the young person's own choice alone
    records = parse_people_csv(
        "council_ref,cohort,age_band,language\nE1,in_care,8-12,en\n",
        source="again.csv",
        today=clock.now().date(),
    )
    async with db.transaction() as session:
        await import_people(session, records, clock)
    again = Chat(client, codes[0])
    await again.open()
    assert "Croeso'n ôl!" in again.text
    # and into Arabic: right to left
    assert again.page is not None
    language = again.page.form("language-form")
    await again.post(language.data(language.button("Newid iaith"), language="ar"))
    assert again.page is not None and '<html lang="ar" dir="rtl">' in again.page.html
    assert "السؤال 2 من حوالي" in again.text


async def test_the_language_can_be_chosen_on_the_privacy_notice_before_starting(
    client: httpx.AsyncClient, db: Database, invite_csv: InviteCsv
) -> None:
    codes = await invite_csv(CSV, "review-prep-child")
    chat = Chat(client, codes[0])  # E1: no language in the CSV, so English
    await chat.open()
    assert chat.page is not None and "Before we start" in chat.text
    choose = chat.page.form("language-form")
    assert choose.method == "get" and choose.action == f"/c/{codes[0]}"
    notice = await client.get(choose.action, params={"lang": "cy"})
    welsh = html.unescape(notice.text)
    assert '<html lang="cy"' in notice.text and "Cyn i ni ddechrau" in welsh
    assert "dy eiriau 2 flynedd ar ôl i'r arolwg gau" in welsh  # how long, in Welsh too
    assert "after the survey closes" not in welsh
    async with db.reader() as session:  # reading the notice in Welsh changes nothing yet
        person = await session.scalar(select(PersonRow).where(PersonRow.council_ref == "E1"))
        assert person is not None and person.language_chosen_at is None
    chat.page = Page.of(notice.text)
    start = chat.page.form("start")
    await chat.post(start.data(start.button("Iawn, gadewch i ni ddechrau")))
    assert "Mae dy adolygiad yn dod cyn bo hir" in chat.text  # the intro in Welsh
    async with db.reader() as session:
        person = await session.scalar(select(PersonRow).where(PersonRow.council_ref == "E1"))
    assert person is not None and person.language == "cy" and person.language_chosen_at
    odd = await client.get(choose.action, params={"lang": "klingon"})
    assert odd.status_code == 200  # an unknown language: the page in theirs


async def test_what_a_child_reads_back_refusals_and_unknown_options(
    client: httpx.AsyncClient, invite_csv: InviteCsv
) -> None:
    codes = await invite_csv(CSV, "review-prep-child")
    chat = Chat(client, codes[0])
    await chat.start()
    assert "up to 1,000 characters" in chat.text  # the limit said one way
    assert "fewer than" not in chat.text
    long = "x" * 1_001
    assert chat.page is not None
    form = chat.page.form("answer")
    await chat.post(form.data(form.button("Send"), text=long))
    assert "This answer can be up to 1,000 characters" in chat.text
    assert "You said:" not in chat.text  # a refused answer is not echoed as said
    assert long in (chat.page.html if chat.page else "")  # it waits in the box to be cut
    await chat.write("Seeing my friends")
    await chat.write("Nothing")
    await chat.write("More trips")
    await chat.press("Good")  # how I feel about where I live
    assert "How is school going?" in chat.text
    await chat.press("Back")
    # Back shows the earlier answer to change, not an empty box
    assert "(your answer before)" in chat.text
    await chat.press("Back")
    assert chat.page is not None
    assert "More trips</textarea>" in chat.page.html
    # an unknown option gets "please choose one of these"
    await chat.write("More trips")
    form = chat.page.form("answer")
    await chat.post(form.data(option="no-such-option"))
    assert "Please choose one of these." in chat.text
    assert "doesn't work any more" not in chat.text


async def test_the_intro_and_the_help_card_survive_a_reload(
    client: httpx.AsyncClient, invite_csv: InviteCsv
) -> None:
    codes = await invite_csv(CSV, "review-prep-child")
    chat = Chat(client, codes[0])
    await chat.start()
    assert "Your review is coming up soon." in chat.text
    await chat.open()  # a reload
    assert "Your review is coming up soon." in chat.text
    await chat.write("Fine")
    await chat.open()  # later: the intro is still there, folded away
    assert chat.page is not None and 'id="about"' in chat.page.html
    assert "Your review is coming up soon." in chat.text
    helped = await client.post(
        f"/c/{codes[0]}",
        data={**chat.page.form("help-form").data(), "command": "help_now"},
    )
    assert helped.status_code == 303
    await chat.open()
    await chat.open()  # reloaded twice: the help card is still shown
    assert "Help is here" in chat.text and "0800 1111" in chat.text


async def test_asking_for_a_copy_of_their_data_is_answered_in_welsh(
    client: httpx.AsyncClient, invite_csv: InviteCsv
) -> None:
    codes = await invite_csv(CSV, "review-prep-child")
    chat = Chat(client, codes[1])  # W1: Welsh from the CSV
    await chat.open()
    assert chat.page is not None
    form = chat.page.form("start")
    await chat.post(form.data(form.button("Iawn, gadewch i ni ddechrau")))
    assert chat.page is not None
    ask = chat.page.form_to(f"/c/{codes[1]}/my-data")
    button = ask.button("Gofyn am gopi o fy ngwybodaeth")
    tapped = await client.post(ask.action, data=ask.data(button))
    assert '<html lang="cy"' in tapped.text
    confirm = Page.of(tapped.text).form_to(f"/c/{codes[1]}/my-data")
    asked = await client.post(confirm.action, data=confirm.data())
    assert asked.status_code == 200 and '<html lang="cy"' in asked.text
    words = html.unescape(asked.text)
    assert "Rydyn ni wedi gofyn i'r tîm cyfranogiad" in words
    assert "Yn ôl i'r sgwrs" in words and "one month" not in words
    again = await client.post(confirm.action, data=confirm.data())
    assert "Rwyt ti wedi gofyn am gopi o dy wybodaeth yn barod" in html.unescape(again.text)
