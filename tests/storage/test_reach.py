"""Reaching young people by chat: status, consent, stop, requests, invitations, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.outbox import Outbox, OutboxKind, QuietHours
from storage.reach import Reach, RequestKind, RequestOutcome
from storage.tables import (
    CampaignRow,
    ChannelLinkRow,
    InvitationRow,
    OutboxRow,
    PersonRow,
    RequestRow,
    ResponseRow,
)
from surveys.clock import FixedClock
from surveys.engine import UserInput
from surveys.errors import InvitationError, NotFoundError, ValidationError
from tests.factories import campaign_with_codes
from tests.fakes import FakeScorer

CHAT = "telegram"
NO_QUIET = QuietHours(0, 0)


@pytest.fixture
def reach(db: Database, clock: FixedClock) -> Reach:
    return Reach(db, clock, quiet=NO_QUIET, reminder_gap=timedelta(days=2))


async def outbox_rows(db: Database, *where: Any) -> list[OutboxRow]:
    async with db.reader() as session:
        return list((await session.scalars(select(OutboxRow).where(*where))).all())


async def link(db: Database, clock: FixedClock, person_id: int, address: str) -> None:
    async with db.transaction() as session:
        session.add(
            ChannelLinkRow(
                person_id=person_id, channel=CHAT, address=address, linked_at=clock.now()
            )
        )


async def people_ids(db: Database) -> list[int]:
    async with db.reader() as session:
        return list((await session.scalars(select(PersonRow.id).order_by(PersonRow.id))).all())


async def test_chat_status_consent_and_code_ownership(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    reach: Reach,
) -> None:
    _, [mine, theirs] = await campaign_with_codes(db, catalog, clock, people=2)
    assert not (await reach.chat_status(CHAT, "1")).linked
    assert not await reach.record_consent(CHAT, "1")
    await conversations.redeem(mine, channel=CHAT, address="1")
    status = await reach.chat_status(CHAT, "1", code=mine)
    assert status.linked and status.owns_code and not status.consented
    assert await reach.record_consent(CHAT, "1")
    assert (await reach.chat_status(CHAT, "1")).consented
    assert not (await reach.chat_status(CHAT, "1", code=theirs)).owns_code
    assert not (await reach.chat_status(CHAT, "1", code="nope")).owns_code


async def test_stop_cancels_waiting_messages_and_start_allows_them_again(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, reach: Reach
) -> None:
    campaign_id, _ = await campaign_with_codes(db, catalog, clock)
    [person] = await people_ids(db)
    await link(db, clock, person, "7")
    assert (await reach.queue_invitations(campaign_id)).queued == 1
    assert await reach.stop(CHAT, "7")
    [row] = await outbox_rows(db)
    assert row.last_error == "cancelled: stopped"
    assert (await reach.chat_status(CHAT, "7")).stopped
    assert (await reach.queue_invitations(campaign_id)).not_reachable == 1
    assert await reach.restart(CHAT, "7")
    assert not (await reach.chat_status(CHAT, "7")).stopped
    assert not await reach.stop(CHAT, "unknown")


async def test_blocking_and_unblocking(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, reach: Reach
) -> None:
    await campaign_with_codes(db, catalog, clock)
    [person] = await people_ids(db)
    await link(db, clock, person, "7")
    assert await reach.set_blocked(CHAT, "7", blocked=True)
    async with db.reader() as session:
        assert (await session.get_one(PersonRow, person)).unreachable_at == clock.now()
    assert await reach.set_blocked(CHAT, "7", blocked=False)
    async with db.reader() as session:
        assert (await session.get_one(PersonRow, person)).unreachable_at is None


async def test_requests_are_recorded_once_while_open(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, reach: Reach
) -> None:
    await campaign_with_codes(db, catalog, clock)
    [person] = await people_ids(db)
    assert await reach.request(RequestKind.TALK, CHAT, "7") is RequestOutcome.NOT_LINKED
    await link(db, clock, person, "7")
    assert await reach.request(RequestKind.TALK, CHAT, "7") is RequestOutcome.CREATED
    assert await reach.request(RequestKind.TALK, CHAT, "7") is RequestOutcome.ALREADY_OPEN
    assert await reach.request(RequestKind.ERASURE, CHAT, "7") is RequestOutcome.CREATED
    async with db.transaction() as session:
        await session.execute(update(RequestRow).values(resolved_at=clock.now()))
    assert await reach.request(RequestKind.TALK, CHAT, "7") is RequestOutcome.CREATED
    async with db.reader() as session:
        kinds = sorted((await session.scalars(select(RequestRow.kind))).all())
        stopped = (await session.get_one(PersonRow, person)).stopped_at
    assert kinds == ["erasure", "talk", "talk"]
    assert stopped is not None  # asking to be erased also stops messages


async def test_invitations_are_queued_once_for_linked_reachable_young_people(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    reach: Reach,
    conversations: ConversationService,
) -> None:
    campaign_id, codes = await campaign_with_codes(db, catalog, clock, people=5)
    ids = await people_ids(db)
    await link(db, clock, ids[0], "10")
    await link(db, clock, ids[1], "11")
    await link(db, clock, ids[2], "12")
    await conversations.redeem(codes[3], channel=CHAT, address="13")  # already started
    async with db.transaction() as session:
        await session.execute(
            update(PersonRow).where(PersonRow.id == ids[2]).values(stopped_at=clock.now())
        )
    summary = await reach.queue_invitations(campaign_id)
    assert (summary.queued, summary.not_linked, summary.not_reachable) == (2, 1, 1)
    assert summary.already_started == 1
    again = await reach.queue_invitations(campaign_id)
    assert (again.queued, again.already_queued) == (0, 2)
    rows = await outbox_rows(db)
    assert sorted(r.address for r in rows) == ["10", "11"]
    assert all(r.kind == "invitation" and r.payload["title"] == "A small survey" for r in rows)


async def test_invitations_wait_for_the_campaign_to_open(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, reach: Reach
) -> None:
    campaign_id, _ = await campaign_with_codes(db, catalog, clock)
    opens = clock.now() + timedelta(days=1)
    async with db.transaction() as session:
        await session.execute(update(CampaignRow).values(opens_at=opens))
    [person] = await people_ids(db)
    await link(db, clock, person, "10")
    await reach.queue_invitations(campaign_id)
    [row] = await outbox_rows(db)
    assert row.not_before == opens


async def test_closed_or_unknown_campaigns_queue_nothing(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, reach: Reach
) -> None:
    campaign_id, _ = await campaign_with_codes(db, catalog, clock, days=1)
    with pytest.raises(NotFoundError):
        await reach.queue_invitations(campaign_id + 1)
    clock.advance(days=2)
    with pytest.raises(ValidationError):
        await reach.queue_invitations(campaign_id)


class Campaign:
    """One linked young person with a delivered invitation, for reminder tests."""

    def __init__(self, db: Database, clock: FixedClock, reach: Reach) -> None:
        self.db, self.clock, self.reach = db, clock, reach
        self.outbox = Outbox(db, clock, quiet=NO_QUIET)

    async def deliver_invitation(self, campaign_id: int) -> None:
        await self.reach.queue_invitations(campaign_id)
        for item in await self.outbox.claim(10):
            await self.outbox.mark_sent(item)

    async def send_reminders(self) -> int:
        queued = await self.reach.queue_reminders()
        for item in await self.outbox.claim(10):
            assert item.kind == OutboxKind.REMINDER
            await self.outbox.mark_sent(item)
        return queued


@pytest.fixture
async def delivered(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, reach: Reach
) -> Campaign:
    campaign_id, _ = await campaign_with_codes(db, catalog, clock, days=30)
    [person] = await people_ids(db)
    await link(db, clock, person, "10")
    campaign = Campaign(db, clock, reach)
    await campaign.deliver_invitation(campaign_id)
    return campaign


async def test_reminders_after_a_quiet_gap_up_to_the_campaign_limit(
    delivered: Campaign, clock: FixedClock, db: Database
) -> None:
    assert await delivered.send_reminders() == 0  # invitation only just delivered
    clock.advance(days=2)
    assert await delivered.reach.queue_reminders() == 1
    assert await delivered.reach.queue_reminders() == 0  # one waiting already
    for item in await delivered.outbox.claim(10):
        await delivered.outbox.mark_sent(item)
    clock.advance(days=1)
    assert await delivered.send_reminders() == 0  # too soon after the last one
    clock.advance(days=1)
    assert await delivered.send_reminders() == 1
    clock.advance(days=3)
    assert await delivered.send_reminders() == 0  # max_reminders (2) reached
    async with db.reader() as session:
        invitation = await session.scalar(select(InvitationRow))
        keys = sorted((await session.scalars(select(OutboxRow.dedupe_key))).all())
    assert invitation is not None and invitation.reminders_sent == 2
    assert keys == ["invitation:1:telegram", "reminder:1:1:telegram", "reminder:1:2:telegram"]


@pytest.mark.parametrize(
    "change", ["returned", "stopped", "unreachable", "closed", "busy", "practice"]
)
async def test_no_reminders_after_return_opt_out_closing_or_while_answering(
    delivered: Campaign, clock: FixedClock, db: Database, change: str
) -> None:
    clock.advance(days=3)
    async with db.transaction() as session:
        if change == "returned":
            await session.execute(update(InvitationRow).values(returned_at=clock.now()))
        elif change in ("stopped", "unreachable"):
            await session.execute(update(PersonRow).values(**{f"{change}_at": clock.now()}))
        elif change == "closed":
            await session.execute(update(CampaignRow).values(closes_at=clock.now()))
        elif change == "practice":  # not an active young person: never messaged
            await session.execute(update(PersonRow).values(status="practice"))
    if change == "busy":  # answering right now: no nudge
        conversations = ConversationService(db, SurveyCatalog(clock), FakeScorer(), clock)
        async with db.transaction() as session:
            invitation = await session.scalar(select(InvitationRow))
            assert invitation is not None
            code = (await campaign_store.reprint_invitation(session, invitation.id, clock)).code
        await conversations.redeem(code, channel=CHAT, address="10")
        await conversations.handle(UserInput(option="4"), channel=CHAT, address="10")
    assert await delivered.reach.queue_reminders() == 0


async def test_no_reminders_in_quiet_hours(delivered: Campaign, clock: FixedClock) -> None:
    clock.at = datetime(2026, 1, 9, 23, 0, tzinfo=UTC)
    quiet = Reach(delivered.db, clock, reminder_gap=timedelta(days=2))
    assert await quiet.queue_reminders() == 0
    clock.at = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    assert await quiet.queue_reminders() == 1


async def test_reminder_payload_says_whether_they_started(
    delivered: Campaign, clock: FixedClock, db: Database
) -> None:
    clock.advance(days=3)
    await delivered.reach.queue_reminders()
    [row] = await outbox_rows(db, OutboxRow.kind == "reminder")
    assert row.payload["started"] is False and row.payload["number"] == 1
    async with db.reader() as session:
        assert await session.scalar(select(func.count(ResponseRow.id))) == 0


async def test_consent_given_with_the_code_is_recorded_in_the_same_transaction(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    reach: Reach,
) -> None:
    _, [first, second] = await campaign_with_codes(db, catalog, clock, people=2)
    await conversations.redeem(first, channel=CHAT, address="1")
    assert not (await reach.chat_status(CHAT, "1")).consented  # not asked for: not recorded
    await conversations.redeem(second, channel=CHAT, address="2", consent=True)
    assert (await reach.chat_status(CHAT, "2")).consented
    with pytest.raises(InvitationError):  # a code refused: nothing linked or recorded
        await conversations.redeem("nope", channel=CHAT, address="3", consent=True)
    assert not (await reach.chat_status(CHAT, "3")).linked
