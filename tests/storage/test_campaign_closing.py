"""Closing a campaign early: links stop, nothing more is sent, unopened invitations are
withdrawn (and stop counting against the asking cap), answers are kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from storage import asking
from storage.campaign_closing import (
    CANCELLED,
    TeamCannotClose,
    close_campaign,
    closing_plan,
)
from storage.campaigns import find_invitation, get_campaign
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.outbox import QuietHours
from storage.reach import Reach
from storage.tables import InvitationRow, OutboxRow
from storage.teams import TeamScope
from surveys.clock import FixedClock
from surveys.errors import ConflictError, InvitationError
from tests.factories import campaign_with_codes


async def test_closing_withdraws_unopened_cancels_messages_and_keeps_answers(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    campaign_id, codes = await campaign_with_codes(db, catalog, clock, people=3, days=30)
    await conversations.redeem(codes[0], channel="web", address="w1")  # started
    async with db.transaction() as session:
        await session.execute(update(InvitationRow).values(delivered_at=clock.now()))
        returned = await find_invitation(session, codes[2])
        assert returned is not None
        returned.returned_at = clock.now()
        unopened = await find_invitation(session, codes[1])
        assert unopened is not None
        session.add(OutboxRow(  # an invitation message waiting to go
            kind="invitation", channel="telegram", address="901", payload={},
            dedupe_key="invitation:test", person_id=unopened.person_id,
            invitation_id=unopened.id, not_before=clock.now(), attempts=0,
            created_at=clock.now()))
    async with db.reader() as session:
        plan = await closing_plan(session, campaign_id, clock)
        before = await asking.asked_counts(
            session, (await session.scalars(select(InvitationRow.person_id))).all(),
            asking.AskingCap(), clock.now())
    assert (plan.unopened, plan.started, plan.finished, plan.waiting_messages) == (1, 1, 1, 1)
    assert sum(before.values()) == 3

    async with db.transaction() as session:
        done = await close_campaign(session, campaign_id, clock)
    assert done == plan
    async with db.reader() as session:
        campaign = await get_campaign(session, campaign_id)
        assert campaign.closes_at == clock.now()
        rows = list((await session.scalars(select(InvitationRow))).all())
        assert all(r.expires_at <= clock.now() for r in rows)
        assert sum(r.revoked_at is not None for r in rows) == 1  # the unopened one only
        waiting = (await session.scalars(select(OutboxRow).where(
            OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None)))).all()
        assert waiting == []
        cancelled = (await session.scalars(select(OutboxRow.last_error))).all()
        assert list(cancelled) == [CANCELLED]
        after = await asking.asked_counts(session, [r.person_id for r in rows],
                                          asking.AskingCap(), clock.now())
    assert sum(after.values()) == 2  # the withdrawn one asked nobody
    clock.advance(days=5)
    assert await Reach(db, clock, quiet=QuietHours(0, 0)).queue_reminders() == 0
    with pytest.raises(ConflictError, match="already closed"):
        async with db.transaction() as session:
            await close_campaign(session, campaign_id, clock)


async def test_a_team_key_closes_only_a_campaign_for_its_own_teams(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    campaign_id, _ = await campaign_with_codes(db, catalog, clock, people=1)
    clock.advance(minutes=1)
    with pytest.raises(TeamCannotClose, match="beyond North"):
        async with db.transaction() as session:
            await close_campaign(session, campaign_id, clock,
                                 scope=TeamScope(frozenset({"North"})))
    async with db.transaction() as session:
        (await get_campaign(session, campaign_id)).teams = ["North"]
    async with db.transaction() as session:
        await close_campaign(session, campaign_id, clock, scope=TeamScope(frozenset({"North"})))


async def test_who_started_cannot_carry_on_once_it_is_closed(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    campaign_id, (code,) = await campaign_with_codes(db, catalog, clock, people=1)
    await conversations.redeem(code, channel="web", address="w1")
    async with db.transaction() as session:
        await close_campaign(session, campaign_id, clock)
    with pytest.raises(InvitationError) as refused:
        await conversations.redeem(code, channel="web", address="w1")
    assert refused.value.reason == "closed"
