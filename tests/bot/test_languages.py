"""Telegram in the young person's language: a whole built-in survey in Welsh through the
real `Application` on the offline Bot API, and /language (or /iaith) at any point."""

from __future__ import annotations

from sqlalchemy import select

from bot import texts
from storage.database import Database
from storage.tables import AnswerRow, PersonRow, ResponseRow
from tests.bot.conftest import YoungPerson, buttons
from tests.factories import InviteCsv

CSV = "council_ref,cohort,age_band,language\nCL1,care_leaver,18-21,cy\n"
CSV_ENGLISH = "council_ref,cohort,age_band\nCL2,care_leaver,18-21\n"


async def test_a_whole_survey_in_welsh_on_telegram(
    young: YoungPerson, db: Database, invite_csv: InviteCsv
) -> None:
    (code,) = await invite_csv(CSV, "wellbeing-16plus")
    await young.command("start", code)
    notice = young.last()
    assert notice["text"].startswith("Cyn i ni ddechrau, dyma sut mae hyn yn gweithio")
    assert notice["text"].endswith("Ydy hynny'n iawn gyda ti?")
    assert buttons(notice) == ["👍 Ie, mae hynny'n iawn", "Dim diolch"]
    await young.tap("Ie, mae hynny'n iawn")
    said = young.texts()
    assert any('Dyma dy sgwrs "Sut ydw i\'n dod ymlaen"' in t for t in said)
    intro = next(m for m in young.messages() if "Sut ydw i'n dod ymlaen" in m.get("text", ""))
    keyboard = intro["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "🆘 Mae angen help arna i nawr"}]]
    ons = "Cwestiwn 1 o 17\nYn gyffredinol, pa mor fodlon ydych chi â'ch bywyd y dyddiau hyn?"
    assert young.last()["text"] == ons
    assert buttons(young.last())[0] == "0 Ddim o gwbl"
    for score in ("7", "8", "6", "3"):  # the four ONS questions, typed
        await young.say(score)
    assert young.last()["text"] == "Cwestiwn 5 o 17\nSut wyt ti'n teimlo am dy gartref?"
    assert buttons(young.last())[:5] == [
        "😞 Gwael iawn",
        "🙁 Ddim yn dda",
        "😐 Iawn",
        "🙂 Da",
        "😀 Da iawn",
    ]
    for face in ("🙂 Da", "😐 Iawn", "😀 Da iawn", "🙂 Da", "😐 Iawn"):
        await young.tap(face)
    assert "Pa mor ddiogel wyt ti'n teimlo?" in young.last()["text"]
    await young.tap("Diogel gan amlaf")
    await young.tap("🙂 Da")  # overall
    await young.say("Mae gen i swydd newydd")
    await young.tap("Gall fy PA a fy ngweithiwr ddarllen hwn")  # a care leaver: no IRO
    await young.say("Dim byd")
    await young.tap("Dim ond ei gyfrif")
    assert "Oes unrhyw beth yr hoffet ti help gydag e?" in young.last()["text"]
    await young.tap("Arian")
    await young.tap("Wedi gorffen")
    await young.tap("Ie")  # talk to my PA
    await young.say("ie")  # share my words: typed Welsh yes
    record = young.texts()
    assert "Cwestiwn 5 o 17\nSut wyt ti'n teimlo am dy gartref?\n\n✔️ 🙂 Da" in record
    assert any(t.startswith("Diolch am gysylltu!") for t in record)
    assert record[-2] == ("Os bydd rhywun yn ysgrifennu'n ôl atat ti, bydd yn dod yma yn y sgwrs "
                          "hon.")
    assert record[-1].startswith("Bydd y tîm cyfranogiad yn darllen atebion pawb ar ôl 19 Ionawr")

    async with db.reader() as session:
        response = await session.scalar(select(ResponseRow))
        assert response is not None and response.status == "returned"
        answers = dict(
            (
                await session.execute(
                    select(AnswerRow.question_id, AnswerRow.value).where(
                        AnswerRow.superseded_at.is_(None)
                    )
                )
            ).all()
        )
    assert answers["ons_life"] == 7 and answers["ons_anxious"] == 3
    assert answers["home_feel"] == 4 and answers["safe_feel"] == 4
    assert answers["want_help"] == ["money"]
    assert answers["talk_to_pa"] == "yes" and answers["share_quotes"] == "yes"


ONS_EN = "Question 1 of 17\nOverall, how satisfied are you with your life nowadays?"
ons_cy = "Cwestiwn 1 o 17\nYn gyffredinol, pa mor fodlon ydych chi â'ch bywyd y dyddiau hyn?"


async def test_language_changes_at_any_point_and_help_is_in_it(
    young: YoungPerson, db: Database, invite_csv: InviteCsv
) -> None:
    (code,) = await invite_csv(CSV_ENGLISH, "wellbeing-16plus")
    await young.command("start", code)
    assert young.last()["text"].endswith("Is that OK with you?")
    await young.tap("Yes")
    assert young.last()["text"] == ONS_EN
    await young.command("language")
    assert buttons(young.last()) == ["English", "Cymraeg", "العربية"]
    await young.tap("Cymraeg")
    said = young.messages()[-2:]
    assert said[0]["text"] == "Iawn, bydda i'n defnyddio Cymraeg o hyn ymlaen."
    assert said[0]["reply_markup"]["keyboard"] == [[{"text": "🆘 Mae angen help arna i nawr"}]]
    assert said[1]["text"] == ons_cy
    async with db.reader() as session:
        person = await session.scalar(select(PersonRow).where(PersonRow.council_ref == "CL2"))
    assert person is not None and person.language == "cy"
    await young.command("help")
    assert young.last()["text"].startswith("Dyma beth gallet ti ei wneud:")
    await young.say("🆘 Mae angen help arna i nawr")  # the Welsh button under the keyboard
    help_reply = young.texts()[-2]
    assert help_reply.startswith("Diolch am ddweud wrthon ni. Dwyt ti ddim mewn trwbl.")
    assert "0800 1111" in help_reply and "999" in help_reply
    await young.command("iaith", "en")  # the Welsh name of the command, with a language
    assert young.texts()[-2] == texts.say("en", texts.LANGUAGE_SET)
    assert young.last()["text"] == ONS_EN


async def test_a_welsh_child_reads_every_fixed_telegram_text_in_welsh(
    young: YoungPerson, db: Database, invite_csv: InviteCsv
) -> None:
    (code,) = await invite_csv(CSV, "wellbeing-16plus")
    await young.command("start", code)
    await young.tap("Dim diolch")  # declined: said in the notice's language
    assert young.last()["text"] == texts.say("cy", texts.DECLINED) != texts.DECLINED
    await young.command("start", code)
    await young.tap("Ie, mae hynny'n iawn")
    welsh = {
        "talk": texts.say("cy", texts.TALK_DONE),
        "mydata": texts.access_done("Test Council", "cy"),
        "nosuch": texts.say("cy", texts.UNKNOWN_COMMAND),
    }
    for command, expected in welsh.items():
        await young.command(command)
        assert young.last()["text"] == expected, command
    await young.command("message")
    ask = young.last()
    assert ask["text"] == texts.say("cy", texts.CONTACT_ASK) != texts.CONTACT_ASK
    assert buttons(ask) == [texts.say("cy", label) for label in texts.CONTACT_BUTTONS.values()]
    await young.tap(texts.say("cy", texts.CONTACT_BUTTONS["good_news"]))
    prompt = young.last()
    assert prompt["text"] == texts.say("cy", texts.CONTACT_PROMPTS["good_news"])
    assert texts.contact_kind_of(prompt["text"]) == "good_news"  # the reply is still read
    await young.command("delete")
    assert buttons(young.last()) == [texts.say("cy", texts.DELETE_YES),
                                     texts.say("cy", texts.DELETE_NO)]  # fmt: skip
    await young.tap(texts.say("cy", texts.DELETE_NO))
    assert young.last()["text"] == texts.say("cy", texts.DELETE_KEPT)
    all_said = "\n".join(young.texts())
    for english in (texts.DECLINED, texts.TALK_DONE, texts.CONTACT_ASK, texts.DELETE_KEPT):
        assert english not in all_said


def test_outbox_texts_are_framed_in_the_childs_language() -> None:
    assert texts.invitation("Fy adolygiad", "cy").startswith("Helo! 👋")
    assert "“Fy adolygiad”" in texts.invitation("Fy adolygiad", "cy")
    assert texts.reminder("X", started=True, language="cy").startswith("Dim ond i dy atgoffa")
    assert texts.reply("Helo Sam", "cy").startswith("💬 Ateb gan dy weithiwr:\n\nHelo Sam")
    assert texts.you_said_we_did("a", "b", "cy") == "📣 Fe ddwedaist ti: a\n✅ Fe wnaethon ni: b"
    assert texts.too_many_codes(120, "cy").startswith("Cafodd gormod o godau")
    assert "2 munud" in texts.too_many_codes(120, "cy")
    assert "دقيقتين" in texts.too_many_codes(120, "ar")
    assert texts.carry_on_code_of(texts.carry_on_prompt("K7MQ", pin=True, language="cy")) == (
        "K7MQ"
    )
    assert texts.carry_on_refused(2, None, "cy").endswith(texts.say("cy", texts.REPLY_AGAIN))
