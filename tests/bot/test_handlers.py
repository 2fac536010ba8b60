"""The handlers through the real `Application`, offline: a fake Bot API, `process_update`."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot import texts
from bot.application import build_application
from bot.callbacks import ButtonKind, Signer
from bot.handlers import _typed_code
from storage.campaigns import revoke_invitation
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService, Turn
from storage.database import Database
from storage.reach import Reach
from storage.tables import (
    AnswerRow,
    ChannelLinkRow,
    InboundMessageRow,
    OutboxRow,
    PersonRow,
    RequestRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from surveys.engine import Prompt, PromptKind
from surveys.errors import InvitationError
from tests.bot.conftest import CONFIG, YoungPerson, buttons
from tests.factories import campaign_with_codes
from tests.telegram_emulator import BotApiState, FakeRequest, UpdateMaker, make_update

NOTICE_END = "Is that OK with you?"


async def count(db: Database, model: type, *where: Any) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def person_row(db: Database) -> PersonRow:
    async with db.reader() as session:
        person = await session.scalar(
            select(PersonRow).join(ChannelLinkRow, ChannelLinkRow.person_id == PersonRow.id)
        )
    assert person is not None
    return person


@pytest.fixture
async def code(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> str:
    _, codes = await campaign_with_codes(db, catalog, clock)
    return codes[0]


async def joined(young: YoungPerson, code: str) -> None:
    await young.command("start", code)
    await young.tap("Yes")


# ----- linking and consent ---------------------------------------------------------------


async def test_a_code_typed_from_a_letter_works_after_start(
    young: YoungPerson, code: str, db: Database
) -> None:
    typed = f"{code[:4].lower()}-{code[4:8]} {code[8:].lower()}"  # as a child might type it
    await young.command("start", typed)
    assert young.last()["text"].endswith(NOTICE_END)
    await young.tap("Yes")
    assert young.last()["text"] == "Question 1 of 6\nHow are things?"
    assert await count(db, ChannelLinkRow) == 1


async def test_the_code_from_a_letter_typed_alone_starts_the_survey(
    young: YoungPerson, code: str, db: Database
) -> None:
    """Found by a care leaver with a letter and no link: the code typed without /start
    got "Please open the link your worker sent you"."""
    assert _typed_code("I need help now") is None and _typed_code("hahahahahaha") is None
    assert _typed_code("k7mq2x9ph3td") == _typed_code("K7MQ-2X9P-H3TD") == "K7MQ2X9PH3TD"
    await young.say(f"{code[:4].lower()} {code[4:8]} {code[8:]}")
    assert young.last()["text"].endswith(NOTICE_END)
    await young.tap("Yes")
    assert young.last()["text"] == "Question 1 of 6\nHow are things?"
    await young.say(f"{code[:4]} {code[4:8]} {code[8:]}")  # once linked, an answer
    assert not young.last()["text"].endswith(NOTICE_END)
    assert await count(db, ChannelLinkRow) == 1


async def test_first_contact_shows_the_privacy_notice_and_links_only_after_consent(
    young: YoungPerson, code: str, db: Database
) -> None:
    await young.command("start", code)
    notice = young.last()
    assert notice["text"].endswith(NOTICE_END)
    for words in ("What we keep", "Who sees it", "/stop", "/delete", "Test Council"):
        assert words in notice["text"]
    assert buttons(notice) == [texts.CONSENT_YES, texts.CONSENT_NO]
    assert await count(db, ChannelLinkRow) == 0

    await young.tap("Yes")
    assert texts.ANSWERED.format(answer=texts.CONSENT_YES) in young.messages()[0]["text"]
    assert buttons(young.messages()[0]) == []
    person = await person_row(db)
    assert person.consented_at is not None
    intro, info, first = young.messages()[1:]
    assert intro["text"] == "Hi! A few questions."
    assert intro["reply_markup"]["keyboard"] == [[{"text": texts.HELP_BUTTON}]]
    assert intro["reply_markup"]["is_persistent"] is True
    assert info["text"] == "Let's start."
    assert first["text"] == "Question 1 of 6\nHow are things?"
    assert buttons(first)[-2:] == ["Skip", "Not now"] and len(buttons(first)) == 7


async def test_declining_keeps_nothing(young: YoungPerson, code: str, db: Database) -> None:
    await young.command("start", code)
    await young.tap("No thanks")
    assert young.last()["text"] == texts.DECLINED
    assert await count(db, ChannelLinkRow) == 0
    assert await count(db, ResponseRow) == 0


async def test_a_linked_young_person_with_a_new_code_skips_the_notice(
    young: YoungPerson, db: Database, catalog: SurveyCatalog, clock: FixedClock, code: str
) -> None:
    await joined(young, code)
    before = len(young.messages())
    await young.command("start", code)  # their own code again: straight back in
    assert not any(NOTICE_END in t for t in young.texts()[before:])
    assert "Welcome back" in young.texts()[before] or "How are things?" in young.texts()[-1]


@pytest.mark.parametrize("reason", ["unknown", "started", "expired", "revoked"])
async def test_codes_that_cannot_be_used_get_a_kind_message(
    state: BotApiState,
    app: Application,  # type: ignore[type-arg]
    young: YoungPerson,
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    reason: str,
) -> None:
    _, [code, _] = await campaign_with_codes(db, catalog, clock, people=2)
    if reason == "unknown":
        code = "NoSuchCode123"
    elif reason == "started":  # in another chat
        someone_else = YoungPerson(state, app, 5999)
        await joined(someone_else, code)
    elif reason == "expired":
        clock.advance(days=30)
    elif reason == "revoked":
        async with db.transaction() as session:
            await revoke_invitation(session, code, clock)
    if reason == "unknown":  # refused before the notice: there is nothing to agree to
        await young.command("start", code)
        assert not young.last().get("reply_markup")
    else:
        await joined(young, code)
    assert young.last()["text"] == str(InvitationError(reason))
    assert young.last()["text"] == InvitationError.MESSAGES[reason]
    assert await count(db, ChannelLinkRow, ChannelLinkRow.address == str(young.user_id)) == 0


async def test_start_without_a_code_in_an_unknown_chat_says_how_to_begin(
    young: YoungPerson,
) -> None:
    await young.command("start")
    assert young.last()["text"] == texts.WELCOME_UNLINKED
    await young.say("hello?")
    assert young.last()["text"] == texts.NOT_LINKED


# ----- a whole survey -------------------------------------------------------------------


async def test_a_whole_survey_by_buttons_and_words_reads_as_a_record(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    mood = await young.tap("Good")
    assert young.state.messages_to(young.user_id)[-2]["message_id"] == mood["message_id"]
    await young.tap("At school")
    who = await young.tap("My carer")
    ticked = next(m for m in young.messages() if m["message_id"] == who["message_id"])
    assert "✅ My carer" in buttons(ticked)  # ticked in place, no new message
    assert young.last()["message_id"] == who["message_id"]
    await young.tap("My mum")
    await young.tap("My mum")  # and untick
    await young.tap("Done")
    await young.tap("Yes")
    await young.say("Because I know what I want")
    await young.tap("My IRO and worker can read this")  # who may read the words
    await young.say("Nothing else, thanks")
    await young.tap("Only count it")
    record = young.texts()
    assert record[-3] == "Thank you!"
    assert record[-2] == "If someone writes back to you, it will come here in this chat."
    assert record[-1].startswith("The participation team will read everyone's answers after")
    assert any(t.endswith("✔️ Only count it, don't show my words to anyone") for t in record)
    assert "Question 1 of 6\nHow are things?\n\n✔️ 🙂 Good" in record
    assert "Question 2 of 6\nWhere should the meeting be?\n\n✔️ At school" in record
    assert "Question 3 of 6\nWho should come?\n\n✔️ My carer" in record
    assert "Question 4 of 6\nWould you like to chair your meeting?\n\n✔️ Yes" in record
    async with db.reader() as session:
        answers = dict(
            (await session.execute(select(AnswerRow.question_id, AnswerRow.value))).all()
        )
        response = await session.scalar(select(ResponseRow))
    assert answers == {
        "mood": 4,
        "where": "school",
        "who": ["carer"],
        "chair": "yes",
        "why_chair": "Because I know what I want",
        "for_iro": "Nothing else, thanks",
    }
    assert response is not None and response.status == "returned"


async def test_back_and_skip_by_command_and_button(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    await young.tap("Good")
    where = young.last()
    await young.tap("Back")
    gone_back = next(m for m in young.messages() if m["message_id"] == where["message_id"])
    assert gone_back["text"].endswith(texts.WENT_BACK) and buttons(gone_back) == []
    assert young.last()["text"].startswith("Question 1 of 6")
    await young.tap("😐 OK")
    await young.command("skip")
    assert young.last()["text"].startswith("Question 3 of 6")
    await young.command("back")
    assert young.last()["text"].startswith("Question 2 of 6")
    async with db.reader() as session:
        rows = (await session.execute(select(AnswerRow.question_id, AnswerRow.skipped))).all()
    assert ("where", True) in [tuple(r) for r in rows]


async def test_a_required_question_cannot_be_skipped(young: YoungPerson, code: str) -> None:
    await joined(young, code)
    await young.tap("Good")
    await young.tap("At school")
    await young.tap("Done")  # nothing ticked: this one may be skipped
    chair = young.last()
    assert chair["text"] == "Question 4 of 6\nWould you like to chair your meeting?"
    assert "Skip" not in buttons(chair)
    await young.command("skip")
    assert young.texts()[-2:] == ["This one needs an answer, sorry.", chair["text"]]


# ----- buttons that are stale or forged --------------------------------------------------


async def test_a_stale_button_is_refused_kindly_and_the_current_question_shown(
    young: YoungPerson, code: str, state: BotApiState, db: Database
) -> None:
    await joined(young, code)
    mood = young.last()
    await young.tap("Good")
    data = next(b["callback_data"] for row in mood["reply_markup"]["inline_keyboard"] for b in row)
    await young.press(mood["message_id"], data)  # the old question's button, again
    assert "earlier question" in state.callback_answers[-1]["text"]
    assert young.last()["text"].startswith("Question 2 of 6")
    assert await count(db, AnswerRow) == 1


@pytest.mark.parametrize(
    "data",
    [
        "a|mood|5|AAAAAAAAAA",  # made up
        "a|mood|5",  # no tag
        "garbage",
        "x" * 64,
    ],
)
async def test_a_forged_button_is_refused_kindly(
    young: YoungPerson, code: str, state: BotApiState, db: Database, data: str
) -> None:
    await joined(young, code)
    await young.press(young.last()["message_id"], data)
    assert state.callback_answers[-1]["text"] == texts.WRONG_BUTTON
    assert young.last()["text"].startswith("Question 1 of 6")
    assert await count(db, AnswerRow) == 0


async def test_a_button_signed_for_another_chat_is_refused(
    young: YoungPerson, code: str, state: BotApiState, signer: Signer, db: Database
) -> None:
    await joined(young, code)
    stolen = signer.answer(young.user_id + 1, "mood", "5")
    await young.press(young.last()["message_id"], stolen)
    assert state.callback_answers[-1]["text"] == texts.WRONG_BUTTON
    assert await count(db, AnswerRow) == 0
    genuine = signer.answer(young.user_id, "mood", "5")
    await young.press(young.last()["message_id"], genuine)
    assert await count(db, AnswerRow) == 1


# ----- commands ---------------------------------------------------------------------------


async def test_help_privacy_and_unknown_commands(young: YoungPerson, code: str) -> None:
    await young.command("help")
    assert young.last()["text"] == texts.help_text()
    await young.command("privacy")
    assert "What we keep" in young.last()["text"] and NOTICE_END not in young.last()["text"]
    await young.command("frobnicate")
    assert young.last()["text"] == texts.UNKNOWN_COMMAND


async def test_stop_pauses_and_start_carries_on(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    await young.tap("Good")
    await young.command("stop")
    assert young.last()["text"] == texts.STOPPED
    person = await person_row(db)
    assert person.stopped_at is not None
    await young.command("start")
    assert (await person_row(db)).stopped_at is None
    assert "Welcome back" in young.texts()[-2]
    assert young.last()["text"].startswith("Question 2 of 6")


async def test_delete_asks_then_records_a_request_for_an_officer(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    await young.command("delete")
    assert young.last()["text"] == texts.DELETE_ASK
    await young.tap("No, keep it")
    assert young.last()["text"] == texts.DELETE_KEPT
    assert await count(db, RequestRow) == 0
    await young.command("delete")
    await young.tap("Yes, delete")
    assert young.last()["text"] == texts.DELETE_DONE
    assert await count(db, RequestRow, RequestRow.kind == "erasure") == 1
    assert (await person_row(db)).stopped_at is not None
    await young.command("delete")
    await young.tap("Yes, delete")
    assert young.last()["text"] == texts.DELETE_ALREADY
    assert await count(db, RequestRow) == 1


async def test_delete_and_talk_in_an_unknown_chat(young: YoungPerson, db: Database) -> None:
    await young.command("delete")
    assert young.last()["text"] == texts.NOTHING_TO_DELETE
    await young.command("talk")
    assert young.last()["text"] == texts.NOT_LINKED
    assert await count(db, RequestRow) == 0


async def test_talk_records_one_request(young: YoungPerson, code: str, db: Database) -> None:
    await joined(young, code)
    await young.command("talk")
    assert young.last()["text"] == texts.TALK_DONE
    await young.command("talk")
    assert young.last()["text"] == texts.TALK_ALREADY
    assert await count(db, RequestRow, RequestRow.kind == "talk") == 1


async def test_mydata_asks_the_team_for_a_copy_and_says_what_happens_next(
    young: YoungPerson, code: str, db: Database
) -> None:
    await young.command("mydata")
    assert young.last()["text"] == texts.NOTHING_HELD
    await joined(young, code)
    await young.command("mydata")
    said = young.last()["text"]
    assert "one month" in said and "can't send it in this chat" in said
    await young.command("mydata")
    assert young.last()["text"] == texts.ACCESS_ALREADY
    assert await count(db, RequestRow, RequestRow.kind == "access") == 1


def test_the_privacy_notice_states_how_long_things_are_kept() -> None:
    notice = texts.privacy_notice("Testshire", "your words 2 years after the survey closes")
    assert "How long we keep it: your words 2 years after the survey closes." in notice
    assert "/mydata" in notice and "/delete" in notice


# ----- help now and safeguarding ---------------------------------------------------------


@pytest.mark.parametrize("words", [texts.HELP_BUTTON, "I need help now"])
async def test_i_need_help_now_at_any_point_alerts_an_officer(
    state: BotApiState,
    conversations: ConversationService,
    reach: Reach,
    code: str,
    db: Database,
    words: str,
) -> None:
    woken: list[bool] = []
    request = FakeRequest(state)
    app = build_application(
        CONFIG, conversations, reach, request=request, on_alert=lambda: woken.append(True)
    )
    await app.initialize()
    try:
        young = YoungPerson(state, app, 5002)
        await joined(young, code)
        await young.say(words)
        assert young.texts()[-2].startswith("Thank you for telling us. You are not in trouble.")
        check_in = young.last()  # the help stays in view: carry on, or stop for now?
        assert check_in["text"].startswith("Would you like to carry on")
        assert buttons(check_in) == ["Carry on", "Stop for now"]
        await young.say(words)  # pressed again: joins the open alert
        await young.tap("Carry on")
    finally:
        await app.shutdown()
    assert young.last()["text"].startswith("Question 1 of 6")  # and then the question again
    assert "Carry on" in young.texts()[-2]  # the check-in now reads as answered
    assert await count(db, SafeguardingAlertRow) == 1
    assert await count(db, OutboxRow, OutboxRow.kind == "alert") == 1
    assert woken == [True, True]


async def test_help_in_an_unknown_chat_still_gets_the_help_reply(
    young: YoungPerson, db: Database
) -> None:
    await young.say("I need help now")
    assert young.last()["text"].startswith("Thank you for telling us.")


# ----- anything else ---------------------------------------------------------------------


async def test_stickers_photos_voice_locations_documents_get_a_kind_word(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    maker, uid = young.maker, young.user_id
    for update, reply in (
        (maker.sticker(uid), texts.NOT_TEXT),
        (maker.photo(uid), texts.NOT_TEXT),
        (maker.voice(uid), texts.VOICE),
        (maker.location(uid, 51.5, -0.1), texts.NOT_TEXT),
        (maker.document(uid), texts.NOT_TEXT),
    ):
        await young.app.process_update(update)
        assert young.last()["text"] == reply
    assert await count(db, AnswerRow) == 0


async def test_a_worrying_caption_is_read(young: YoungPerson, code: str, db: Database) -> None:
    await joined(young, code)
    await young.app.process_update(young.maker.photo(young.user_id, caption="I want to die"))
    assert await count(db, SafeguardingAlertRow) == 1


async def test_edits_are_not_answers_but_worrying_edits_are_read(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    await young.tap("Good")
    await young.tap("At school")
    sent = young.state.user_sends_text(young.user_id, "1", deliver=False)["message"]
    await young.app.process_update(young.maker.edit(young.user_id, sent["message_id"], "2"))
    assert young.last()["text"] == texts.EDITED
    assert await count(db, SafeguardingAlertRow) == 0
    edit = young.maker.edit(young.user_id, sent["message_id"], "someone hurts me at home")
    await young.app.process_update(edit)
    assert await count(db, SafeguardingAlertRow) == 1


async def test_group_and_channel_chats_are_ignored(
    state: BotApiState,
    app: Application,  # type: ignore[type-arg]
    code: str,
    db: Database,
) -> None:
    maker = UpdateMaker(state, app.bot)
    await app.process_update(maker.group_text(-100, 5003, f"/start {code}"))
    await app.process_update(maker.group_text(-100, 5003, "I need help now"))
    await app.process_update(maker.group_text(-200, 5003, "hello", chat_type="supergroup"))
    post = state.push_update(
        "channel_post",
        {"message_id": 1, "date": 0, "chat": {"id": -300, "type": "channel"}, "text": "hi"},
        deliver=False,
    )
    await app.process_update(maker_update(post, app))
    assert state.messages_to(-100) == [] and state.messages_to(-200) == []
    assert await count(db, ChannelLinkRow) == 0


def maker_update(data: dict[str, Any], app: Application) -> Any:  # type: ignore[type-arg]
    return make_update(data, app.bot)


async def test_a_long_message_from_the_bot_is_split(
    young: YoungPerson, code: str, conversations: ConversationService, monkeypatch: Any
) -> None:
    long_text = ("All about your review. " * 400).strip()

    async def long_open(**_: Any) -> Turn:
        return Turn((Prompt(PromptKind.NOTICE, long_text),))

    await joined(young, code)
    monkeypatch.setattr(conversations, "open", long_open)
    before = len(young.messages())
    await young.command("start")
    parts = young.texts()[before:]
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == long_text.split()


# ----- once only, blocking, errors --------------------------------------------------------


async def test_a_redelivered_update_is_handled_once(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    question = young.last()
    data = next(b["callback_data"] for b in question["reply_markup"]["inline_keyboard"][0])
    press = young.maker.button(young.user_id, question["message_id"], data)
    await young.app.process_update(press)
    await young.app.process_update(press)  # Telegram sends it again
    typed = young.maker.text(young.user_id, "At school")
    await young.app.process_update(typed)
    await young.app.process_update(typed)
    assert await count(db, AnswerRow) == 2
    assert await count(db, InboundMessageRow) == 2
    assert young.last()["text"].startswith("Question 3 of 6")  # shown where they are


async def test_blocking_the_bot_marks_the_young_person_unreachable(
    young: YoungPerson, code: str, db: Database
) -> None:
    await joined(young, code)
    blocked = young.state.user_blocks_bot(young.user_id, deliver=False)
    assert blocked is not None
    await young.app.process_update(maker_update(blocked, young.app))
    assert (await person_row(db)).unreachable_at is not None
    unblocked = young.state.user_unblocks_bot(young.user_id, deliver=False)
    assert unblocked is not None
    await young.app.process_update(maker_update(unblocked, young.app))
    assert (await person_row(db)).unreachable_at is None


async def test_an_error_gets_an_apology_and_a_log_without_personal_data(
    young: YoungPerson,
    code: str,
    conversations: ConversationService,
    monkeypatch: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await joined(young, code)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"boom with {args!r}")  # the message holds the young person's words

    monkeypatch.setattr(conversations, "handle", broken)
    with caplog.at_level(logging.DEBUG):
        await young.say("My secret words")
    assert young.last()["text"] == texts.SOMETHING_WRONG
    assert "RuntimeError" in caplog.text
    assert "My secret words" not in caplog.text


# A record's clock and process numbers (created, msecs, thread ids...) can hold any digits,
# the chat id's among them: they are not what a log line says, so they are left out.
_BOOKKEEPING = {"created", "msecs", "relativeCreated", "thread", "process", "lineno"}


def _worded(record: logging.LogRecord) -> dict[str, object]:
    """What a record carries beyond its clock and process numbers: message, args, extras."""
    return {k: v for k, v in vars(record).items() if k not in _BOOKKEEPING}


async def test_logs_never_hold_chat_ids_names_or_words(
    young: YoungPerson, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await joined(young, code)
        await young.tap("Good")
        await young.say("school")
        await young.say("I want to die")
        await young.command("talk")
        await young.command("stop")
    logged = " ".join(
        f"{r.getMessage()} {_worded(r)}"
        for r in caplog.records
        if r.name.split(".")[0] in ("bot", "storage", "surveys", "carevoice", "api")
    )
    assert str(young.user_id) not in logged
    assert "want to die" not in logged
    assert f"User{young.user_id}" not in logged
    assert code not in logged


async def test_callback_data_stays_within_64_bytes_for_the_longest_ids(signer: Signer) -> None:
    longest = "q" * 31
    data = signer.answer(2**52, longest, "o" * 31)
    assert len(data.encode()) <= 64
    button = signer.decode(2**52, data)
    assert button is not None and button.kind is ButtonKind.ANSWER
    assert button.fields[1] == "o" * 31


async def test_an_invitation_button_starts_the_survey(
    young: YoungPerson, code: str, db: Database, signer: Signer
) -> None:
    await joined(young, code)
    async with db.reader() as session:
        invitation_id = await session.scalar(select(ResponseRow.invitation_id))
    assert invitation_id is not None
    data = signer.encode(young.user_id, ButtonKind.INVITATION, str(invitation_id))
    await young.press(young.last()["message_id"], data)
    assert young.last()["text"].startswith("Question 1 of 6")
    other = signer.encode(young.user_id, ButtonKind.INVITATION, str(invitation_id + 99))
    await young.press(young.last()["message_id"], other)
    assert young.state.callback_answers[-1]["text"] == texts.WRONG_BUTTON


async def test_service_messages_are_left_alone(young: YoungPerson) -> None:
    chat = {"id": young.user_id, "type": "private", "first_name": "Sam"}
    sender = {"id": young.user_id, "is_bot": False, "first_name": "Sam"}
    for extra in (
        {"write_access_allowed": {}},
        {"contact": {"phone_number": "1", "first_name": "A"}},
    ):
        update = young.state.push_update(
            "message",
            {"message_id": 900, "date": 0, "chat": chat, "from": sender, **extra},
            deliver=False,
        )
        await young.app.process_update(make_update(update, young.app.bot))
    assert young.texts() == [texts.NOT_TEXT]  # the contact only


async def test_an_error_while_handling_an_error_is_logged_quietly(
    young: YoungPerson,
    code: str,
    conversations: ConversationService,
    monkeypatch: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await joined(young, code)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"boom with {args!r}")

    monkeypatch.setattr(conversations, "handle", broken)
    young.state.user_blocks_bot(young.user_id, deliver=False)  # the apology cannot be sent
    update = young.maker.text(young.user_id, "My secret words")
    with caplog.at_level(logging.DEBUG):
        await young.app.process_update(update)
    assert "error handling failed too: Forbidden" in caplog.text
    assert "My secret words" not in caplog.text and "Traceback" not in caplog.text
