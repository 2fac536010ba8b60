"""Closing a campaign early, in one step: for a campaign sent by mistake (the wrong survey,
the wrong young people) or one whose work is done.

Closing now ends every open invitation at once: links and letters stop working, nothing
more is sent (messages waiting in the outbox are cancelled, reminders stop), and
invitations nobody had opened are revoked, so they never count against how often a young
person may be asked (`storage.asking`). Answers already given are kept and counted as
before. A team key closes only a campaign wholly for its own teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.campaigns import get_campaign
from storage.tables import CampaignRow, InvitationRow, OutboxRow
from storage.teams import EVERY_TEAM, TeamScope
from surveys.clock import Clock
from surveys.errors import ConflictError

CANCELLED: Final = "campaign closed"


@dataclass(frozen=True, slots=True)
class ClosingPlan:
    """What closing a campaign now would do (nothing is changed by working it out)."""

    unopened: int  # invitations never opened: revoked, not counted as asking anyone
    started: int  # opened or part-answered, not finished: they can no longer finish
    finished: int  # returned: kept and counted as before
    waiting_messages: int  # invitations and reminders not yet sent: cancelled


class TeamCannotClose(ConflictError):
    """A key for some teams, and a campaign that also reaches others."""


def may_close(campaign: CampaignRow, scope: TeamScope) -> bool:
    """A key for every team closes any campaign; a team key, one for its teams only."""
    if scope.every_team:
        return True
    teams = set(campaign.teams or ())
    return bool(teams) and scope.teams is not None and teams <= scope.teams


async def closing_plan(session: AsyncSession, campaign_id: int, clock: Clock) -> ClosingPlan:
    """What closing the campaign now would do."""
    i = InvitationRow
    now = clock.now()
    live = (i.campaign_id == campaign_id, i.revoked_at.is_(None), i.expires_at > now)
    row = (
        await session.execute(
            select(
                func.count(i.id).filter(i.used_at.is_(None), i.returned_at.is_(None)),
                func.count(i.id).filter(i.used_at.is_not(None), i.returned_at.is_(None)),
            ).where(*live)
        )
    ).one()
    finished = await session.scalar(
        select(func.count(i.id)).where(i.campaign_id == campaign_id, i.returned_at.is_not(None))
    )
    waiting = await session.scalar(
        select(func.count(OutboxRow.id))
        .join(InvitationRow, InvitationRow.id == OutboxRow.invitation_id)
        .where(i.campaign_id == campaign_id, OutboxRow.sent_at.is_(None),
               OutboxRow.failed_at.is_(None))
    )
    return ClosingPlan(int(row[0]), int(row[1]), int(finished or 0), int(waiting or 0))


async def close_campaign(
    session: AsyncSession, campaign_id: int, clock: Clock, *, scope: TeamScope = EVERY_TEAM
) -> ClosingPlan:
    """Close a campaign now (see the module's note); what it did. Closing one already
    closed is refused (ConflictError), as is a team key's for others' young people."""
    campaign = await get_campaign(session, campaign_id)
    now = clock.now()
    if campaign.closes_at <= now:
        raise ConflictError(f"campaign {campaign_id} is already closed")
    if not may_close(campaign, scope):
        raise TeamCannotClose(
            f"campaign {campaign_id} reaches young people beyond {scope.label()}: a key for "
            "every team (a manager's) or an admin key closes it"
        )
    plan = await closing_plan(session, campaign_id, clock)
    i = InvitationRow
    await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.invitation_id.in_(select(i.id).where(i.campaign_id == campaign_id)),
            OutboxRow.sent_at.is_(None),
            OutboxRow.failed_at.is_(None),
        )
        .values(failed_at=now, last_error=CANCELLED)
    )
    await session.execute(
        update(i)
        .where(i.campaign_id == campaign_id, i.revoked_at.is_(None), i.used_at.is_(None),
               i.returned_at.is_(None), i.expires_at > now)
        .values(revoked_at=now)
    )
    await session.execute(
        update(i).where(i.campaign_id == campaign_id, i.expires_at > now).values(expires_at=now)
    )
    campaign.closes_at = now
    if campaign.opens_at > now:
        campaign.opens_at = now
    await session.flush()
    return plan
