"""Reads (and two small updates) the officer routes need that `storage/` does not offer yet.

Each is one or two indexed queries, paginated where lists can grow. They would sit well
in `storage/` (people, campaigns, alerts) when their owners want them there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.invitation_codes import code_hash
from storage.tables import (
    AnswerRow,
    CampaignRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
    SafeguardingAlertRow,
    SurveyVersionRow,
)
from surveys.clock import Clock
from surveys.errors import ConflictError, InvitationError, NotFoundError


async def _count(session: AsyncSession, query: Any) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


# ----- people ----------------------------------------------------------------------------


async def list_people(
    session: AsyncSession, *, cohort: str | None, team: str | None, limit: int, offset: int
) -> tuple[list[PersonRow], int]:
    """Young people by council reference, with how many match."""
    query = select(PersonRow)
    if cohort is not None:
        query = query.where(PersonRow.cohort == cohort)
    if team is not None:
        query = query.where(PersonRow.team == team)
    total = await _count(session, query)
    rows = await session.scalars(query.order_by(PersonRow.council_ref).limit(limit).offset(offset))
    return list(rows.all()), total


# ----- campaigns -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign with the key and version of its survey."""

    row: CampaignRow
    survey: str
    survey_version: int


def _campaigns() -> Select[CampaignRow, str, int]:
    return select(CampaignRow, SurveyVersionRow.key, SurveyVersionRow.version).join(
        SurveyVersionRow, SurveyVersionRow.id == CampaignRow.survey_version_id
    )


async def list_campaigns(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[CampaignView], int]:
    """Campaigns, newest first."""
    query = _campaigns()
    total = await _count(session, query)
    rows = await session.execute(query.order_by(CampaignRow.id.desc()).limit(limit).offset(offset))
    return [CampaignView(*row) for row in rows.all()], total


async def campaign_view(session: AsyncSession, campaign_id: int) -> CampaignView:
    """One campaign; NotFoundError if there is none."""
    row = (
        await session.execute(_campaigns().where(CampaignRow.id == campaign_id))
    ).first()
    if row is None:
        raise NotFoundError(f"no campaign {campaign_id}")
    return CampaignView(*row)


# ----- invitations -----------------------------------------------------------------------


async def list_invitations(
    session: AsyncSession, campaign_id: int, *, limit: int, offset: int
) -> tuple[list[tuple[InvitationRow, str]], int]:
    """A campaign's invitations with each young person's reference."""
    query = (
        select(InvitationRow, PersonRow.council_ref)
        .join(PersonRow, PersonRow.id == InvitationRow.person_id)
        .where(InvitationRow.campaign_id == campaign_id)
    )
    total = await _count(session, query)
    rows = await session.execute(
        query.order_by(PersonRow.council_ref, InvitationRow.id).limit(limit).offset(offset)
    )
    return [(invitation, ref) for invitation, ref in rows.all()], total


async def invitation_by_code(session: AsyncSession, code: str) -> tuple[InvitationRow, str]:
    """An invitation and its young person's reference; InvitationError("unknown") if none."""
    row = (
        await session.execute(
            select(InvitationRow, PersonRow.council_ref)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.code_hash == code_hash(code))
        )
    ).first()
    if row is None:
        raise InvitationError("unknown")
    invitation, ref = row
    return invitation, ref


async def invitation_by_id(session: AsyncSession, invitation_id: int) -> tuple[InvitationRow, str]:
    """An invitation and its young person's reference; NotFoundError if none."""
    row = (
        await session.execute(
            select(InvitationRow, PersonRow.council_ref)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.id == invitation_id)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no invitation {invitation_id}")
    invitation, ref = row
    return invitation, ref


# ----- responses -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResponseView:
    """A response with its young person's reference and current answers."""

    row: ResponseRow
    council_ref: str
    answers: Sequence[AnswerRow]


async def campaign_responses(
    session: AsyncSession, campaign_id: int, *, limit: int, offset: int
) -> tuple[list[ResponseView], int]:
    """A campaign's responses, oldest first, each with its current answers."""
    query = (
        select(ResponseRow, PersonRow.council_ref)
        .join(PersonRow, PersonRow.id == ResponseRow.person_id)
        .where(ResponseRow.campaign_id == campaign_id)
    )
    total = await _count(session, query)
    rows = (
        await session.execute(query.order_by(ResponseRow.id).limit(limit).offset(offset))
    ).all()
    ids = [response.id for response, _ in rows]
    answers: dict[int, list[AnswerRow]] = {i: [] for i in ids}
    if ids:
        found = await session.scalars(
            select(AnswerRow)
            .where(AnswerRow.response_id.in_(ids), AnswerRow.superseded_at.is_(None))
            .order_by(AnswerRow.response_id, AnswerRow.id)
        )
        for answer in found.all():
            answers[answer.response_id].append(answer)
    return [ResponseView(row, ref, answers[row.id]) for row, ref in rows], total


# ----- safeguarding alerts ---------------------------------------------------------------


async def list_alerts(
    session: AsyncSession, *, unacknowledged: bool, limit: int, offset: int
) -> tuple[list[tuple[SafeguardingAlertRow, str | None]], int]:
    """Alerts newest first, with the young person's reference where known."""
    query = select(SafeguardingAlertRow, PersonRow.council_ref).outerjoin(
        PersonRow, PersonRow.id == SafeguardingAlertRow.person_id
    )
    if unacknowledged:
        query = query.where(SafeguardingAlertRow.acknowledged_at.is_(None))
    total = await _count(session, query)
    rows = await session.execute(
        query.order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(alert, ref) for alert, ref in rows.all()], total


async def acknowledge_alert(
    session: AsyncSession, clock: Clock, alert_id: int, *, actor: str, note: str
) -> tuple[SafeguardingAlertRow, str | None]:
    """Record that a person has dealt with an alert (once; the alert itself stays)."""
    row = (
        await session.execute(
            select(SafeguardingAlertRow, PersonRow.council_ref)
            .outerjoin(PersonRow, PersonRow.id == SafeguardingAlertRow.person_id)
            .where(SafeguardingAlertRow.id == alert_id)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no alert {alert_id}")
    alert, ref = row
    if alert.acknowledged_at is not None:
        raise ConflictError(
            f"alert {alert_id} was already acknowledged by {alert.acknowledged_by} "
            f"at {alert.acknowledged_at:%Y-%m-%d %H:%M} UTC"
        )
    alert.acknowledged_at = clock.now()
    alert.acknowledged_by = actor[:100]
    alert.note = note
    await session.flush()
    return alert, ref
