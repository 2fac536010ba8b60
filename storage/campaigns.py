"""Campaigns and invitations: who is asked (a filter each campaign keeps), with which
survey, their codes (made here, shown once, kept only as hashes), and how far they got."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Final

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import asking
from storage.asking import NO_CAP, AskingCap
from storage.catalog import SurveyCatalog
from storage.invitation_codes import code_hash, display, new_code
from storage.tables import (
    CampaignRow,
    InvitationRow,
    PersonRow,
    RetiredCodeRow,
    SurveyVersionRow,
)
from storage.teams import EVERY_TEAM, TeamScope, folded_team
from surveys.clock import Clock
from surveys.errors import ConflictError, InvitationError, NotFoundError, ValidationError
from surveys.model import Audience
from surveys.people import AGE_BAND_NAMES, AGE_BANDS, Cohort, age_band, age_on

COHORTS: Final = tuple(c.value for c in Cohort)
REPORT_AUDIENCE = {Cohort.IN_CARE.value: "child", Cohort.CARE_LEAVER.value: "care_leaver"}


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code just made for an invitation: the only time the plain code exists. Print it
    on the letter (`display(code)`) or show it once; the database keeps its hash."""

    invitation_id: int
    campaign_id: int
    council_ref: str
    first_name: str | None
    code: str
    expires_at: datetime

    @property
    def printed(self) -> str:
        """The code as a young person types it: `K7MQ-2X9P-H3TD`."""
        return display(self.code)


@dataclass(frozen=True, slots=True)
class CohortFilter:
    """Which young people a campaign goes to; empty fields match everyone.

    `team` is one team (kept for callers that name one); `teams` any of several. A
    campaign stores its filter (`campaign_audience`), and only active young people who
    match it are ever invited (practice people and erased people never are).
    """

    cohort: str | None = None
    age_bands: tuple[str, ...] = ()
    team: str | None = None
    review_from: date | None = None
    review_to: date | None = None
    teams: tuple[str, ...] = ()
    # `teams` are a team key's own, chosen for it (`within_scope`): those with no young
    # person yet are left out by `check_filter`, not refused
    key_teams: bool = field(default=False, compare=False)

    @property
    def all_teams(self) -> tuple[str, ...]:
        """Every team named, in `team` or `teams`, without repeats."""
        named = (self.team,) if self.team else ()
        return tuple(dict.fromkeys((*named, *self.teams)))

    def matches(self, person: PersonRow, on: date) -> bool:
        """Whether an active young person matches, with their age band worked out on a day."""
        if person.status != ACTIVE or person.erased_at is not None:
            return False
        if self.cohort and person.cohort != self.cohort:
            return False
        teams = self.all_teams
        if teams and person.team not in teams:
            return False
        review = person.next_review_date
        if self.review_from and (review is None or review < self.review_from):
            return False
        if self.review_to and (review is None or review > self.review_to):
            return False
        return not self.age_bands or band_of(person, on) in self.age_bands

    def within(self, narrower: CohortFilter) -> CohortFilter | None:
        """Those matching both this filter and `narrower` (a campaign's filter, narrowed
        for one round of invitations); None when the two have no one in common."""
        teams, bands = self.all_teams, self.age_bands
        if narrower.all_teams:
            teams = tuple(t for t in narrower.all_teams if not teams or t in teams)
            if not teams:
                return None
        if narrower.age_bands:
            bands = tuple(b for b in narrower.age_bands if not bands or b in bands)
            if not bands:
                return None
        if narrower.cohort and self.cohort and narrower.cohort != self.cohort:
            return None
        starts = [d for d in (self.review_from, narrower.review_from) if d]
        ends = [d for d in (self.review_to, narrower.review_to) if d]
        return CohortFilter(
            cohort=self.cohort or narrower.cohort,
            age_bands=bands,
            teams=teams,
            review_from=max(starts, default=None),
            review_to=min(ends, default=None),
        )

    def describe(self) -> str:
        """The filter in words, for officers ("everyone" when empty)."""
        parts = []
        if self.cohort:
            parts.append(self.cohort.replace("_", " "))
        if self.age_bands:
            parts.append("aged " + ", ".join(self.age_bands))
        if self.all_teams:
            parts.append("team " + ", ".join(self.all_teams))
        if self.review_from or self.review_to:
            start = f"{self.review_from:%Y-%m-%d}" if self.review_from else "any time"
            end = f"{self.review_to:%Y-%m-%d}" if self.review_to else "any time"
            parts.append(f"next review {start} to {end}")
        return "; ".join(parts) or "everyone"


ACTIVE: Final = "active"


async def check_filter(session: AsyncSession, wanted: CohortFilter) -> CohortFilter:
    """The filter with each team written as the council writes it ("south" is South, as
    an import reads it); refuse one naming a cohort, age band or team that does not exist,
    listing the ones that do, and a review window that ends before it starts."""
    if wanted.cohort is not None and wanted.cohort not in COHORTS:
        raise ValidationError(
            f"unknown cohort {wanted.cohort!r}; use one of: {', '.join(COHORTS)}"
        )
    unknown = [b for b in wanted.age_bands if b not in AGE_BAND_NAMES]
    if unknown:
        raise ValidationError(
            f"unknown age band {', '.join(repr(b) for b in unknown)}; "
            f"use one of: {', '.join(AGE_BAND_NAMES)}"
        )
    if wanted.review_from and wanted.review_to and wanted.review_from > wanted.review_to:
        raise ValidationError("the review window ends before it starts")
    if not wanted.all_teams:
        return wanted
    known = await team_names(session)
    spelled = {folded_team(t): t for t in known}
    if wanted.key_teams:  # the key's teams by default: only those with young people
        kept = tuple(t for t in wanted.all_teams if folded_team(t) in spelled)
        if not kept:
            raise ValidationError("no young person is in this key's teams yet: import them first")
        wanted = replace(wanted, team=None, teams=kept)
    missing = [t for t in wanted.all_teams if folded_team(t) not in spelled]
    if missing:
        listed = ", ".join(known) if known else "none yet (import young people first)"
        raise ValidationError(
            f"no young person is in team {', '.join(repr(t) for t in missing)}; "
            f"teams: {listed}"
        )
    teams = tuple(dict.fromkeys(spelled[folded_team(t)] for t in wanted.all_teams))
    return replace(wanted, team=None, teams=teams)


def within_scope(wanted: CohortFilter, scope: TeamScope) -> CohortFilter:
    """The filter a key may use: a team key's campaign names its own teams (none chosen is
    all of *its* teams, never every team); naming another team is refused."""
    if scope.teams is None:
        return wanted
    mine = {folded_team(t) for t in scope.teams}
    outside = [t for t in wanted.all_teams if folded_team(t) not in mine]
    if outside:
        yours = ", ".join(sorted(scope.teams))
        raise ValidationError(f"team {outside[0]!r} is not one of this key's teams ({yours})")
    if wanted.all_teams:
        return wanted
    return replace(wanted, team=None, teams=tuple(sorted(scope.teams)), key_teams=True)


class SurveyMisfitError(ValidationError):
    """A survey written for other young people than the campaign's (`audience_misfit`)."""

    def __init__(self, survey_key: str, reason: str) -> None:
        super().__init__(f"survey {survey_key!r} does not fit this campaign: {reason}")
        self.reason = reason


def audience_misfit(survey_audience: str, wanted: CohortFilter) -> str | None:
    """Why a survey written for `survey_audience` (a `surveys.model.Audience`) cannot go to
    the young people a filter names, or None. Only plain contradictions: a care leavers'
    survey for children in care or for under-16s only; a children's survey (8 to 12, or
    easy read) for care leavers or for over-16s only; and either for every young person
    (no cohort and no ages chosen: care leavers would get a child's survey, or children
    a care leavers'). A survey for young people (13 to 17) is also used for older ones
    (the wellbeing check-in), so it is never refused."""
    bands = [(lo, hi) for name, lo, hi in AGE_BANDS if name in wanted.age_bands]
    everyone = not wanted.cohort and not bands
    if survey_audience == Audience.CARE_LEAVER and everyone:
        return ("it is written for care leavers, and the campaign is for every young person, "
                "children in care too (choose care leavers)")
    if survey_audience == Audience.CHILD and everyone:
        return ("it is written for children, and the campaign is for every young person, "
                "care leavers too (choose young people in care, and the ages it is for)")
    if survey_audience == Audience.CARE_LEAVER:
        if wanted.cohort == Cohort.IN_CARE:
            return ("it is written for care leavers, and the campaign is for young people "
                    "in care (choose a survey for their ages, or the care leavers)")
        if bands and all(hi < CARE_LEAVER_FROM for _, hi in bands):
            return (f"it is written for care leavers, and the campaign is for "
                    f"{', '.join(wanted.age_bands)} (choose a survey for those ages)")
    if survey_audience == Audience.CHILD:
        if wanted.cohort == Cohort.CARE_LEAVER:
            return ("it is written for children, and the campaign is for care leavers "
                    "(choose a care leavers' survey)")
        if bands and all(lo >= CARE_LEAVER_FROM for lo, _ in bands):
            return (f"it is written for children, and the campaign is for "
                    f"{', '.join(wanted.age_bands)} (choose a survey for those ages)")
    return None


CARE_LEAVER_FROM: Final = 16  # the youngest age at which a young person can be a care leaver


async def team_names(session: AsyncSession) -> list[str]:
    """The teams active young people are in, sorted."""
    rows = await session.scalars(
        select(PersonRow.team)
        .where(PersonRow.team.is_not(None), PersonRow.status == ACTIVE)
        .distinct()
    )
    return sorted(t for t in rows.all() if t)


def campaign_audience(campaign: CampaignRow) -> CohortFilter:
    """The filter a campaign was created with."""
    return CohortFilter(
        cohort=campaign.cohort,
        age_bands=tuple(campaign.age_bands or ()),
        teams=tuple(campaign.teams or ()),
        review_from=campaign.review_from,
        review_to=campaign.review_to,
    )


def campaign_day(campaign: CampaignRow, now: datetime) -> date:
    """The day age bands are worked out on: the opening day, or today once it is open."""
    return max(campaign.opens_at, now).date()


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """How a campaign is going."""

    invited: int
    delivered: int
    started: int
    returned: int
    opted_out: int
    unreachable: int
    declined: int = 0  # said "not now" (not reminded; not a return)


@dataclass(frozen=True, slots=True)
class IssueSummary:
    """Invitations issued now; matching young people who already had one; people passed
    in who do not match the campaign's filter or are not active (not invited); and those
    held back by the cap on how often a young person is asked, per reason."""

    issued: int
    already_invited: int
    not_matching: int = 0
    codes: tuple[IssuedCode, ...] = ()
    held: tuple[tuple[str, int], ...] = ()  # (reason, how many), e.g. "already asked twice"

    @property
    def not_invited(self) -> int:
        """Held back by the cap (all reasons)."""
        return sum(n for _, n in self.held)

    def held_lines(self) -> list[str]:
        """`not invited: <reason>: <n>` lines, for the CLI and officer pages."""
        return [f"not invited: {reason}: {n}" for reason, n in self.held]


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
    audience: CohortFilter | None = None,
) -> CampaignRow:
    """A campaign on the newest version of a survey, for the young people `audience`
    matches (stored with it: invitations only ever go to those who match)."""
    if closes_at <= opens_at:
        raise ValidationError("the closing time must be after the opening time")
    if not 0 <= max_reminders <= 10:
        raise ValidationError("max reminders must be between 0 and 10")
    if target_rate is not None and not 0 < target_rate <= 1:
        raise ValidationError("the target is a fraction between 0 and 1, e.g. 0.3 for 30%")
    audience = await check_filter(session, audience or CohortFilter())
    version = await catalog.latest(session, survey_key)
    misfit = audience_misfit(version.audience, audience)
    if misfit:
        raise SurveyMisfitError(survey_key, misfit)
    campaign = CampaignRow(
        name=name.strip() or survey_key,
        survey_version_id=version.id,
        report_form=report_form or version.form,
        opens_at=opens_at,
        closes_at=closes_at,
        max_reminders=max_reminders,
        target_rate=target_rate,
        created_at=clock.now(),
        cohort=audience.cohort,
        age_bands=list(audience.age_bands),
        teams=list(audience.all_teams),
        review_from=audience.review_from,
        review_to=audience.review_to,
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def select_people(session: AsyncSession, wanted: CohortFilter, on: date) -> list[PersonRow]:
    """Active young people matching the filter, with age bands worked out on a day."""
    query = (
        select(PersonRow)
        .where(PersonRow.erased_at.is_(None), PersonRow.status == ACTIVE)
        .order_by(PersonRow.id)
    )
    if wanted.cohort:
        query = query.where(PersonRow.cohort == wanted.cohort)
    if wanted.all_teams:
        query = query.where(PersonRow.team.in_(wanted.all_teams))
    if wanted.review_from:
        query = query.where(PersonRow.next_review_date >= wanted.review_from)
    if wanted.review_to:
        query = query.where(PersonRow.next_review_date <= wanted.review_to)
    people = list((await session.scalars(query)).all())
    if wanted.age_bands:
        people = [p for p in people if band_of(p, on) in wanted.age_bands]
    return people


async def campaign_people(
    session: AsyncSession,
    campaign: CampaignRow,
    on: date,
    narrower: CohortFilter | None = None,
) -> list[PersonRow]:
    """Active young people matching the campaign's stored filter (and `narrower`)."""
    wanted: CohortFilter | None = campaign_audience(campaign)
    if narrower is not None and wanted is not None:
        wanted = wanted.within(await check_filter(session, narrower))
    return [] if wanted is None else await select_people(session, wanted, on)


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
    cap: AskingCap = NO_CAP,
) -> IssueSummary:
    """Give each young person one invitation to the campaign (again is a no-op).

    Only those who match the campaign's stored filter and are active are invited, whoever
    the caller passes: the rest are counted in `not_matching`. Those already asked as
    often as `cap` allows are not invited either: held, with the reason kept for
    officers (`storage.asking`); issuing again later invites them once the period allows.
    """
    now = clock.now()
    wanted, on = campaign_audience(campaign), campaign_day(campaign, now)
    not_matching = 0
    invited = set(
        (
            await session.scalars(
                select(InvitationRow.person_id).where(InvitationRow.campaign_id == campaign.id)
            )
        ).all()
    )
    issued: list[tuple[InvitationRow, PersonRow, str]] = []
    asked = await asking.asked_counts(
        session, [p.id for p in people if p.id not in invited], cap, now
    )
    deleting = await asking.deleting(session, [p.id for p in people if p.id not in invited])
    held: list[int] = []
    withheld: list[int] = []
    for person in people:
        if not wanted.matches(person, on):
            not_matching += 1
        elif person.id not in invited and person.id in deleting:
            withheld.append(person.id)
            invited.add(person.id)
        elif person.id not in invited and cap.on and asked[person.id] >= cap.surveys:
            held.append(person.id)
            invited.add(person.id)  # counted once, even if passed twice
        elif person.id not in invited:
            code = new_code()
            row = InvitationRow(
                campaign_id=campaign.id,
                person_id=person.id,
                code_hash=code_hash(code),
                form=campaign.report_form,
                audience=REPORT_AUDIENCE.get(person.cohort, person.cohort),
                age_band=band_of(person, now.date()),
                cohort=person.cohort,
                team=person.team or "",
                review_date=person.next_review_date,
                issued_at=now,
                expires_at=campaign.closes_at,
                reminders_sent=0,
            )
            session.add(row)
            issued.append((row, person, code))
            invited.add(person.id)
        if progress is not None:
            progress(1)
    await session.flush()
    if held:
        await asking.hold(session, campaign.id, held, cap.reason, now)
    if withheld:
        await asking.hold(session, campaign.id, withheld, asking.DELETING_REASON, now)
    if issued:
        await asking.release(session, campaign.id, [person.id for _, person, _ in issued])
    codes = tuple(_issued(row, person, code) for row, person, code in issued)
    already = len(people) - len(issued) - not_matching - len(held) - len(withheld)
    reasons = tuple((reason, n) for reason, n in (
        (asking.DELETING_REASON, len(withheld)), (cap.reason, len(held))) if n)
    return IssueSummary(len(issued), already, not_matching, codes, reasons)


def _issued(row: InvitationRow, person: PersonRow, code: str) -> IssuedCode:
    return IssuedCode(
        row.id, row.campaign_id, person.council_ref, person.first_name, code, row.expires_at
    )


def retired_code(hashed: str) -> Select[int]:
    """The invitation a code (by its hash) belonged to before a new letter replaced it."""
    return select(RetiredCodeRow.invitation_id).where(RetiredCodeRow.code_hash == hashed)


def no_invitation(retired: int | None) -> InvitationError:
    """The error for a code that names no invitation, given `retired_code`'s answer:
    "replaced" for an old letter's code, "unknown" for anything else (a guess)."""
    return InvitationError("unknown" if retired is None else "replaced")


async def find_invitation(session: AsyncSession, code: str) -> InvitationRow | None:
    """The invitation a code (typed in any accepted form) belongs to."""
    if not code.strip():
        return None
    return await session.scalar(
        select(InvitationRow).where(InvitationRow.code_hash == code_hash(code))
    )


async def revoke_invitation(session: AsyncSession, code: str, clock: Clock) -> InvitationRow:
    """Revoke an invitation by its code so its link stops working (again is harmless)."""
    invitation = await find_invitation(session, code)
    if invitation is None:
        raise NotFoundError("no invitation with that code")
    if invitation.revoked_at is None:
        invitation.revoked_at = clock.now()
    return invitation


async def revoke_invitation_id(
    session: AsyncSession, invitation_id: int, clock: Clock
) -> InvitationRow:
    """Revoke an invitation by its id (officers see ids, never codes)."""
    invitation = await session.get(InvitationRow, invitation_id)
    if invitation is None:
        raise NotFoundError(f"no invitation {invitation_id}")
    if invitation.revoked_at is None:
        invitation.revoked_at = clock.now()
    return invitation


async def reprint_invitation(
    session: AsyncSession, invitation_id: int, clock: Clock, *, campaign_id: int | None = None
) -> IssuedCode:
    """A new code for an invitation, for a new letter: the old code stops working at once.

    The old code's hash is kept (`RetiredCodeRow`): its link says a newer letter replaced
    it. A revoked invitation works again with its new code. If the young person had started,
    the first new chat that opens the new code carries on where they were, unchecked (the
    letter is the check), and wrong answers to the carry-on check are forgotten.
    """
    found = (
        await session.execute(
            select(InvitationRow, PersonRow)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.id == invitation_id)
            .with_for_update(of=InvitationRow)
        )
    ).first()
    if found is None or (campaign_id is not None and found[0].campaign_id != campaign_id):
        raise NotFoundError(f"no invitation {invitation_id}")
    invitation, person = found
    if person.erased_at is not None or person.status != ACTIVE:
        raise ConflictError(f"invitation {invitation_id} is for someone no longer active")
    if invitation.returned_at is not None:
        raise ConflictError(f"invitation {invitation_id} was returned: nothing to carry on")
    if invitation.expires_at <= clock.now():
        raise ConflictError(f"invitation {invitation_id} has expired")
    code = new_code()
    session.add(  # the old letter's link then says it was replaced (`no_invitation`)
        RetiredCodeRow(code_hash=invitation.code_hash, invitation_id=invitation.id,
                       retired_at=clock.now())
    )  # fmt: skip
    invitation.code_hash = code_hash(code)
    invitation.revoked_at = None
    invitation.handover = invitation.used_at is not None
    invitation.resume_failures = 0
    invitation.resume_failed_at = None
    await session.flush()
    return _issued(invitation, person, code)


async def reprint_letters(
    session: AsyncSession,
    campaign_id: int,
    clock: Clock,
    *,
    limit: int | None = None,
    offset: int = 0,
    scope: TeamScope = EVERY_TEAM,
    invitation_id: int | None = None,
) -> list[IssuedCode]:
    """New codes for a campaign's invitations not yet used, revoked, returned or expired,
    by council reference (a page of them with `limit` and `offset`), for letters."""
    ids = (
        await session.scalars(
            _unused(campaign_id, clock.now(), scope, invitation_id)
            .with_only_columns(InvitationRow.id)
            .order_by(PersonRow.council_ref)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [
        await reprint_invitation(session, invitation_id, clock, campaign_id=campaign_id)
        for invitation_id in ids
    ]


async def open_to_survey(
    session: AsyncSession, person_ids: Sequence[int], survey_key: str, now: datetime
) -> int:
    """How many of these young people already have an open invitation (not revoked,
    returned, declined or expired) to any version of the survey."""
    found = await session.scalars(
        select(InvitationRow.person_id).distinct()
        .join(CampaignRow, CampaignRow.id == InvitationRow.campaign_id)
        .join(SurveyVersionRow, SurveyVersionRow.id == CampaignRow.survey_version_id)
        .where(
            SurveyVersionRow.key == survey_key, CampaignRow.closes_at > now,
            InvitationRow.expires_at > now, InvitationRow.revoked_at.is_(None),
            InvitationRow.returned_at.is_(None), InvitationRow.declined_at.is_(None),
        )
    )
    return len(set(found.all()) & set(person_ids))


async def count_unused(
    session: AsyncSession,
    campaign_id: int,
    now: datetime,
    *,
    scope: TeamScope = EVERY_TEAM,
    invitation_id: int | None = None,
) -> int:
    """How many of a campaign's invitations still wait to be used (letters to print), of
    young people in `scope` (or the one invitation)."""
    count = await session.scalar(
        _unused(campaign_id, now, scope, invitation_id).with_only_columns(
            func.count(InvitationRow.id)
        )
    )
    return int(count or 0)


def _unused(
    campaign_id: int,
    now: datetime,
    scope: TeamScope = EVERY_TEAM,
    invitation_id: int | None = None,
) -> Select[InvitationRow]:
    return (
        select(InvitationRow)
        .join(PersonRow, PersonRow.id == InvitationRow.person_id)
        .where(
            scope.people(PersonRow.team),
            InvitationRow.campaign_id == campaign_id,
            # one invitation named (its page's "New letter"): a started one too, whose new
            # code carries on where they were; all of a campaign's: those not yet used
            *([InvitationRow.id == invitation_id, InvitationRow.returned_at.is_(None)]
              if invitation_id is not None else [InvitationRow.used_at.is_(None)]),
            InvitationRow.revoked_at.is_(None),
            InvitationRow.expires_at > now,
            PersonRow.erased_at.is_(None),
            PersonRow.status == ACTIVE,
            ~asking.deletion_waiting(PersonRow.id),  # no letter while that waits
        )
    )


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
                func.count(i.declined_at),
            )
            .join(PersonRow, PersonRow.id == i.person_id)
            .where(i.campaign_id == campaign_id)
        )
    ).one()
    return CampaignProgress(*(int(v) for v in row))
