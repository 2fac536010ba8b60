"""Messages at any time, replies and "you said, we did" in the store: dedupe, alerts in
the same commit, delivery through the outbox, quiet hours and /stop, statements once per
young person by cohort and survey, and erasure and retention of the words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.catalog import SurveyCatalog
from storage.contact import Contact, ContactKind, issue_contact_link
from storage.conversations import AlertRecipient, ConversationService
from storage.database import Database
from storage.erasure import apply_retention, erase_person
from storage.outbox import Outbox, QuietHours
from storage.replies import (
    replies_to,
    take_web_replies,
    thread,
    web_replies_waiting,
    withdraw_reply,
    write_reply,
)
from storage.statements import publish, take_for_person
from storage.tables import (
    AuditLogRow,
    ChannelLinkRow,
    ContactLinkRow,
    ContactMessageRow,
    OutboxRow,
    PersonRow,
    ReplyRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.people import Cohort
from tests.factories import person, small_survey
from tests.fakes import FakeScorer

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def watched(
    db: Database, catalog: SurveyCatalog, scorer: FakeScorer, clock: FixedClock
) -> ConversationService:
    """Conversations whose alerts notify one officer on Telegram."""
    return ConversationService(
        db, catalog, scorer, clock, alert_recipients=(AlertRecipient("telegram", "9001"),)
    )


async def _link(db: Database, person_id: int, chat: str) -> None:
    async with db.transaction() as session:
        session.add(
            ChannelLinkRow(person_id=person_id, channel="telegram", address=chat, linked_at=NOON)
        )


async def test_a_message_is_stored_once_and_risk_raises_an_alert_in_the_same_commit(
    db: Database, clock: FixedClock, watched: ConversationService
) -> None:
    clock.at = NOON
    who = await person(db, clock)
    contact = Contact(db, clock, watched)
    sent = await contact.send(
        who, ContactKind.WRONG, "  he hurts me  ", channel="telegram", message_key="k1"
    )
    again = await contact.send(
        who, ContactKind.WRONG, "he hurts me", channel="telegram", message_key="k1"
    )
    assert sent.alert_ids and not sent.duplicate
    assert again.duplicate and again.message_id == sent.message_id
    with pytest.raises(ValidationError, match="write a message first"):
        await contact.send(who, ContactKind.TALK, "   ", channel="web")
    async with db.reader() as session:
        messages = (await session.scalars(select(ContactMessageRow))).all()
        alerts = (await session.scalars(select(SafeguardingAlertRow))).all()
        notices = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "alert"))).all()
    assert [(m.text, m.alerted) for m in messages] == [("he hurts me", True)]
    assert len(alerts) == len(sent.alert_ids) and len(notices) == len(alerts)
    expected = {("message", None, "he hurts me")}
    assert {(a.source, a.question_id, a.words) for a in alerts} == expected
    assert all(a.response_id is None and a.person_id == who for a in alerts)


async def test_a_message_with_several_signs_of_risk_raises_one_alert(
    db: Database, clock: FixedClock, watched: ConversationService
) -> None:
    clock.at = NOON
    who = await person(db, clock)
    sent = await Contact(db, clock, watched).send(
        who, ContactKind.WRONG, "my dad hits me and i want to die", channel="telegram"
    )
    async with db.reader() as session:
        [alert] = (await session.scalars(select(SafeguardingAlertRow))).all()
        notices = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "alert"))).all()
    assert sent.alert_ids == (alert.id,) and len(notices) == 1
    assert alert.category == "suicide" and alert.categories == "suicide harmed_or_abused"


async def test_a_reply_goes_by_telegram_within_quiet_hours_and_not_after_stop(
    db: Database, clock: FixedClock, conversations: ConversationService
) -> None:
    clock.at = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)  # 10pm in the UK: quiet
    who = await person(db, clock)
    await _link(db, who, "777")
    message = await Contact(db, clock, conversations).send(
        who, ContactKind.TALK, "can we talk", channel="telegram"
    )
    async with db.transaction() as session:
        reply = await write_reply(
            session, clock, actor="Sam", text="Yes, tomorrow at 4.",
            contact_message_id=message.message_id,
        )  # fmt: skip
    outbox = Outbox(db, clock, quiet=QuietHours())
    assert await outbox.claim(10) == []  # held until 8am
    clock.at = datetime(2026, 1, 6, 8, 30, tzinfo=UTC)
    (item,) = await outbox.claim(10)
    assert item.kind == "reply" and item.payload["text"] == "Yes, tomorrow at 4."
    assert await outbox.mark_sent(item)
    async with db.reader() as session:
        sent = await session.get_one(ReplyRow, reply.id)
        row = await session.get_one(OutboxRow, item.id)
        read = await session.get_one(ContactMessageRow, message.message_id)
        states = await replies_to(session, contact_message_id=message.message_id)
    assert sent.delivered_at is not None
    assert row.payload == {"reply_id": reply.id}  # the words are not kept in the queue
    assert read.read_at is not None and read.read_by == "Sam"
    assert [s.state for s in states] == ["sent on Telegram"]

    async with db.transaction() as session:
        (await session.get_one(PersonRow, who)).stopped_at = clock.now()
        await write_reply(
            session, clock, actor="Sam", text="Are you OK?", contact_message_id=message.message_id
        )
    assert await outbox.claim(10) == []  # said /stop: not sent
    async with db.reader() as session:
        states = await replies_to(session, contact_message_id=message.message_id)
    assert states[-1].state == "not sent: stopped"


async def test_a_web_reply_is_shown_once(
    db: Database, clock: FixedClock, conversations: ConversationService
) -> None:
    who = await person(db, clock)
    message = await Contact(db, clock, conversations).send(
        who, ContactKind.GOOD_NEWS, "I passed", channel="web"
    )
    async with db.transaction() as session:
        await write_reply(
            session, clock, actor="Sam", text="Well done!", contact_message_id=message.message_id
        )
    async with db.transaction() as session:
        assert await take_web_replies(session, who, clock) == ["Well done!"]
    async with db.transaction() as session:
        assert await take_web_replies(session, who, clock) == []


async def test_statements_are_shown_once_by_cohort_and_survey(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    child = await person(db, clock, "C1")
    leaver = await person(db, clock, "L1", cohort=Cohort.CARE_LEAVER, age_band="18-21")
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        await publish(session, clock, actor="o", you_said="a", we_did="for everyone")
        clock.advance(minutes=1)
        await publish(
            session, clock, actor="o", you_said="b", we_did="leavers", cohort="care_leaver"
        )
        clock.advance(minutes=1)
        await publish(session, clock, actor="o", you_said="c", we_did="small", survey_key="small")
        with pytest.raises(ValidationError, match="no survey with key"):
            await publish(session, clock, actor="o", you_said="d", we_did="e", survey_key="zz")
        with pytest.raises(ValidationError, match="unknown cohort"):
            await publish(session, clock, actor="o", you_said="d", we_did="e", cohort="adults")
    async with db.transaction() as session:
        first = [s.we_did for s in await take_for_person(session, child, "other", clock)]
        again = await take_for_person(session, child, "small", clock)
        theirs = [s.we_did for s in await take_for_person(session, leaver, "small", clock)]
    assert first == ["for everyone"]
    assert [s.we_did for s in again] == ["small"]  # each once; the survey's own now
    assert theirs == ["small", "leavers", "for everyone"]


async def test_a_statement_is_read_in_the_language_the_officer_wrote_it_in(
    db: Database, clock: FixedClock
) -> None:
    child = await person(db, clock, "C1")
    welsh = {"cy": ("Roedd y cyfarfodydd yn rhy hir", "Maen nhw'n fyrrach nawr")}
    async with db.transaction() as session:
        made = await publish(
            session, clock, actor="o", you_said="Meetings were too long",
            we_did="They are shorter now", translations={**welsh, "ar": ("", "  ")},
        )  # fmt: skip
        for wrong, match in (({"fr": ("a", "b")}, "no language 'fr'"),
                             ({"en": ("a", "b")}, "no language 'en'"),
                             ({"cy": ("only one part", "")}, r"We did \(Cymraeg\)")):  # fmt: skip
            with pytest.raises(ValidationError, match=match):
                await publish(session, clock, actor="o", you_said="a", we_did="b",
                              translations=wrong)  # fmt: skip
    assert made.translations == welsh  # a blank translation is none
    async with db.transaction() as session:
        [shown] = await take_for_person(session, child, "small", clock)
    assert shown.words("cy") == welsh["cy"]
    assert shown.words("ar") == shown.words("en") == shown.words(None) == (
        "Meetings were too long", "They are shorter now"
    )


async def test_erasure_deletes_and_retention_blanks_the_words(
    db: Database, clock: FixedClock, conversations: ConversationService
) -> None:
    clock.at = NOON
    who = await person(db, clock, "GONE")
    other = await person(db, clock, "STAYS")
    contact = Contact(db, clock, conversations)
    mine = await contact.send(who, ContactKind.TALK, "my words", channel="web")
    async with db.transaction() as session:
        await write_reply(
            session, clock, actor="Sam", text="my reply", contact_message_id=mine.message_id
        )
        await issue_contact_link(session, "GONE", clock)
    clock.advance(days=40)
    kept = await contact.send(other, ContactKind.TALK, "recent words", channel="web")
    async with db.transaction() as session:
        await erase_person(session, clock, "GONE", actor="admin")
    async with db.reader() as session:
        texts = dict(
            (await session.execute(select(ContactMessageRow.id, ContactMessageRow.text))).all()
        )
        reply = await session.scalar(select(ReplyRow.text))
        link = await session.scalar(select(ContactLinkRow))
    assert texts == {kept.message_id: "recent words"}  # the erased person's rows are gone
    assert reply is None and link is None

    clock.advance(days=40)
    async with db.transaction() as session:
        await apply_retention(session, clock, older_than_days=30)
    async with db.reader() as session:
        assert (await session.get_one(ContactMessageRow, kept.message_id)).text is None
    assert clock.now() - NOON == timedelta(days=80)


async def test_a_reply_withdrawn_before_it_goes_is_never_sent_nor_shown(
    db: Database, clock: FixedClock, conversations: ConversationService
) -> None:
    who = await person(db, clock)
    await _link(db, who, "777")
    contact = Contact(db, clock, conversations)
    message = await contact.send(who, ContactKind.TALK, "can we talk", channel="telegram")
    async with db.transaction() as session:
        wrong = await write_reply(
            session, clock, actor="Sam", text="Meant for someone else",
            contact_message_id=message.message_id,
        )  # fmt: skip
        right = await write_reply(
            session, clock, actor="Sam", text="Yes, tomorrow at 4.",
            contact_message_id=message.message_id,
        )  # fmt: skip
    async with db.transaction() as session:
        states = await replies_to(session, contact_message_id=message.message_id)
        assert [s.waiting for s in states] == [True, True]
        await withdraw_reply(session, clock, reply_id=wrong.id, actor="Sam")
    outbox = Outbox(db, clock, quiet=None)
    (item,) = await outbox.claim(10)  # only the right one goes
    assert item.payload["text"] == "Yes, tomorrow at 4."
    async with db.transaction() as session:
        with pytest.raises(ConflictError):  # being sent this minute: too late
            await withdraw_reply(session, clock, reply_id=right.id, actor="Sam")
    assert await outbox.mark_sent(item)
    async with db.transaction() as session:
        with pytest.raises(ConflictError):  # reached them
            await withdraw_reply(session, clock, reply_id=right.id, actor="Sam")
        with pytest.raises(ConflictError):  # already withdrawn
            await withdraw_reply(session, clock, reply_id=wrong.id, actor="Sam")
        with pytest.raises(NotFoundError):
            await withdraw_reply(session, clock, reply_id=right.id + 99, actor="Sam")
    async with db.reader() as session:
        states = await replies_to(session, contact_message_id=message.message_id)
        seen = [item.text for item in await thread(session, who)]
        audited = (await session.scalars(select(AuditLogRow.subject).where(
            AuditLogRow.action == "withdraw reply"))).all()  # fmt: skip
    assert [s.state for s in states] == ["withdrawn: they never saw it", "sent on Telegram"]
    assert [s.waiting for s in states] == [False, False]
    assert "Meant for someone else" not in seen and "Yes, tomorrow at 4." in seen
    assert audited == [f"reply {wrong.id}"]


async def test_a_web_reply_withdrawn_is_never_shown(
    db: Database, clock: FixedClock, conversations: ConversationService
) -> None:
    who = await person(db, clock)
    message = await Contact(db, clock, conversations).send(
        who, ContactKind.GOOD_NEWS, "I passed", channel="web"
    )
    async with db.transaction() as session:
        first = await write_reply(
            session, clock, actor="Sam", text="Wrong words", contact_message_id=message.message_id
        )
        await withdraw_reply(session, clock, reply_id=first.id, actor="Sam")
        assert not await web_replies_waiting(session, who)
        await write_reply(
            session, clock, actor="Sam", text="Well done!", contact_message_id=message.message_id
        )
    async with db.transaction() as session:
        assert await take_web_replies(session, who, clock) == ["Well done!"]
        shown = (await replies_to(session, contact_message_id=message.message_id))[-1]
        with pytest.raises(ConflictError):  # shown: too late
            await withdraw_reply(session, clock, reply_id=shown.id, actor="Sam")
