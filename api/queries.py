"""Reads (and two small updates) the officer routes need that `storage/` does not offer yet.

Each is one or two indexed queries, paginated where lists can grow. They would sit well
in `storage/` (people, campaigns, alerts) when their owners want them there.

Every read takes the caller's `TeamScope` (`storage.teams`): a key for some teams sees
only their young people, and anything else is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import alerts
from storage.campaigns import CampaignProgress, campaign_progress
from storage.invitation_codes import code_hash
from storage.people import find_by_ref
from storage.tables import (
    AnswerRow,
    CampaignRow,
    ContactMessageRow,
    InvitationRow,
    PersonRow,
    RequestRow,
    ResponseRow,
    SafeguardingAlertRow,
    SurveyVersionRow,
)
from storage.teams import EVERY_TEAM, TeamScope
from surveys.clock import Clock
from surveys.errors import InvitationError, NotFoundError


async def _count(session: AsyncSession, query: Any) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


# ----- people ----------------------------------------------------------------------------


async def list_people(
    session: AsyncSession, *, cohort: str | None, team: str | None, limit: int, offset: int,
    scope: TeamScope = EVERY_TEAM, find: str = "",
) -> tuple[list[PersonRow], int]:
    """Young people by council reference, with how many match; `find` keeps those whose
    reference holds it or whose first name starts with it (any case)."""
    query = select(PersonRow).where(scope.people(PersonRow.team))
    find = find.strip()
    if find:
        pattern = find.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            func.lower(PersonRow.council_ref).like(f"%{pattern}%", escape="\\")
            | func.lower(PersonRow.first_name).like(f"{pattern}%", escape="\\")
        )
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
    """A campaign with the key, version and title of its survey."""

    row: CampaignRow
    survey: str
    survey_version: int
    survey_title: str


def _campaigns() -> Select[CampaignRow, str, int, str]:
    return select(
        CampaignRow, SurveyVersionRow.key, SurveyVersionRow.version, SurveyVersionRow.title
    ).join(
        SurveyVersionRow, SurveyVersionRow.id == CampaignRow.survey_version_id
    )


async def list_campaigns(
    session: AsyncSession, *, limit: int, offset: int, scope: TeamScope = EVERY_TEAM
) -> tuple[list[CampaignView], int]:
    """Campaigns, newest first by opening date (then by when they were made)."""
    query = _campaigns().where(scope.campaigns(CampaignRow.id))
    total = await _count(session, query)
    rows = await session.execute(
        query.order_by(CampaignRow.opens_at.desc(), CampaignRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [CampaignView(*row) for row in rows.all()], total


async def campaign_view(
    session: AsyncSession, campaign_id: int, scope: TeamScope = EVERY_TEAM
) -> CampaignView:
    """One campaign; NotFoundError if there is none (or it invited no one in scope)."""
    row = (
        await session.execute(
            _campaigns().where(CampaignRow.id == campaign_id, scope.campaigns(CampaignRow.id))
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no campaign {campaign_id}")
    return CampaignView(*row)


# ----- invitations -----------------------------------------------------------------------


async def list_invitations(
    session: AsyncSession, campaign_id: int, *, limit: int, offset: int,
    scope: TeamScope = EVERY_TEAM,
) -> tuple[list[tuple[InvitationRow, str]], int]:
    """A campaign's invitations with each young person's reference."""
    query = (
        select(InvitationRow, PersonRow.council_ref)
        .join(PersonRow, PersonRow.id == InvitationRow.person_id)
        .where(InvitationRow.campaign_id == campaign_id, scope.people(PersonRow.team))
    )
    total = await _count(session, query)
    rows = await session.execute(
        query.order_by(PersonRow.council_ref, InvitationRow.id).limit(limit).offset(offset)
    )
    return [(invitation, ref) for invitation, ref in rows.all()], total


async def invitation_by_code(
    session: AsyncSession, code: str, scope: TeamScope = EVERY_TEAM
) -> tuple[InvitationRow, str]:
    """An invitation and its young person's reference; InvitationError("unknown") if none
    (or its young person is not in scope)."""
    row = (
        await session.execute(
            select(InvitationRow, PersonRow.council_ref)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.code_hash == code_hash(code), scope.people(PersonRow.team))
        )
    ).first()
    if row is None:
        raise InvitationError("unknown")
    invitation, ref = row
    return invitation, ref


async def invitation_by_id(
    session: AsyncSession, invitation_id: int, scope: TeamScope = EVERY_TEAM
) -> tuple[InvitationRow, str]:
    """An invitation and its young person's reference; NotFoundError if none (or if its
    young person is outside the key's teams)."""
    row = (
        await session.execute(
            select(InvitationRow, PersonRow.council_ref)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.id == invitation_id, scope.people(PersonRow.team))
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
    session: AsyncSession, campaign_id: int, *, limit: int, offset: int,
    scope: TeamScope = EVERY_TEAM,
) -> tuple[list[ResponseView], int]:
    """A campaign's responses, oldest first, each with its current answers."""
    query = (
        select(ResponseRow, PersonRow.council_ref)
        .join(PersonRow, PersonRow.id == ResponseRow.person_id)
        .where(ResponseRow.campaign_id == campaign_id, scope.people(PersonRow.team))
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
    session: AsyncSession, *, unacknowledged: bool, limit: int, offset: int,
    scope: TeamScope = EVERY_TEAM,
) -> tuple[list[tuple[SafeguardingAlertRow, str | None]], int]:
    """Alerts newest first, with the young person's reference where known. An alert with
    no known young person is seen by keys for every team."""
    query = select(SafeguardingAlertRow, PersonRow.council_ref).outerjoin(
        PersonRow, PersonRow.id == SafeguardingAlertRow.person_id
    ).where(scope.people(PersonRow.team))
    if unacknowledged:
        query = query.where(SafeguardingAlertRow.acknowledged_at.is_(None))
    total = await _count(session, query)
    rows = await session.execute(
        query.order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(alert, ref) for alert, ref in rows.all()], total


async def _in_scope(
    session: AsyncSession, row: Any, row_id: int, scope: TeamScope, what: str
) -> None:
    """NotFoundError unless the row (an alert, message or response) exists and its young
    person is in the key's teams."""
    found = await session.scalar(
        select(row.id)
        .join(PersonRow, PersonRow.id == row.person_id)
        .where(row.id == row_id, scope.people(PersonRow.team))
    )
    if found is None:
        raise NotFoundError(f"no {what} {row_id}")


async def alert_in_scope(session: AsyncSession, alert_id: int, scope: TeamScope) -> None:
    """NotFoundError unless the alert's young person is in the key's teams (a key for every
    team also sees alerts whose young person was erased)."""
    if not scope.every_team:
        await _in_scope(session, SafeguardingAlertRow, alert_id, scope, "alert")


async def message_in_scope(session: AsyncSession, message_id: int, scope: TeamScope) -> None:
    """NotFoundError unless the message exists and its young person is in the key's teams."""
    await _in_scope(session, ContactMessageRow, message_id, scope, "message")


async def response_in_scope(session: AsyncSession, response_id: int, scope: TeamScope) -> None:
    """NotFoundError unless the response exists and its young person is in the key's teams."""
    await _in_scope(session, ResponseRow, response_id, scope, "response")


async def acknowledge_alert(
    session: AsyncSession, clock: Clock, alert_id: int, *, actor: str, note: str,
    scope: TeamScope = EVERY_TEAM,
) -> tuple[SafeguardingAlertRow, str | None]:
    """Record that a person has dealt with an alert (once; the alert itself stays)."""
    found = (
        await session.execute(
            select(SafeguardingAlertRow.id, PersonRow.council_ref)
            .outerjoin(PersonRow, PersonRow.id == SafeguardingAlertRow.person_id)
            .where(SafeguardingAlertRow.id == alert_id, scope.people(PersonRow.team))
        )
    ).first()
    if found is None:
        raise NotFoundError(f"no alert {alert_id}")
    alert = await alerts.acknowledge(session, clock.now(), alert_id, actor=actor, note=note)
    ref = found[1]
    return alert, ref


# ----- campaign progress, within a scope -------------------------------------------------


async def scoped_progress(
    session: AsyncSession, campaign_id: int, scope: TeamScope = EVERY_TEAM
) -> CampaignProgress:
    """A campaign's progress counting only the young people in scope."""
    if scope.every_team:
        return await campaign_progress(session, campaign_id)
    i = InvitationRow
    row = (
        await session.execute(
            select(
                func.count(i.id),
                func.count(i.delivered_at),
                func.count(i.started_at),
                func.count(i.returned_at),
                func.count(PersonRow.stopped_at),
                func.count(PersonRow.unreachable_at),
                func.count(i.declined_at),
            )
            .join(PersonRow, PersonRow.id == i.person_id)
            .where(i.campaign_id == campaign_id, scope.people(PersonRow.team))
        )
    ).one()
    return CampaignProgress(*(int(v) for v in row))


# ----- requests, within a scope ----------------------------------------------------------


async def list_requests_in_scope(
    session: AsyncSession, *, kind: str | None, open_only: bool, limit: int, offset: int,
    scope: TeamScope = EVERY_TEAM,
) -> tuple[list[tuple[RequestRow, str]], int]:
    """Requests newest first, each with the young person's reference; and how many match."""
    query = (
        select(RequestRow, PersonRow.council_ref)
        .join(PersonRow, PersonRow.id == RequestRow.person_id)
        .where(scope.people(PersonRow.team))
    )
    if kind is not None:
        query = query.where(RequestRow.kind == kind)
    if open_only:
        query = query.where(RequestRow.resolved_at.is_(None))
    total = await _count(session, query)
    rows = await session.execute(
        query.order_by(RequestRow.created_at.desc(), RequestRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(row, ref) for row, ref in rows.all()], total


async def request_in_scope(session: AsyncSession, request_id: int, scope: TeamScope) -> None:
    """NotFoundError unless the request exists and its young person is in scope."""
    found = await session.scalar(
        select(RequestRow.id)
        .join(PersonRow, PersonRow.id == RequestRow.person_id)
        .where(RequestRow.id == request_id, scope.people(PersonRow.team))
    )
    if found is None:
        raise NotFoundError(f"no request {request_id}")


async def person_by_ref(
    session: AsyncSession, council_ref: str, scope: TeamScope = EVERY_TEAM
) -> PersonRow:
    """A young person by reference; NotFoundError if none (or not in scope)."""
    row = await find_by_ref(session, council_ref, scope.people(PersonRow.team))
    if row is None:
        raise NotFoundError(f"no young person with reference {council_ref!r}")
    return row


async def issuable(session: AsyncSession, campaign_id: int, scope: TeamScope) -> None:
    """NotFoundError unless a key with this scope may invite people to the campaign: it
    sees the campaign, or the campaign has invited no one yet (just made by a team key)."""
    if scope.every_team:
        return
    seen = await session.scalar(
        select(CampaignRow.id).where(CampaignRow.id == campaign_id, scope.campaigns(CampaignRow.id))
    )
    anyone = await session.scalar(
        select(InvitationRow.id).where(InvitationRow.campaign_id == campaign_id).limit(1)
    )
    if seen is None and anyone is not None:
        raise NotFoundError(f"no campaign {campaign_id}")
