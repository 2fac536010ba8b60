"""Forms returned by hand (paper, email...) recorded against a young person's invitation:
once, on a day between its issue and today, within the officer's teams; the board's
return rates count it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from storage.board.return_rates import return_rates
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.hand_returns import record_hand_return
from storage.tables import InvitationRow, PersonRow
from storage.teams import TeamScope
from surveys.clock import FixedClock
from surveys.errors import ConflictError, InvitationError, NotFoundError, ValidationError
from surveys.insights.periods import PeriodKind, period_containing
from tests.factories import campaign_with_codes


async def test_a_paper_return_counts_once_and_only_within_the_teams(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await campaign_with_codes(db, catalog, clock, people=2)
    async with db.transaction() as session:
        await session.execute(update(PersonRow).values(team="North"))
        first, second = (await session.scalars(select(InvitationRow.id).order_by(
            InvitationRow.id))).all()
    today = clock.now().date()
    async with db.transaction() as session:
        with pytest.raises(NotFoundError):
            await record_hand_return(session, clock, first, route="paper", returned_on=today,
                                     scope=TeamScope(frozenset({"South"})))
        with pytest.raises(ValidationError, match="between"):
            await record_hand_return(session, clock, first, route="paper",
                                     returned_on=today + timedelta(days=1))
        with pytest.raises(ValidationError, match="route"):
            await record_hand_return(session, clock, first, route="pigeon", returned_on=today)
        row = await record_hand_return(session, clock, first, route="email", returned_on=today,
                                       scope=TeamScope(frozenset({"North"})))
        assert row.returned_by == "email" and row.returned_at is not None
        assert row.delivered_at == row.issued_at and row.delivered_by == "letter"
    async with db.transaction() as session:
        with pytest.raises(ConflictError, match="already recorded"):
            await record_hand_return(session, clock, first, route="paper", returned_on=today)
    async with db.reader() as session:
        rows = await return_rates(session, period_containing(today, PeriodKind.YEAR),
                                  by=("form", "audience"), suppress=False)
    async with db.reader() as session:
        untouched = await session.get(InvitationRow, second)
    assert untouched is not None and untouched.returned_at is None
    assert [(r.sent, r.returned) for r in rows] == [(1, 1)]  # delivered by letter, returned


async def test_a_link_whose_form_came_back_by_hand_opens_no_second_chat(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    """Recorded as returned on paper before they opened it: their link says it was used,
    so no second form is filled in and counted."""
    _, (code,) = await campaign_with_codes(db, catalog, clock, people=1)
    async with db.transaction() as session:
        invitation = await session.scalar(select(InvitationRow.id))
        assert invitation is not None
        await record_hand_return(session, clock, invitation, route="paper",
                                 returned_on=clock.now().date())
    with pytest.raises(InvitationError) as refused:
        await conversations.redeem(code, channel="web", address="w1")
    assert refused.value.reason == "used"
