"""A young person's form that came back by hand (on paper, by email, post, phone or in
person) recorded against their invitation, so return rates and the scorecard's "returned
before the review" count it like a form returned in the chat."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import InvitationRow, PersonRow
from storage.teams import EVERY_TEAM, TeamScope
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError

HAND_ROUTES: Final = ("paper", "email", "post", "phone", "in_person", "other")
UK: Final = ZoneInfo("Europe/London")
NOON: Final = time(12, 0)  # a day given without a time counts from midday, UK time


async def record_hand_return(
    session: AsyncSession,
    clock: Clock,
    invitation_id: int,
    *,
    route: str,
    returned_on: date,
    scope: TeamScope = EVERY_TEAM,
) -> InvitationRow:
    """Mark an invitation's form returned on a day by another route. It must not be
    returned already; the day must lie between its issue and today. An invitation never
    marked delivered is taken to have reached them (they sent the form back)."""
    if route not in HAND_ROUTES:
        raise ValidationError(f"route {route!r}: use one of {', '.join(HAND_ROUTES)}")
    found = (
        await session.execute(
            select(InvitationRow)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.id == invitation_id, scope.people(PersonRow.team))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"no invitation {invitation_id}")
    if found.returned_at is not None:
        when = found.returned_at.astimezone(UK)
        raise ConflictError(f"that form was already recorded as returned on {when:%d/%m/%Y}")
    now = clock.now()
    issued_on = found.issued_at.astimezone(UK).date()
    if not issued_on <= returned_on <= now.astimezone(UK).date():
        raise ValidationError(
            f"the day it came back must be between {issued_on:%d/%m/%Y} (when it was issued) "
            "and today"
        )
    returned_at = max(found.issued_at, min(datetime.combine(returned_on, NOON, tzinfo=UK), now))
    found.returned_at = returned_at
    found.returned_by = route
    if found.started_at is None:
        found.started_at = returned_at
    if found.delivered_at is None:
        found.delivered_at = found.issued_at
        found.delivered_by = "letter"
    await session.flush()
    return found
