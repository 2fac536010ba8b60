"""Rolling consultation before each review: create a standing campaign, read per child
whether the form came back before the review (audited), invite one young person now."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.deps import Limit, OfficerKey, Offset, ServicesDep, SessionDep
from api.queries import issuable, person_by_ref
from api.schemas import NAME_PATTERN, AgeBand, Page, error_responses
from storage.campaigns import CohortFilter, within_scope
from storage.rolling import (
    DEFAULT_DAYS_BEFORE,
    MAX_DAYS_BEFORE,
    NO_END,
    RollingCampaigns,
    create_rolling_campaign,
    invite_for_review,
    outcome_of,
    review_report,
)
from surveys.people import Cohort

router = APIRouter(prefix="/campaigns", tags=["rolling campaigns"])
CampaignId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class RollingCreate(BaseModel):
    """A standing campaign: each young person who matches is invited `days_before` their
    next review, and their invitation closes at the start of the review day."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    survey: str = Field(min_length=1, max_length=64, description="Survey key.")
    days_before: int = Field(DEFAULT_DAYS_BEFORE, ge=1, le=MAX_DAYS_BEFORE)
    cohort: Cohort | None = None
    age_bands: list[AgeBand] = Field(default_factory=list, max_length=7)
    team: str | None = Field(None, max_length=64)
    opens_at: AwareDatetime | None = Field(None, description="Default: now.")
    closes_at: AwareDatetime | None = Field(None, description="Default: no end date.")
    report_form: str | None = Field(None, max_length=48, pattern=NAME_PATTERN)
    max_reminders: int = Field(2, ge=0, le=10)
    target_rate: float | None = Field(None, gt=0, le=1)


class RollingCreated(BaseModel):
    """The new rolling campaign and what its first scan did."""

    id: int
    name: str
    days_before: int
    opens_at: datetime
    closes_at: datetime | None = Field(description="None: no end date.")
    invited_now: int
    queued_on_telegram: int
    past_reviews: int = Field(description="Young people not invited: review date past.")
    not_invited: dict[str, int] = Field(
        default_factory=dict,
        description="Young people not invited yet, per reason (asked enough lately); "
        "each scan looks at them again.",
    )


class ReviewPublic(BaseModel):
    """One young person's form for one review."""

    council_ref: str
    round: int
    review_date: date | None
    invited_at: datetime
    delivered_at: datetime | None
    reminders_sent: int
    returned_at: datetime | None
    outcome: str


class ReviewInvite(BaseModel):
    """Invite this young person for their next review now."""

    model_config = ConfigDict(extra="forbid")

    council_ref: str = Field(min_length=1, max_length=64)


@router.post("/rolling", status_code=201, responses=error_responses(401, 403, 404, 422))
async def create_rolling(
    body: RollingCreate, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> RollingCreated:
    """Create a rolling campaign; who is due now is invited at once (by the next scan)."""
    wanted = CohortFilter(
        cohort=body.cohort.value if body.cohort else None,
        age_bands=tuple(body.age_bands),
        team=body.team,
    )
    wanted = within_scope(wanted, caller.scope)  # a team key: its own teams only
    campaign = await create_rolling_campaign(
        session, services.catalog, services.clock, name=body.name, survey_key=body.survey,
        wanted=wanted, days_before=body.days_before, opens_at=body.opens_at,
        closes_at=body.closes_at, report_form=body.report_form,
        max_reminders=body.max_reminders, target_rate=body.target_rate,
    )  # fmt: skip
    jobs = RollingCampaigns(services.db, services.clock, cap=services.asking_cap())
    scan = await jobs.scan_campaign(session, campaign.id)
    await caller.audit(session, services, "create rolling campaign", f"campaign {campaign.id}")
    return RollingCreated(
        id=campaign.id, name=campaign.name, days_before=body.days_before,
        opens_at=campaign.opens_at,
        closes_at=None if campaign.closes_at >= NO_END else campaign.closes_at,
        invited_now=scan.invited, queued_on_telegram=scan.queued, past_reviews=scan.refused_past,
        not_invited={jobs.cap.reason: scan.held} if scan.held else {},
    )  # fmt: skip


@router.get("/{campaign_id}/reviews", responses=error_responses(401, 403, 404, 409, 422))
async def campaign_reviews(
    campaign_id: CampaignId,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ReviewPublic]:
    """Per young person and review: was the form returned before it (audited)."""
    await issuable(session, campaign_id, caller.scope)  # another team's campaign: 404
    lines, total = await review_report(
        session, campaign_id, services.clock, limit=limit, offset=offset, scope=caller.scope
    )
    await caller.audit(
        session, services, "read review report",
        f"campaign {campaign_id}: {len(lines)} of {total} (offset {offset})",
    )  # fmt: skip
    items = [
        ReviewPublic(
            council_ref=line.council_ref,
            round=line.cycle,
            review_date=line.review_date,
            invited_at=line.issued_at,
            delivered_at=line.delivered_at,
            reminders_sent=line.reminders_sent,
            returned_at=line.returned_at,
            outcome=str(line.outcome),
        )
        for line in lines
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/{campaign_id}/reviews", status_code=201, responses=error_responses(401, 403, 404, 409, 422)
)
async def invite_before_review(
    campaign_id: CampaignId,
    body: ReviewInvite,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
) -> ReviewPublic:
    """Invite one young person for their next review now.

    A review date already past is refused (422) with what to do, and a young person asked
    enough lately (the asking cap) is not invited (409, with the reason)."""
    await issuable(session, campaign_id, caller.scope)  # another team's campaign: 404
    # the reference as held: the one the key may see (`find_by_ref` forgives case)
    ref = (await person_by_ref(session, body.council_ref, caller.scope)).council_ref
    invitation, _ = await invite_for_review(
        session, campaign_id, ref, services.clock, cap=services.asking_cap()
    )
    await caller.audit(
        session, services, "invite before review", f"campaign {campaign_id}: {body.council_ref}"
    )
    return ReviewPublic(
        council_ref=body.council_ref, round=invitation.cycle, review_date=invitation.review_date,
        invited_at=invitation.issued_at, delivered_at=invitation.delivered_at,
        reminders_sent=invitation.reminders_sent, returned_at=invitation.returned_at,
        outcome=str(outcome_of(invitation, services.clock.now())),
    )  # fmt: skip
