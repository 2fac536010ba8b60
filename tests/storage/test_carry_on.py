"""Carrying on a started link in a new chat (another phone or browser): the check, its
throttle, and a reprinted letter that hands the response over."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService, ResumeAsk, ResumeCheck, ResumeRefused
from storage.database import Database
from storage.erasure import erase_person
from storage.tables import InvitationRow, PersonRow, RetiredCodeRow
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from surveys.errors import InvitationError
from tests.factories import campaign_with_codes

WEB = "web"


async def started(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService,
    *, pin: str | None = "4821",
) -> str:  # fmt: skip
    """A code redeemed on the first phone, one question answered."""
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=WEB, address="phone-1", pin=pin)
    await conversations.handle(UserInput(option="4", question_id="mood"), channel=WEB,
                               address="phone-1")  # fmt: skip
    return code


async def test_the_pin_chosen_at_the_start_lets_them_carry_on_elsewhere(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    code = await started(db, catalog, clock, conversations)
    async with db.reader() as session:
        stored = await session.scalar(select(InvitationRow.pin_hash))
    assert stored is not None and "4821" not in stored
    with pytest.raises(InvitationError) as caught:
        await conversations.redeem(code, channel=WEB, address="phone-2")
    assert caught.value.reason == "started"
    assert await conversations.resume_check(code) is ResumeAsk.PIN
    with pytest.raises(ResumeRefused) as refused:
        await conversations.resume(code, ResumeCheck(pin="1234"), channel=WEB, address="phone-2")
    assert refused.value.tries_left == 4 and refused.value.wait_until is None
    turn = await conversations.resume(
        code, ResumeCheck(pin="4821"), channel=WEB, address="phone-2"
    )
    assert turn.current_question == "where"  # where they were, not the start
    again = await conversations.open(channel=WEB, address="phone-2")
    assert again.response_id == turn.response_id


async def test_wrong_answers_wait_then_lock_and_are_counted_durably(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    code = await started(db, catalog, clock, conversations)
    wrong = ResumeCheck(pin="0000")
    for _ in range(4):
        with pytest.raises(ResumeRefused):
            await conversations.resume(code, wrong, channel=WEB, address="thief")
    with pytest.raises(ResumeRefused) as fifth:
        await conversations.resume(code, wrong, channel=WEB, address="thief")
    assert fifth.value.wait_until is not None
    with pytest.raises(ResumeRefused) as waiting:  # even the right PIN waits
        await conversations.resume(code, ResumeCheck(pin="4821"), channel=WEB, address="x")
    assert waiting.value.wait_until == fifth.value.wait_until
    for _ in range(2):
        for _ in range(5):
            clock.advance(hours=2)
            with pytest.raises((ResumeRefused, InvitationError)):
                await conversations.resume(code, wrong, channel=WEB, address="thief")
    with pytest.raises(InvitationError) as locked:
        await conversations.resume(code, ResumeCheck(pin="4821"), channel=WEB, address="x")
    assert locked.value.reason == "locked"
    async with db.reader() as session:
        assert await session.scalar(select(InvitationRow.resume_failures)) == 15
    # a reprinted letter hands over to the first new chat, and forgets the wrong answers
    async with db.transaction() as session:
        invitation = await session.scalar(select(InvitationRow))
        assert invitation is not None
        reprinted = await campaign_store.reprint_invitation(session, invitation.id, clock)
    with pytest.raises(InvitationError) as old:
        await conversations.redeem(code, channel=WEB, address="phone-3")
    assert old.value.reason == "replaced"
    turn = await conversations.redeem(reprinted.printed.lower(), channel=WEB, address="phone-3")
    assert turn.current_question == "where"
    with pytest.raises(InvitationError) as next_one:  # handed over once only
        await conversations.redeem(reprinted.code, channel=WEB, address="phone-4")
    assert next_one.value.reason == "started"


async def test_first_name_and_birth_month_when_no_pin_was_chosen(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    code = await started(db, catalog, clock, conversations, pin=None)
    assert await conversations.resume_check(code) is ResumeAsk.NONE  # nothing to check
    with pytest.raises(InvitationError) as caught:
        await conversations.resume(code, ResumeCheck(pin="1"), channel=WEB, address="p2")
    assert caught.value.reason == "started"
    async with db.transaction() as session:
        await session.execute(update(PersonRow).values(first_name="Kayleigh",
                                                       date_of_birth=date(2012, 7, 9)))
    assert await conversations.resume_check(code) is ResumeAsk.NAME_AND_MONTH
    with pytest.raises(ResumeRefused):
        await conversations.resume(code, ResumeCheck(first_name="Kayleigh", birth_month=8),
                                   channel=WEB, address="p2")  # fmt: skip
    turn = await conversations.resume(code, ResumeCheck(first_name=" kayleigh ", birth_month=7),
                                      channel=WEB, address="p2")  # fmt: skip
    assert turn.current_question == "where"


async def test_carrying_on_by_name_and_month_shows_and_changes_nothing_said_before(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    """Found by an attacker: a carer with the letter and the child's birth month carried
    on, pressed Back, read the child's words and wrote over them. A first name and birth
    month are known to others; what was answered before that carry-on is sealed."""
    code = await started(db, catalog, clock, conversations, pin=None)
    async with db.transaction() as session:
        await session.execute(update(PersonRow).values(first_name="Kayleigh",
                                                       date_of_birth=date(2012, 7, 9)))
    turn = await conversations.resume(code, ResumeCheck(first_name="Kayleigh", birth_month=7),
                                      channel=WEB, address="carer")  # fmt: skip
    assert turn.current_question == "where"
    [asked] = [p for p in turn.prompts if p.question_id == "where"]
    assert "back" not in {o.command for o in asked.options if o.command is not None}
    back = await conversations.handle(UserInput(command=Command.BACK), channel=WEB,
                                      address="carer")  # fmt: skip
    assert back.current_question == "where"
    assert "carried on here" in " ".join(p.text for p in back.prompts)
    # the young person's own phone cannot go back past it either (one response, one state)
    mine = await conversations.handle(UserInput(command=Command.BACK), channel=WEB,
                                      address="phone-1")  # fmt: skip
    assert mine.current_question == "where"


async def test_carrying_on_with_the_pin_still_lets_them_go_back(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    code = await started(db, catalog, clock, conversations)
    await conversations.resume(code, ResumeCheck(pin="4821"), channel=WEB, address="phone-2")
    back = await conversations.handle(UserInput(command=Command.BACK), channel=WEB,
                                      address="phone-2")  # fmt: skip
    assert back.current_question == "mood"


async def test_a_young_person_back_on_an_answered_question_is_moved_past_what_is_sealed(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    code = await started(db, catalog, clock, conversations, pin=None)
    await conversations.handle(UserInput(command=Command.BACK), channel=WEB, address="phone-1")
    async with db.transaction() as session:
        await session.execute(update(PersonRow).values(first_name="Kayleigh",
                                                       date_of_birth=date(2012, 7, 9)))
    turn = await conversations.resume(code, ResumeCheck(first_name="Kayleigh", birth_month=7),
                                      channel=WEB, address="carer")  # fmt: skip
    assert turn.current_question == "where"  # not "mood", with its answer shown
    assert all(p.previous is None for p in turn.prompts)


async def test_an_old_letters_code_says_a_newer_letter_replaced_it(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    code = await started(db, catalog, clock, conversations)
    async with db.transaction() as session:
        invitation = await session.scalar(select(InvitationRow))
        assert invitation is not None
        second = await campaign_store.reprint_invitation(session, invitation.id, clock)
        third = await campaign_store.reprint_invitation(session, invitation.id, clock)
    for old in (code, second.code):  # every earlier letter, on every path a code takes
        for attempt in (
            conversations.redeem(old, channel=WEB, address="phone-9"),
            conversations.resume_check(old),
            conversations.resume(old, ResumeCheck(pin="4821"), channel=WEB, address="phone-9"),
        ):
            with pytest.raises(InvitationError) as refused:
                await attempt
            assert refused.value.reason == "replaced"
            assert "newer letter" in str(refused.value) and "kept" in str(refused.value)
        assert (await conversations.unknown_code(old)).reason == "replaced"
    assert (await conversations.unknown_code("K7MQ2X9PH3TD")).reason == "unknown"  # a guess
    turn = await conversations.redeem(third.code, channel=WEB, address="phone-9")
    assert turn.current_question == "where"  # the newest letter carries on

    async with db.transaction() as session:
        ref = await session.scalar(select(PersonRow.council_ref))
        assert ref is not None
        await erase_person(session, clock, ref, actor="test")
    async with db.reader() as session:
        assert await session.scalar(select(RetiredCodeRow.code_hash)) is None
    assert (await conversations.unknown_code(code)).reason == "unknown"
