"""On Telegram: a worker's reply reaches the child through the outbox; /message sends a
message at any time (three kinds), through the safeguarding net."""

from __future__ import annotations

from sqlalchemy import select

from bot import texts
from bot.callbacks import ButtonKind, Signer
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.outbox import Outbox
from storage.replies import write_reply
from storage.tables import ContactMessageRow, ReplyRow, SafeguardingAlertRow
from surveys.clock import FixedClock
from tests.bot.conftest import YoungPerson
from tests.bot.test_sender import drain, sender_for
from tests.factories import campaign_with_codes
from tests.telegram_emulator import BotApiState


async def test_a_workers_reply_reaches_the_child_on_telegram(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    state: BotApiState,
    outbox: Outbox,
    young: YoungPerson,
) -> None:
    _, codes = await campaign_with_codes(db, catalog, clock)
    turn = await conversations.redeem(codes[0], channel="telegram", address=str(young.user_id))
    assert turn.response_id is not None
    async with db.transaction() as session:
        await write_reply(
            session, clock, actor="Sam (cv_1)", text="Thanks, I'll be in touch about school.",
            response_id=turn.response_id,
        )  # fmt: skip
    bot, sender = await sender_for(state, outbox)
    await drain(sender)
    await bot.shutdown()
    assert any("A reply from your worker" in t and "about school" in t for t in young.texts())
    async with db.reader() as session:
        reply = await session.scalar(select(ReplyRow))
    assert reply is not None and reply.delivered_at is not None


async def test_message_at_any_time_goes_to_officers_and_through_the_net(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    young: YoungPerson,
) -> None:
    await young.command("message")
    assert texts.NOT_LINKED in young.texts()[-1]  # not linked yet: nothing stored

    _, codes = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(codes[0], channel="telegram", address=str(young.user_id))
    await young.command("message")
    await young.tap("Something's wrong")
    prompt = young.last()
    assert prompt["text"] == texts.CONTACT_PROMPTS["wrong"]
    assert prompt["reply_markup"].get("force_reply") is True
    update = young.maker.text(
        young.user_id, "nobody would care if i wasnt here", reply_to_message_id=prompt["message_id"]
    )
    await young.app.process_update(update)
    assert texts.CONTACT_SENT in young.texts()
    assert any("0800 1111" in t for t in young.texts())  # help first, as for an answer
    await young.app.process_update(update)  # the same update again: stored once

    await young.command("message")
    await young.tap("Good news")
    good = young.last()
    await young.app.process_update(
        young.maker.text(young.user_id, "I passed my exams", reply_to_message_id=good["message_id"])
    )
    async with db.reader() as session:
        messages = (await session.scalars(select(ContactMessageRow).order_by(
            ContactMessageRow.id))).all()  # fmt: skip
        alerts = (await session.scalars(select(SafeguardingAlertRow))).all()
    assert [(m.kind, m.text, m.alerted) for m in messages] == [
        ("wrong", "nobody would care if i wasnt here", True),
        ("good_news", "I passed my exams", False),
    ]
    assert alerts and all(a.source == "message" and a.words == messages[0].text for a in alerts)


async def test_a_message_button_with_a_missing_or_unknown_kind_is_refused_kindly(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    state: BotApiState,
    signer: Signer,
    young: YoungPerson,
) -> None:
    _, codes = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(codes[0], channel="telegram", address=str(young.user_id))
    await young.command("message")
    menu = young.last()
    for fields in ((), ("nope",), ("wrong", "extra")):
        await young.press(
            menu["message_id"], signer.encode(young.user_id, ButtonKind.CONTACT, *fields)
        )
    answers = [a.get("text") for a in state.callback_answers]
    assert answers[-3:] == [texts.WRONG_BUTTON] * 3
    assert young.last()["message_id"] == menu["message_id"]  # nothing asked
