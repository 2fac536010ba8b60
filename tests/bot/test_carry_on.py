"""A new phone on Telegram: a second Telegram account opening a code already started
elsewhere carries on only after the check the web chat asks (the PIN chosen at the start,
or first name and birth month), with the same throttle; the first account is untouched."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update
from telegram.ext import Application

from bot import texts
from storage.campaigns import reprint_invitation
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.tables import ChannelLinkRow, InvitationRow, PersonRow
from surveys.clock import FixedClock
from surveys.engine import UserInput
from surveys.errors import InvitationError
from tests.bot.conftest import YoungPerson
from tests.factories import campaign_with_codes
from tests.telegram_emulator import BotApiState

OLD_PHONE = "web-browser-1"


async def _started(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    *,
    pin: str | None,
) -> str:
    """A code started on another device (the web chat), one question answered."""
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel="web", address=OLD_PHONE, pin=pin)
    await conversations.handle(
        UserInput(option="4", question_id="mood"), channel="web", address=OLD_PHONE
    )
    return code


async def _asked(young: YoungPerson, code: str) -> dict[str, object]:
    await young.command("start", code)
    await young.tap("Yes")
    prompt = young.last()
    assert str(prompt["text"]).startswith("You started this chat on another phone")
    return prompt


async def _reply(young: YoungPerson, prompt: dict[str, object], text: str) -> None:
    update = young.maker.text(young.user_id, text, reply_to_message_id=prompt["message_id"])
    await young.app.process_update(update)


async def _links(db: Database) -> set[str]:
    async with db.reader() as session:
        return set((await session.scalars(select(ChannelLinkRow.channel))).all())


async def test_a_new_telegram_account_carries_on_after_the_pin(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    young: YoungPerson,
) -> None:
    code = await _started(db, catalog, clock, conversations, pin="4821")
    prompt = await _asked(young, code)
    assert "PIN" in str(prompt["text"])
    assert await _links(db) == {"web"}  # nothing linked before the check

    await _reply(young, prompt, "please help he hurts me")  # words, not a PIN: help first
    assert "0800 1111" in str(young.last()["text"])
    await _reply(young, prompt, "1234")
    assert young.last()["text"] == texts.carry_on_refused(4, None)
    assert await _links(db) == {"web"}

    await _reply(young, prompt, "4821")
    assert "Where should the meeting be?" in "\n".join(young.texts()[-3:])  # where they were
    assert await _links(db) == {"web", "telegram"}
    assert "4821" not in young.texts()  # their PIN is deleted from the chat


async def test_first_name_and_birth_month_when_no_pin_was_chosen(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    young: YoungPerson,
) -> None:
    code = await _started(db, catalog, clock, conversations, pin=None)
    async with db.transaction() as session:
        await session.execute(
            update(PersonRow).values(first_name="Kayleigh", date_of_birth=date(2008, 7, 9))
        )
    prompt = await _asked(young, code)
    assert "first name and the month of your birthday" in str(prompt["text"])

    await _reply(young, prompt, "kayleigh")  # no month: asked again, not counted
    assert young.last()["text"] == texts.CARRY_ON_NOT_READ
    await _reply(young, prompt, "Kayleigh August")
    assert young.last()["text"] == texts.carry_on_refused(2, None)  # 12 months: 3 tries
    await _reply(young, prompt, "kayleigh jul")
    assert "Where should the meeting be?" in "\n".join(young.texts()[-3:])
    assert await _links(db) == {"web", "telegram"}


async def test_three_wrong_months_and_only_a_new_letter_will_do(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    young: YoungPerson,
) -> None:
    """Someone holding the letter knows the first name it greets; with 15 tries they could
    name every month (a tester's finding)."""
    code = await _started(db, catalog, clock, conversations, pin=None)
    async with db.transaction() as session:
        await session.execute(
            update(PersonRow).values(first_name="Kayleigh", date_of_birth=date(2008, 7, 9))
        )
    prompt = await _asked(young, code)
    for month in ("January", "February", "March"):
        await _reply(young, prompt, f"Kayleigh {month}")
    await _reply(young, prompt, "Kayleigh July")  # right, but too late
    assert "Where should the meeting be?" not in "\n".join(young.texts()[-3:])
    assert await _links(db) == {"web"}
    with pytest.raises(InvitationError, match="new letter"):  # a new chat is told at once
        await conversations.resume_check(code)
    await young.command("start", code)  # on Telegram too, instead of the check again
    await young.tap("Yes")
    assert "new letter" in str(young.last()["text"])
    async with db.transaction() as session:  # the officer prints a new letter
        invitation = await session.scalar(select(InvitationRow))
        assert invitation is not None
        new = await reprint_invitation(session, invitation.id, clock)
    turn = await conversations.redeem(new.code, channel="web", address="another-phone")
    assert "Where should the meeting be?" in " ".join(p.text for p in turn.prompts)


async def test_wrong_answers_are_throttled_like_the_web(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    young: YoungPerson,
) -> None:
    code = await _started(db, catalog, clock, conversations, pin="4821")
    prompt = await _asked(young, code)
    for guess in ("0000", "1111", "2222", "3333", "4444"):
        await _reply(young, prompt, guess)
    assert young.last()["text"] == texts.carry_on_refused(0, 15)
    await _reply(young, prompt, "4821")  # even the right PIN waits
    assert young.last()["text"] == texts.carry_on_refused(0, 15)
    assert await _links(db) == {"web"}
    async with db.reader() as session:
        failures = await session.scalar(select(InvitationRow.resume_failures))
    assert failures == 5  # counted on the invitation, whichever channel tried

    clock.advance(minutes=16)
    await _reply(young, prompt, "4821")
    assert await _links(db) == {"web", "telegram"}


async def test_a_code_with_nothing_to_check_still_needs_a_new_letter(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    young: YoungPerson,
    state: BotApiState,
    app: Application,  # type: ignore[type-arg]
) -> None:
    code = await _started(db, catalog, clock, conversations, pin=None)  # no name, no birthday
    await young.command("start", code)
    await young.tap("Yes")
    assert "ask your worker for a new letter" in str(young.last()["text"])
    assert await _links(db) == {"web"}
    stranger = YoungPerson(state, app, 5002)  # a made-up prompt proves nothing
    await stranger.say(texts.carry_on_prompt(code, pin=True))
    assert await _links(db) == {"web"}


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Sam March", ("Sam", 3)),
        ("march sam", ("sam", 3)),
        ("Sam-Lee Sept.", ("Sam-Lee", 9)),
        ("Ceri Mawrth", ("Ceri", 3)),  # Welsh
        ("medi Ceri", ("Ceri", 9)),
        ("Gwen Gorff", ("Gwen", 7)),
        ("سارة مارس", ("سارة", 3)),  # Arabic
        ("سارة ٣", ("سارة", 3)),  # Arabic-Indic digits
        ("Sam", None),
        ("Sam Smith", None),
    ],
)
def test_the_name_and_month_are_read_in_every_shipped_language(
    typed: str, read: tuple[str, int] | None
) -> None:
    assert texts.name_and_month(typed) == read


async def test_an_old_letters_code_says_a_newer_letter_replaced_it(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    young: YoungPerson,
) -> None:
    code = await _started(db, catalog, clock, conversations, pin="4821")
    async with db.transaction() as session:
        invitation = await session.scalar(select(InvitationRow))
        assert invitation is not None
        new = await reprint_invitation(session, invitation.id, clock)
    await young.command("start", code)
    said = str(young.last()["text"])
    assert "replaced by a newer letter" in said and "Anything you answered is kept" in said
    await young.command("start", "K7MQ-2X9P-H3TD")  # a guess is still only a guess
    assert "don't recognise that code" in str(young.last()["text"])
    await young.command("start", new.code)  # the newest letter carries on, unchecked
    await young.tap("Yes")
    assert await _links(db) == {"web", "telegram"}
