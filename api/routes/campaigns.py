"""Campaigns: create one for a cohort (issuing invitations), list them, see progress, and
read a campaign's responses (audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.exceptions import HTTPException

from api.deps import Limit, OfficerKey, Offset, ReaderDep, ServicesDep, SessionDep
from api.queries import (
    CampaignView,
    campaign_responses,
    campaign_view,
    list_campaigns,
    scoped_progress,
)
from api.schemas import (
    AnswerPublic,
    AudienceFilter,
    CampaignClosed,
    CampaignCreate,
    CampaignCreated,
    CampaignPublic,
    IssuedInvitationPublic,
    Page,
    ProgressPublic,
    ResponsePublic,
    error_responses,
)
from services.settings import Settings
from storage import asking, audit
from storage import campaigns as campaign_store
from storage.campaign_closing import close_campaign
from surveys.errors import ValidationError

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
CampaignId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DEFAULT_OPEN = timedelta(days=14)


def cohort_filter(body: AudienceFilter) -> campaign_store.CohortFilter:
    """The store's filter for an audience in a request."""
    return campaign_store.CohortFilter(
        cohort=body.cohort.value if body.cohort else None,
        age_bands=tuple(body.age_bands),
        team=body.team,
        teams=tuple(body.teams),
        review_from=body.review_from,
        review_to=body.review_to,
    )


def campaign_public(view: CampaignView) -> CampaignPublic:
    row = view.row
    return CampaignPublic(
        id=row.id, name=row.name, survey=view.survey, survey_version=view.survey_version,
        report_form=row.report_form, opens_at=row.opens_at, closes_at=row.closes_at,
        max_reminders=row.max_reminders, target_rate=row.target_rate, created_at=row.created_at,
        cohort=row.cohort, age_bands=list(row.age_bands or ()), teams=list(row.teams or ()),
        review_from=row.review_from, review_to=row.review_to,
    )


@router.post("", status_code=201, responses=error_responses(401, 403, 404, 422))
async def create_campaign(
    body: CampaignCreate, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> CampaignCreated:
    """Create a campaign on a survey's newest version; by default, invite everyone matching."""
    now = services.clock.now()
    opens_at = body.opens_at or now
    closes_at = body.closes_at or opens_at + DEFAULT_OPEN
    if body.issue_invitations and closes_at <= now:
        raise ValidationError("closes_at is in the past: invitations would never work")
    campaign = await campaign_store.create_campaign(
        session, services.catalog, services.clock, name=body.name, survey_key=body.survey,
        opens_at=opens_at, closes_at=closes_at, report_form=body.report_form,
        max_reminders=body.max_reminders, target_rate=body.target_rate,
        audience=campaign_store.within_scope(cohort_filter(body), caller.scope),
    )
    people = [
        p for p in await campaign_store.campaign_people(
            session, campaign, campaign_store.campaign_day(campaign, now))
        if caller.scope.sees_team(p.team)
    ]  # fmt: skip
    issued: list[IssuedInvitationPublic] = []
    held: dict[str, int] = {}
    if body.issue_invitations:
        summary = await campaign_store.issue_invitations(
            session, campaign, people, services.clock, cap=services.asking_cap())
        issued = [issued_public(c, services.settings) for c in summary.codes]
        held = dict(summary.held)
        await caller.audit(session, services, "issue invitations", f"campaign {campaign.id}")
    view = await campaign_view(session, campaign.id)
    return CampaignCreated(
        **campaign_public(view).model_dump(), matched=len(people),
        invitations_issued=len(issued), invitations=issued, not_invited=held,
    )


def issued_public(issued: campaign_store.IssuedCode, settings: Settings) -> IssuedInvitationPublic:
    """A code just made, with its links (shown this once)."""
    return IssuedInvitationPublic(
        id=issued.invitation_id, council_ref=issued.council_ref, first_name=issued.first_name,
        code=issued.printed, web_link=web_link(settings, issued.printed),
        telegram_link=telegram_link(settings, issued.code), expires_at=issued.expires_at,
    )


def web_link(settings: Settings, code: str) -> str:
    return f"{settings.public_url.rstrip('/')}/c/{code}"


def telegram_link(settings: Settings, code: str) -> str | None:
    username = (settings.telegram_bot_username or "").lstrip("@")
    return f"https://t.me/{username}?start={code}" if username else None


@router.get("", responses=error_responses(401, 403, 422))
async def list_campaigns_route(
    session: ReaderDep, caller: OfficerKey, limit: Limit = 100, offset: Offset = 0
) -> Page[CampaignPublic]:
    """Campaigns, newest first by opening date.

    A key for some teams sees the campaigns that invited their young people."""
    views, total = await list_campaigns(session, limit=limit, offset=offset, scope=caller.scope)
    return Page(
        items=[campaign_public(v) for v in views], total=total, limit=limit, offset=offset
    )


@router.get("/rolling", include_in_schema=False)
async def rolling_is_post_only() -> None:
    """`/campaigns/rolling` takes POST only (api/routes/rolling.py): a GET is 405 with
    `Allow: POST`, not a campaign id "rolling" refused by the route below."""
    raise HTTPException(405)


@router.get("/{campaign_id}", responses=error_responses(401, 403, 404, 422))
async def show_campaign(
    campaign_id: CampaignId, session: ReaderDep, caller: OfficerKey
) -> CampaignPublic:
    """One campaign."""
    return campaign_public(await campaign_view(session, campaign_id, caller.scope))


@router.post("/{campaign_id}/close", responses=error_responses(401, 403, 404, 409, 422))
async def close_campaign_route(
    campaign_id: CampaignId, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> CampaignClosed:
    """Close a campaign now (one sent by mistake, or done).

    Its links stop working, nothing more is sent, unopened invitations are withdrawn (they
    don't count towards the asking cap), answers are kept. 409 if it has closed already,
    or if a team key's campaign also reaches other teams."""
    await campaign_view(session, campaign_id, caller.scope)
    done = await close_campaign(session, campaign_id, services.clock, scope=caller.scope)
    await caller.audit(session, services, "close campaign",
                       f"campaign {campaign_id}: {done.unopened} withdrawn")
    return CampaignClosed(unopened_withdrawn=done.unopened, started_unfinished=done.started,
                          returned=done.finished, messages_cancelled=done.waiting_messages)


@router.get("/{campaign_id}/progress", responses=error_responses(401, 403, 404, 422))
async def campaign_progress(
    campaign_id: CampaignId, session: ReaderDep, caller: OfficerKey
) -> ProgressPublic:
    """Invited, delivered, started, returned, opted out and unreachable, for one campaign.

    A key for some teams counts their young people only."""
    await campaign_view(session, campaign_id, caller.scope)
    progress = await scoped_progress(session, campaign_id, caller.scope)
    held = await asking.held_by_reason(session, campaign_id, caller.scope)
    return ProgressPublic.model_validate(progress).model_copy(update={"not_invited": held})


@router.get("/{campaign_id}/responses", responses=error_responses(401, 403, 404, 422))
async def campaign_responses_route(
    campaign_id: CampaignId,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ResponsePublic]:
    """A campaign's responses with their current answers, including free text (audited)."""
    await campaign_view(session, campaign_id, caller.scope)
    views, total = await campaign_responses(
        session, campaign_id, limit=limit, offset=offset, scope=caller.scope
    )
    await caller.audit(
        session, services, "read responses",
        f"campaign {campaign_id}: {len(views)} of {total} (offset {offset})",
    )
    await audit.record_each(  # each young person's own "who looked" names this read
        session, services.clock, actor=caller.actor, action="read responses",
        refs=[v.council_ref for v in views], where=f"campaign {campaign_id}, a list",
    )
    items = [
        ResponsePublic(
            id=v.row.id, council_ref=v.council_ref, status=v.row.status, channel=v.row.channel,
            share_quotes=v.row.share_quotes, started_at=v.row.started_at,
            returned_at=v.row.returned_at,
            answers=[
                AnswerPublic(
                    question_id=a.question_id, kind=a.kind, theme=a.theme, sensitive=a.sensitive,
                    private=a.private, skipped=a.skipped, value=None if a.private else a.value,
                    text=None if a.private else a.text, answered_at=a.answered_at,
                )
                for a in v.answers
            ],
        )
        for v in views
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)
