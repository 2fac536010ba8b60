"""Rolling consultation before each review: a standing campaign that invites each young
person `days_before` their `next_review_date` and closes their invitation at the review.

    create_rolling_campaign(...)   the campaign and its settings (cohort, team, age bands)
    RollingCampaigns.scan()         the periodic job (`serve` and `bot`): invite who is due,
                                    follow a review that moved, queue Telegram messages
    review_report(...)              per young person: did the form come back before the review

An invitation is for one review (`review_date`) and expires at the start of that day (UK
time), so reminders stop and the link is refused from then on; a form already started
can still be finished, and then counts as returned after the review. A new review date
(a CSV re-import) starts the next cycle: another invitation, `cycle` + 1. Every step is
idempotent: two workers scanning at once insert each invitation once (unique campaign,
person and cycle) and queue each message once (the outbox's dedupe key).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage import asking
from storage.asking import NO_CAP, AskingCap
from storage.board._common import uk_midnight
from storage.campaigns import (
    REPORT_AUDIENCE,
    CohortFilter,
    band_of,
    create_campaign,
    get_campaign,
    select_people,
)
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.invitation_codes import code_hash, new_code
from storage.outbox import OutboxKind, enqueue
from storage.people import find_by_ref
from storage.tables import (
    CampaignRow,
    ChannelLinkRow,
    InvitationRow,
    PersonRow,
    RollingCampaignRow,
    SurveyVersionRow,
)
from storage.teams import EVERY_TEAM, TeamScope
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.insights.periods import uk_date

log = logging.getLogger(__name__)

DEFAULT_DAYS_BEFORE = 10
MAX_DAYS_BEFORE = 90
NO_END = datetime(9999, 1, 1, tzinfo=UTC)
"""The closing time of a standing campaign with no end date (until an officer closes it)."""


class ReviewOutcome(StrEnum):
    """Where one young person's form for one review stands."""

    BEFORE = "returned before the review"
    AFTER = "returned after the review"
    MISSED = "not returned by the review"
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """What one scan did."""

    invited: int = 0
    moved: int = 0
    queued: int = 0
    refused_past: int = 0  # a review date already past: not invited
    held: int = 0  # asked enough lately (`storage.asking`): not invited yet


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """One invitation of a rolling campaign, for the per-child report (officers only)."""

    council_ref: str
    cycle: int
    review_date: date | None
    issued_at: datetime
    delivered_at: datetime | None
    reminders_sent: int
    returned_at: datetime | None
    outcome: ReviewOutcome
    invitation_id: int = 0
    """What `carevoice invites reprint --invitation` takes."""


def review_closes_at(review: date) -> datetime:
    """When an invitation for a review on `review` closes: the start of that day, UK time."""
    return uk_midnight(review)


def check_review(person: PersonRow, today: date) -> date:
    """The young person's next review date, if one can still be consulted on; otherwise a
    ValidationError saying what to do."""
    review = person.next_review_date
    if review is None:
        raise ValidationError(
            f"{person.council_ref} has no next_review_date: add it (people import) first"
        )
    if review <= today:
        raise ValidationError(
            f"{person.council_ref}'s review date {review:%Y-%m-%d} has already passed; "
            "import their new next_review_date first"
        )
    return review


async def create_rolling_campaign(
    session: AsyncSession,
    catalog: SurveyCatalog,
    clock: Clock,
    *,
    name: str,
    survey_key: str,
    wanted: CohortFilter,
    days_before: int = DEFAULT_DAYS_BEFORE,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    report_form: str | None = None,
    max_reminders: int = 2,
    target_rate: float | None = None,
) -> CampaignRow:
    """A standing campaign for `wanted` (review-date filters do not apply: each young
    person is invited before each of their reviews)."""
    if not 1 <= days_before <= MAX_DAYS_BEFORE:
        raise ValidationError(f"days before the review must be between 1 and {MAX_DAYS_BEFORE}")
    if wanted.review_from or wanted.review_to:
        raise ValidationError(
            "a rolling campaign invites before every review: leave out the review-date window"
        )
    campaign = await create_campaign(
        session,
        catalog,
        clock,
        name=name,
        survey_key=survey_key,
        opens_at=opens_at or clock.now(),
        closes_at=closes_at or NO_END,
        report_form=report_form,
        max_reminders=max_reminders,
        target_rate=target_rate,
        audience=wanted,  # the campaign keeps every team chosen (`campaign.teams`)
    )
    teams = wanted.all_teams
    session.add(
        RollingCampaignRow(
            campaign_id=campaign.id,
            days_before=days_before,
            cohort=wanted.cohort,
            team=teams[0] if len(teams) == 1 else None,
            age_bands=list(wanted.age_bands),
        )
    )
    await session.flush()
    return campaign


async def rolling_settings(session: AsyncSession, campaign_id: int) -> RollingCampaignRow | None:
    """The rolling settings of a campaign (None for an ordinary campaign)."""
    return await session.get(RollingCampaignRow, campaign_id)


def filter_of(settings: RollingCampaignRow, campaign: CampaignRow | None = None) -> CohortFilter:
    """Who a rolling campaign covers: its cohort, age bands and teams (several teams are
    kept on the campaign row, `campaign.teams`)."""
    return CohortFilter(
        cohort=settings.cohort,
        team=settings.team,
        teams=tuple(str(t) for t in (campaign.teams or ())) if campaign is not None else (),
        age_bands=tuple(str(b) for b in settings.age_bands or ()),
    )


class AskedEnough(ConflictError):
    """A young person was asked enough lately (the asking cap): not invited; the message
    is the reason officers read ("already asked twice this month")."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"not invited: {reason}")


async def invite_for_review(
    session: AsyncSession,
    campaign_id: int,
    council_ref: str,
    clock: Clock,
    cap: AskingCap = NO_CAP,
) -> tuple[InvitationRow, bool]:
    """Invite one young person to a rolling campaign for their next review now (ahead of
    the scan); (invitation, True if new). A review date already past is refused. The
    asking cap applies as when issuing: a young person asked enough lately gets no new
    invitation, a hold with the reason is recorded on the campaign (kept if the caller
    commits) and `AskedEnough` says why; their invitation for this review, if made
    already, is still theirs."""
    campaign = await get_campaign(session, campaign_id)
    settings = await rolling_settings(session, campaign_id)
    if settings is None:
        raise ConflictError(f"campaign {campaign_id} is not a rolling campaign")
    person = await find_by_ref(session, council_ref)
    if person is None or person.erased_at is not None:
        raise NotFoundError("no young person with that reference")
    now = clock.now()
    if campaign.closes_at <= now:
        raise ValidationError(f"campaign {campaign_id} has closed")
    review = check_review(person, uk_date(now))
    last = await _latest(session, campaign.id, person.id)
    fresh = last is None or (last.review_date != review and not _open(last, now))
    if fresh and await asking.deleting(session, [person.id]):
        await asking.hold(session, campaign.id, [person.id], asking.DELETING_REASON, now)
        raise AskedEnough(asking.DELETING_REASON)
    if fresh and cap.on:
        asked = await asking.asked_counts(session, [person.id], cap, now)
        if asked[person.id] >= cap.surveys:
            await asking.hold(session, campaign.id, [person.id], cap.reason, now)
            raise AskedEnough(cap.reason)
    invitation, created = await _invite(session, campaign, person, review, now)
    if created:
        await asking.release(session, campaign.id, [person.id])
    if invitation is None:  # another worker made it at the same moment
        invitation = await _latest(session, campaign.id, person.id)
        assert invitation is not None
    return invitation, created


@dataclass
class RollingCampaigns:
    """The periodic job of rolling campaigns; each campaign is one short transaction."""

    db: Database
    clock: Clock
    channel: str = "telegram"
    cap: AskingCap = NO_CAP  # how often one young person may be asked (CAREVOICE_ASK_*)

    async def scan(self) -> ScanSummary:
        """Invite everyone due in every open rolling campaign, follow moved reviews, and
        queue the invitations of young people linked on Telegram."""
        now = self.clock.now()
        async with self.db.reader() as session:
            ids = list(
                (
                    await session.scalars(
                        select(RollingCampaignRow.campaign_id)
                        .join(CampaignRow, CampaignRow.id == RollingCampaignRow.campaign_id)
                        .where(CampaignRow.opens_at <= now, CampaignRow.closes_at > now)
                        .order_by(RollingCampaignRow.campaign_id)
                    )
                ).all()
            )
        totals = ScanSummary()
        for campaign_id in ids:
            async with self.db.transaction() as session:
                done = await self._scan_one(session, campaign_id, now)
            totals = ScanSummary(
                *(a + b for a, b in zip(_fields(totals), _fields(done), strict=True))
            )
        if totals.invited or totals.moved:
            log.info(
                "rolling campaigns: %d invited, %d moved, %d queued",
                totals.invited,
                totals.moved,
                totals.queued,
            )
        return totals

    async def scan_campaign(self, session: AsyncSession, campaign_id: int) -> ScanSummary:
        """Scan one rolling campaign in the caller's transaction (just after creating it)."""
        return await self._scan_one(session, campaign_id, self.clock.now(), count_past=True)

    async def _scan_one(
        self, session: AsyncSession, campaign_id: int, now: datetime, *, count_past: bool = False
    ) -> ScanSummary:
        """One campaign: reviews moved, then who is due. Only young people whose review is
        due within the window are read (in SQL); `count_past` also counts those whose
        review date has already passed (stale data an officer should update)."""
        campaign = await session.get_one(CampaignRow, campaign_id)
        settings = await session.get_one(RollingCampaignRow, campaign_id)
        if not campaign.opens_at <= now < campaign.closes_at:
            return ScanSummary()
        today = uk_date(now)
        moved = await _follow_moved_reviews(session, campaign_id, today)
        due_by = today + timedelta(days=settings.days_before)
        window = replace(
            filter_of(settings, campaign), review_from=today + timedelta(days=1), review_to=due_by
        )
        people = [p for p in await select_people(session, window, today) if p.status == "active"]
        latest = await _latest_by_person(session, campaign_id, [p.id for p in people])
        wanted: list[dict[str, Any]] = []
        for person in people:
            review = person.next_review_date
            last = latest.get(person.id)
            if review is None or (last is not None and last.review_date == review):
                continue  # already invited for this review (a moved one was followed above)
            wanted.append(_new_invitation(campaign, person, review, now, last))
        wanted, held = await self._within_cap(session, campaign_id, wanted, now)
        made = await _insert_invitations(session, wanted)
        if made:
            await asking.release(session, campaign_id, made)
        queued = await self._queue(session, campaign, people, made, now)
        past = await _past_reviews(session, campaign_id, settings, today) if count_past else 0
        settings.last_scan_at = now
        return ScanSummary(len(made), moved, queued, past, held)

    async def _within_cap(
        self, session: AsyncSession, campaign_id: int, rows: list[dict[str, Any]], now: datetime
    ) -> tuple[list[dict[str, Any]], int]:
        """The invitations to make, less those of young people asked enough lately or whose
        request to delete waits: they are held (with the reason, for officers) and looked
        at again on the next scan."""
        if not rows:
            return rows, 0
        ids = [r["person_id"] for r in rows]
        deleting = await asking.deleting(session, ids)
        if deleting:  # asked to be deleted: asked nothing while that waits
            await asking.hold(session, campaign_id, deleting, asking.DELETING_REASON, now)
        rows = [r for r in rows if r["person_id"] not in deleting]
        if not rows or not self.cap.on:
            return rows, len(deleting)
        asked = await asking.asked_counts(session, [r["person_id"] for r in rows], self.cap, now)
        held = [r["person_id"] for r in rows if asked[r["person_id"]] >= self.cap.surveys]
        if held:
            await asking.hold(session, campaign_id, held, self.cap.reason, now)
        kept = [r for r in rows if asked[r["person_id"]] < self.cap.surveys]
        return kept, len(held) + len(deleting)

    async def _queue(
        self,
        session: AsyncSession,
        campaign: CampaignRow,
        people: Sequence[PersonRow],
        made: dict[int, tuple[int, datetime]],
        now: datetime,
    ) -> int:
        """Queue the new invitations (`made`: person id to invitation id and closing time)
        of young people linked on Telegram, in one query for their chats; the others are
        on the web: their letter carries the link."""
        reachable = [
            p.id
            for p in people
            if p.id in made and p.stopped_at is None and p.unreachable_at is None
        ]
        if not reachable:
            return 0
        title = await session.scalar(
            select(SurveyVersionRow.title).where(SurveyVersionRow.id == campaign.survey_version_id)
        )
        links = await session.execute(
            select(ChannelLinkRow.person_id, ChannelLinkRow.address)
            .where(ChannelLinkRow.person_id.in_(reachable), ChannelLinkRow.channel == self.channel)
            .order_by(ChannelLinkRow.linked_at, ChannelLinkRow.id)
        )
        addresses = dict(links.all())  # the newest link of each young person wins
        queued = 0
        for person_id, address in addresses.items():
            invitation_id, closes = made[person_id]
            queued += await enqueue(
                session,
                kind=OutboxKind.INVITATION,
                channel=self.channel,
                address=address,
                payload={"title": title or "", "closes_at": closes.isoformat()},
                dedupe_key=f"invitation:{invitation_id}:{self.channel}",
                now=now,
                not_before=max(now, campaign.opens_at),
                person_id=person_id,
                invitation_id=invitation_id,
            )
        return queued


SCAN_EVERY = 300.0


async def keep_rolling(
    db: Database, clock: Clock, every: float = SCAN_EVERY, *, cap: AskingCap = NO_CAP
) -> None:
    """Scan rolling campaigns every `every` seconds until cancelled (`carevoice serve`; the
    bot's reminder timer scans too, and the two never invite or queue anyone twice)."""
    jobs = RollingCampaigns(db, clock, cap=cap)
    while True:
        try:
            await jobs.scan()
        except Exception as error:  # the database may be briefly away: next time round
            log.error("rolling campaign scan failed: %s", type(error).__name__)
        await asyncio.sleep(every)


def _fields(summary: ScanSummary) -> tuple[int, int, int, int, int]:
    return summary.invited, summary.moved, summary.queued, summary.refused_past, summary.held


async def _invite(
    session: AsyncSession,
    campaign: CampaignRow,
    person: PersonRow,
    review: date,
    now: datetime,
) -> tuple[InvitationRow | None, bool]:
    """The invitation for `review`: the open one (its review moved), or a new round.
    (None, False) when another worker inserted the same round first."""
    last = await _latest(session, campaign.id, person.id)
    if last is not None and last.review_date == review:
        return last, False
    if last is not None and _open(last, now):
        last.review_date = review  # the review was moved: the same form, a new date
        last.expires_at = review_closes_at(review)
        return last, False
    made = await _insert_invitations(
        session, [_new_invitation(campaign, person, review, now, last)]
    )
    if person.id not in made:
        return None, False
    return await session.get_one(InvitationRow, made[person.id][0]), True


def _new_invitation(
    campaign: CampaignRow,
    person: PersonRow,
    review: date,
    now: datetime,
    last: InvitationRow | None,
) -> dict[str, Any]:
    """The row of a young person's invitation for one review: the next round."""
    return {
        "campaign_id": campaign.id,
        "person_id": person.id,
        "cycle": (last.cycle + 1) if last is not None else 1,
        "code": code_hash(new_code()),  # its letter or Telegram message makes the code seen
        "form": campaign.report_form,
        "audience": REPORT_AUDIENCE.get(person.cohort, person.cohort),
        "age_band": band_of(person, uk_date(now)),
        "cohort": person.cohort,
        "team": person.team or "",
        "review_date": review,
        "issued_at": now,
        "expires_at": min(review_closes_at(review), campaign.closes_at),
        "reminders_sent": 0,
    }


INSERT_BATCH = 500


async def _insert_invitations(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> dict[int, tuple[int, datetime]]:
    """Insert invitations, a batch a statement; a round another worker inserted first is
    skipped. Returns person id to (invitation id, closing time) for the rows inserted."""
    made: dict[int, tuple[int, datetime]] = {}
    if not rows:
        return made
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    closes = {row["person_id"]: row["expires_at"] for row in rows}
    for start in range(0, len(rows), INSERT_BATCH):
        statement = (
            insert(InvitationRow)
            .values(list(rows[start : start + INSERT_BATCH]))
            .on_conflict_do_nothing(index_elements=["campaign_id", "person_id", "cycle"])
            .returning(InvitationRow.id, InvitationRow.person_id)
        )
        for invitation_id, person_id in (await session.execute(statement)).all():
            made[person_id] = (invitation_id, closes[person_id])
    return made


def _open(invitation: InvitationRow, now: datetime) -> bool:
    return (
        invitation.returned_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > now
    )


async def _latest(session: AsyncSession, campaign_id: int, person_id: int) -> InvitationRow | None:
    return await session.scalar(
        select(InvitationRow)
        .where(InvitationRow.campaign_id == campaign_id, InvitationRow.person_id == person_id)
        .order_by(InvitationRow.cycle.desc())
        .limit(1)
    )


async def _latest_by_person(
    session: AsyncSession, campaign_id: int, person_ids: Sequence[int]
) -> dict[int, InvitationRow]:
    """Each young person's newest invitation to the campaign, in one query."""
    if not person_ids:
        return {}
    newest = (
        select(InvitationRow.person_id, func.max(InvitationRow.cycle).label("cycle"))
        .where(InvitationRow.campaign_id == campaign_id)
        .group_by(InvitationRow.person_id)
        .subquery()
    )
    rows = await session.scalars(
        select(InvitationRow).join(
            newest,
            and_(
                InvitationRow.campaign_id == campaign_id,
                InvitationRow.person_id == newest.c.person_id,
                InvitationRow.cycle == newest.c.cycle,
            ),
        )
    )
    wanted = set(person_ids)
    return {row.person_id: row for row in rows if row.person_id in wanted}


async def _past_reviews(
    session: AsyncSession, campaign_id: int, settings: RollingCampaignRow, today: date
) -> int:
    """Young people the campaign covers whose review date has passed with no invitation
    for it: they cannot be consulted until a new date is imported."""
    campaign = await session.get_one(CampaignRow, campaign_id)
    past = replace(filter_of(settings, campaign), review_to=today)
    people = [p for p in await select_people(session, past, today) if p.status == "active"]
    latest = await _latest_by_person(session, campaign_id, [p.id for p in people])
    return sum(
        1
        for p in people
        if (last := latest.get(p.id)) is None or last.review_date != p.next_review_date
    )


async def _follow_moved_reviews(session: AsyncSession, campaign_id: int, today: date) -> int:
    """Open invitations whose young person's review was moved to another future date take
    the new date (and close at it). Returns how many."""
    rows = (
        await session.execute(
            select(InvitationRow, PersonRow.next_review_date)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(
                InvitationRow.campaign_id == campaign_id,
                InvitationRow.returned_at.is_(None),
                InvitationRow.revoked_at.is_(None),
                InvitationRow.expires_at > uk_midnight(today),
                PersonRow.next_review_date.is_not(None),
                PersonRow.next_review_date > today,
                PersonRow.next_review_date != InvitationRow.review_date,
            )
        )
    ).all()
    for invitation, review in rows:
        if review is not None:
            invitation.review_date = review
            invitation.expires_at = review_closes_at(review)
    return len(rows)


async def review_report(
    session: AsyncSession,
    campaign_id: int,
    clock: Clock,
    *,
    limit: int = 500,
    offset: int = 0,
    scope: TeamScope = EVERY_TEAM,
) -> tuple[list[ReviewLine], int]:
    """Per young person and review, whether the form came back before the review; newest
    reviews first. Officers only: it names council references."""
    if await rolling_settings(session, campaign_id) is None:
        await get_campaign(session, campaign_id)  # 404 for a campaign that does not exist
        raise ConflictError(f"campaign {campaign_id} is not a rolling campaign")
    i = InvitationRow
    total = int(
        await session.scalar(
            select(func.count(i.id))
            .join(PersonRow, PersonRow.id == i.person_id)
            .where(i.campaign_id == campaign_id, scope.people(PersonRow.team))
        )
        or 0
    )
    rows = await session.execute(
        select(PersonRow.council_ref, i)
        .join(PersonRow, PersonRow.id == i.person_id)
        .where(i.campaign_id == campaign_id, scope.people(PersonRow.team))
        .order_by(i.review_date.desc(), PersonRow.council_ref, i.cycle.desc())
        .limit(limit)
        .offset(offset)
    )
    now = clock.now()
    lines = [
        ReviewLine(
            ref,
            inv.cycle,
            inv.review_date,
            inv.issued_at,
            inv.delivered_at,
            inv.reminders_sent,
            inv.returned_at,
            outcome_of(inv, now),
            inv.id,
        )
        for ref, inv in rows.all()
    ]
    return lines, total


def outcome_of(invitation: InvitationRow, now: datetime) -> ReviewOutcome:
    """Before, after, missed or still open, judged in UK dates as the scorecard does."""
    review = invitation.review_date
    if invitation.returned_at is not None:
        if review is None or uk_date(invitation.returned_at) < review:
            return ReviewOutcome.BEFORE
        return ReviewOutcome.AFTER
    if invitation.expires_at <= now or invitation.revoked_at is not None:
        return ReviewOutcome.MISSED
    return ReviewOutcome.OPEN


__all__ = [
    "DEFAULT_DAYS_BEFORE",
    "NO_END",
    "AskedEnough",
    "ReviewLine",
    "ReviewOutcome",
    "RollingCampaigns",
    "ScanSummary",
    "check_review",
    "create_rolling_campaign",
    "invite_for_review",
    "keep_rolling",
    "outcome_of",
    "review_closes_at",
    "review_report",
    "rolling_settings",
]
