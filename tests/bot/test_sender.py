"""The outbox sender against the fake Bot API: limits, RetryAfter, blocked users, network
errors, deliveries recorded, and the Start button on an invitation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from telegram import Bot

from bot.callbacks import Signer
from bot.ratelimit import SendLimiter
from bot.sender import OutboxSender, render_item
from storage.alerts import (
    AlertPolicy,
    AlertRecipient,
    alert_categories,
    categories_label,
    escalate_due,
)
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.outbox import Outbox, OutboxItem, RetryPolicy
from storage.reach import Reach
from storage.tables import (
    ChannelLinkRow,
    InvitationRow,
    OutboxRow,
    PersonRow,
    SafeguardingAlertEventRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from surveys.engine import UserInput
from tests.bot.conftest import CONFIG, NO_QUIET, OFFICER, YoungPerson, buttons
from tests.factories import campaign_with_codes
from tests.fakes import FakeScorer
from tests.telegram_emulator import DEFAULT_TOKEN, BotApiState, FakeRequest

FIRST_CHAT = 6000


async def linked_campaign(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, state: BotApiState, people: int
) -> int:
    """A campaign whose young people are all linked on Telegram (and have chats)."""
    campaign_id, _ = await campaign_with_codes(db, catalog, clock, people=people)
    async with db.transaction() as session:
        ids = (await session.scalars(select(PersonRow.id).order_by(PersonRow.id))).all()
        for n, person_id in enumerate(ids):
            session.add(
                ChannelLinkRow(
                    person_id=person_id,
                    channel="telegram",
                    address=str(FIRST_CHAT + n),
                    linked_at=clock.now(),
                )
            )
            state.add_user(FIRST_CHAT + n)
    return campaign_id


async def sender_for(
    state: BotApiState, outbox: Outbox, *, limiter: SendLimiter | None = None
) -> tuple[Bot, OutboxSender]:
    bot = Bot(DEFAULT_TOKEN, base_url=CONFIG.api_url, request=FakeRequest(state))
    await bot.initialize()
    sender = OutboxSender(
        bot,
        outbox,
        Signer(DEFAULT_TOKEN),
        alerts_link=CONFIG.alerts_link,
        limiter=limiter or SendLimiter(1000, 0.0, margin=0.0),
    )
    return bot, sender


async def the_officers_alert(state: BotApiState, outbox: Outbox) -> dict[str, Any]:
    """Run a sender until the officer's chat has a message, and return the one message."""
    _, sender = await sender_for(state, outbox)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    sender.wake()
    for _ in range(200):
        if state.messages_to(OFFICER):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running
    [alert] = state.messages_to(OFFICER)
    return alert


async def drain(sender: OutboxSender) -> None:
    while await sender.send_due():
        pass


async def test_invitations_are_delivered_once_and_recorded(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    reach: Reach,
    outbox: Outbox,
) -> None:
    campaign_id = await linked_campaign(db, catalog, clock, state, 5)
    await reach.queue_invitations(campaign_id)
    _, sender = await sender_for(state, outbox)
    await drain(sender)
    await reach.queue_invitations(campaign_id)  # again: nothing new
    await drain(sender)
    assert sender.stats.sent == 5
    for n in range(5):
        [message] = state.messages_to(FIRST_CHAT + n)
        assert "A small survey" in message["text"]
        assert buttons(message) == ["▶️ Start"]
    async with db.reader() as session:
        delivered = (await session.scalars(select(InvitationRow.delivered_by))).all()
    assert delivered == ["telegram"] * 5


async def test_the_start_button_on_an_invitation_begins_the_survey(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    reach: Reach,
    outbox: Outbox,
    app: object,
) -> None:
    campaign_id = await linked_campaign(db, catalog, clock, state, 1)
    await reach.queue_invitations(campaign_id)
    _, sender = await sender_for(state, outbox)
    await drain(sender)
    young = YoungPerson(state, app, FIRST_CHAT)  # type: ignore[arg-type]
    invitation = young.last()
    await young.tap("Start", message=invitation)
    assert young.last()["text"] == "Question 1 of 6\nHow are things?"
    edited = next(m for m in young.messages() if m["message_id"] == invitation["message_id"])
    assert buttons(edited) == []


async def test_flood_control_is_waited_out_and_nothing_is_lost_or_doubled(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    reach: Reach,
    outbox: Outbox,
) -> None:
    state = BotApiState(rate_limit_per_second=4)  # stricter than our limiter thinks
    campaign_id = await linked_campaign(db, catalog, clock, state, 9)
    await reach.queue_invitations(campaign_id)
    _, sender = await sender_for(state, outbox, limiter=SendLimiter(30, 1.0))
    await drain(sender)
    assert sender.stats.retry_after >= 1
    assert sender.stats.sent == 9
    assert all(len(state.messages_to(FIRST_CHAT + n)) == 1 for n in range(9))
    assert state.stats.accepted_per_method["sendMessage"] == 9


async def test_our_limiter_keeps_within_telegrams_limits(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    reach: Reach,
    outbox: Outbox,
) -> None:
    state = BotApiState(rate_limit_per_second=10, per_chat_per_second=1)
    campaign_id = await linked_campaign(db, catalog, clock, state, 12)
    await reach.queue_invitations(campaign_id)
    _, sender = await sender_for(state, outbox, limiter=SendLimiter(10, 1.0))
    await drain(sender)
    assert sender.stats.sent == 12
    assert state.stats.rejected_429 == 0


async def test_a_young_person_who_blocked_the_bot_is_marked_unreachable(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    reach: Reach,
    outbox: Outbox,
) -> None:
    campaign_id = await linked_campaign(db, catalog, clock, state, 2)
    state.user_blocks_bot(FIRST_CHAT, deliver=False)
    await reach.queue_invitations(campaign_id)
    _, sender = await sender_for(state, outbox)
    await drain(sender)
    async with db.reader() as session:
        unreachable = (
            await session.scalars(select(PersonRow.unreachable_at).order_by(PersonRow.id))
        ).all()
        errors = (await session.scalars(select(OutboxRow.last_error).order_by(OutboxRow.id))).all()
    assert unreachable[0] is not None and unreachable[1] is None
    assert errors == ["forbidden", None]


async def test_network_errors_are_retried_with_backoff(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    reach: Reach,
) -> None:
    outbox = Outbox(db, clock, quiet=NO_QUIET, policy=RetryPolicy(base_delay=timedelta(seconds=30)))
    campaign_id = await linked_campaign(db, catalog, clock, state, 1)
    await reach.queue_invitations(campaign_id)
    state.fail_next("sendMessage", 2, status=502)
    _, sender = await sender_for(state, outbox)
    await drain(sender)
    assert sender.stats.retried == 1 and state.messages_to(FIRST_CHAT) == []
    clock.advance(seconds=40)
    await drain(sender)
    assert sender.stats.retried == 2
    clock.advance(seconds=80)
    await drain(sender)
    assert sender.stats.sent == 1
    assert len(state.messages_to(FIRST_CHAT)) == 1
    async with db.reader() as session:
        row = await session.scalar(select(OutboxRow))
    assert row is not None and row.attempts == 2 and row.sent_at is not None


async def test_a_chat_that_does_not_exist_is_given_up(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    reach: Reach,
    outbox: Outbox,
) -> None:
    campaign_id = await linked_campaign(db, catalog, clock, state, 1)
    async with db.transaction() as session:
        link = await session.scalar(select(ChannelLinkRow))
        assert link is not None
        link.address = "-4242"  # no such chat
    await reach.queue_invitations(campaign_id)
    _, sender = await sender_for(state, outbox)
    await drain(sender)
    async with db.reader() as session:
        row = await session.scalar(select(OutboxRow))
    assert row is not None and row.failed_at is not None
    assert row.last_error is not None and row.last_error.startswith("bad request")


async def test_an_alert_reaches_the_officer_at_once_without_personal_data(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    conversations: ConversationService,
    outbox: Outbox,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    state.add_user(OFFICER)
    await conversations.redeem(code, channel="telegram", address="5005")
    await conversations.handle(
        UserInput(text="my carer hits me"), channel="telegram", address="5005"
    )
    alert = await the_officers_alert(state, outbox)
    assert alert["text"].startswith("⚠️ Safeguarding alert #1")
    assert "hits" not in alert["text"] and "5005" not in alert["text"]
    assert CONFIG.alerts_link in alert["text"]
    async with db.reader() as session:
        stored = await session.scalar(select(SafeguardingAlertRow))
    assert stored is not None and stored.notified_at is not None


async def test_an_alert_names_every_category_the_message_showed_and_no_words(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    conversations: ConversationService,
    outbox: Outbox,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    state.add_user(OFFICER)
    await conversations.redeem(code, channel="telegram", address="5006")
    words = "my uncle touches me and says its our secret and i want to die"
    await conversations.handle(UserInput(text=words), channel="telegram", address="5006")
    alert = await the_officers_alert(state, outbox)
    async with db.reader() as session:
        stored = await session.scalar(select(SafeguardingAlertRow))
    assert stored is not None
    categories = alert_categories(stored)
    assert len(categories) == 3
    assert f"({categories_label(categories)})" in alert["text"]
    for word in ("uncle", "touches", "our secret", "want to die", "5006"):
        assert word not in alert["text"].lower()


def test_an_alert_queued_before_categories_were_listed_names_its_one_category() -> None:
    item = OutboxItem(
        id=1, kind="alert", channel="telegram", address="42",
        payload={"alert_id": 7, "category": "suicide"}, person_id=None, invitation_id=None,
        alert_id=7, attempts=0, locked_until=datetime(2026, 1, 1, tzinfo=UTC),
    )
    chat_id, outgoing = render_item(item, Signer("123:token"), "https://council.example/alerts")
    assert chat_id == 42
    assert f"#7 ({categories_label(['suicide'])})" in outgoing.text
    assert "https://council.example/alerts/7" in outgoing.text


async def test_an_officer_who_blocked_the_bot_still_never_loses_an_alert(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    state: BotApiState,
    conversations: ConversationService,
    outbox: Outbox,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    state.add_user(OFFICER)
    state.user_blocks_bot(OFFICER, deliver=False)
    await conversations.redeem(code, channel="telegram", address="5005")
    await conversations.handle(
        UserInput(text="I need help now"), channel="telegram", address="5005"
    )
    _, sender = await sender_for(state, outbox)
    await drain(sender)
    state.user_unblocks_bot(OFFICER, deliver=False)
    clock.advance(minutes=10)
    await drain(sender)
    assert len(state.messages_to(OFFICER)) == 1


async def test_an_alert_not_acknowledged_in_time_reaches_the_duty_team(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, state: BotApiState,
    outbox: Outbox, scorer: FakeScorer,
) -> None:
    duty = OFFICER + 1
    policy = AlertPolicy(recipients=(AlertRecipient("telegram", str(OFFICER)),),
                         duty=(AlertRecipient("telegram", str(duty)),))
    conversations = ConversationService(db, catalog, scorer, clock, alert_policy=policy)
    _, [code] = await campaign_with_codes(db, catalog, clock)
    for user in (OFFICER, duty):
        state.add_user(user)
    await conversations.redeem(code, channel="telegram", address="5006")
    await conversations.handle(UserInput(text="i want to kill myself"), channel="telegram",
                               address="5006")
    clock.advance(minutes=15)
    assert await escalate_due(db, clock, policy) == [1]
    _, sender = await sender_for(state, outbox)
    while await sender.send_due():
        pass
    [told] = state.messages_to(OFFICER)
    [escalated] = state.messages_to(duty)
    assert told["text"].startswith("⚠️ Safeguarding alert #1")
    assert escalated["text"].startswith("⏰ Safeguarding alert #1")
    assert "not been acknowledged" in escalated["text"]
    for message in (told, escalated):
        assert f"{CONFIG.alerts_link}/1" in message["text"]  # the alert's own page
        assert "kill" not in message["text"] and "5006" not in message["text"]
    async with db.reader() as session:
        kinds = (await session.scalars(select(SafeguardingAlertEventRow.kind))).all()
    assert sorted(kinds) == ["escalated", "notified", "notified", "raised"]
