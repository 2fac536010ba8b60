"""Campaigns and invitations: who is asked, with which survey, and how far they got."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog import SurveyCatalog
from storage.tables import CampaignRow, InvitationRow, PersonRow
from surveys.clock import Clock
from surveys.errors import NotFoundError, ValidationError
from surveys.people import Cohort, age_band, age_on

CODE_BYTES = 24  # 32 characters of A-Za-z0-9_-: fits a Telegram deep link (64 max)
REPORT_AUDIENCE = {Cohort.IN_CARE.value: "child", Cohort.CARE_LEAVER.value: "care_leaver"}


def new_invitation_code() -> str:
    """An unguessable single-use code (192 random bits), safe in a Telegram /start link.

    It starts and ends with a letter or digit, so it never reads as a command-line option.
    """
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if code[0].isalnum() and code[-1].isalnum():
            return code


@dataclass(frozen=True, slots=True)
class CohortFilter:
    """Which young people a campaign goes to; empty fields match everyone."""

    cohort: str | None = None
    age_bands: tuple[str, ...] = ()
    team: str | None = None
    review_from: date | None = None
    review_to: date | None = None


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """How a campaign is going."""

    invited: int
    delivered: int
    started: int
    returned: int
    opted_out: int
    unreachable: int


@dataclass(frozen=True, slots=True)
class IssueSummary:
    issued: int
    already_invited: int


async def create_campaign(
    session: AsyncSession,
    catalog: SurveyCatalog,
    clock: Clock,
    *,
    name: str,
    survey_key: str,
    opens_at: datetime,
    closes_at: datetime,
    report_form: str | None = None,
    max_reminders: int = 2,
    target_rate: float | None = None,
) -> CampaignRow:
    """A campaign on the newest version of a survey."""
    if closes_at <= opens_at:
        raise ValidationError("the closing time must be after the opening time")
    if not 0 <= max_reminders <= 10:
        raise ValidationError("max reminders must be between 0 and 10")
    if target_rate is not None and not 0 < target_rate <= 1:
        raise ValidationError("the target is a fraction between 0 and 1, e.g. 0.3 for 30%")
    version = await catalog.latest(session, survey_key)
    campaign = CampaignRow(
        name=name.strip() or survey_key,
        survey_version_id=version.id,
        report_form=report_form or version.form,
        opens_at=opens_at,
        closes_at=closes_at,
        max_reminders=max_reminders,
        target_rate=target_rate,
        created_at=clock.now(),
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def select_people(session: AsyncSession, wanted: CohortFilter, on: date) -> list[PersonRow]:
    """Active young people matching the filter, with age bands worked out on a day."""
    query = select(PersonRow).where(PersonRow.erased_at.is_(None)).order_by(PersonRow.id)
    if wanted.cohort:
        query = query.where(PersonRow.cohort == wanted.cohort)
    if wanted.team:
        query = query.where(PersonRow.team == wanted.team)
    if wanted.review_from:
        query = query.where(PersonRow.next_review_date >= wanted.review_from)
    if wanted.review_to:
        query = query.where(PersonRow.next_review_date <= wanted.review_to)
    people = list((await session.scalars(query)).all())
    if wanted.age_bands:
        people = [p for p in people if band_of(p, on) in wanted.age_bands]
    return people


def band_of(person: PersonRow, on: date) -> str | None:
    if person.date_of_birth is not None:
        return age_band(age_on(person.date_of_birth, on))
    return person.age_band


async def get_campaign(session: AsyncSession, campaign_id: int) -> CampaignRow:
    campaign = await session.get(CampaignRow, campaign_id)
    if campaign is None:
        raise NotFoundError(f"no campaign {campaign_id}")
    return campaign


async def issue_invitations(
    session: AsyncSession,
    campaign: CampaignRow,
    people: Sequence[PersonRow],
    clock: Clock,
    *,
    progress: Callable[[int], None] | None = None,
) -> IssueSummary:
    """Give each young person one invitation to the campaign (again is a no-op)."""
    now = clock.now()
    invited = set(
        (
            await session.scalars(
                select(InvitationRow.person_id).where(InvitationRow.campaign_id == campaign.id)
            )
        ).all()
    )
    issued = 0
    for person in people:
        if person.id not in invited:
            session.add(
                InvitationRow(
                    campaign_id=campaign.id,
                    person_id=person.id,
                    code=new_invitation_code(),
                    form=campaign.report_form,
                    audience=REPORT_AUDIENCE.get(person.cohort, person.cohort),
                    age_band=band_of(person, now.date()),
                    review_date=person.next_review_date,
                    issued_at=now,
                    expires_at=campaign.closes_at,
                    reminders_sent=0,
                )
            )
            invited.add(person.id)
            issued += 1
        if progress is not None:
            progress(1)
    await session.flush()
    return IssueSummary(issued, len(people) - issued)


async def revoke_invitation(session: AsyncSession, code: str, clock: Clock) -> InvitationRow:
    invitation = await session.scalar(select(InvitationRow).where(InvitationRow.code == code))
    if invitation is None:
        raise NotFoundError("no invitation with that code")
    if invitation.revoked_at is None:
        invitation.revoked_at = clock.now()
    return invitation


async def campaign_progress(session: AsyncSession, campaign_id: int) -> CampaignProgress:
    """Counts for one campaign, in one query."""
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
            )
            .join(PersonRow, PersonRow.id == i.person_id)
            .where(i.campaign_id == campaign_id)
        )
    ).one()
    return CampaignProgress(*(int(v) for v in row))


async def invitation_codes(session: AsyncSession, campaign_id: int) -> list[tuple[str, str]]:
    """(council reference, code) of the campaign's invitations still usable."""
    rows = await session.execute(
        select(PersonRow.council_ref, InvitationRow.code)
        .join(PersonRow, PersonRow.id == InvitationRow.person_id)
        .where(
            InvitationRow.campaign_id == campaign_id,
            InvitationRow.used_at.is_(None),
            InvitationRow.revoked_at.is_(None),
        )
        .order_by(PersonRow.council_ref)
    )
    return [(ref, code) for ref, code in rows.all()]
