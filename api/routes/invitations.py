"""Invitations: issue them for a campaign, list them with their links (audited), revoke
one, and draw one's link as a QR code for a letter."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Limit, OfficerKey, Offset, ReaderDep, ServicesDep, SessionDep
from api.errors import InvalidParameter
from api.queries import (
    campaign_view,
    invitation_by_code,
    invitation_by_id,
    issuable,
    list_invitations,
)
from api.routes.campaigns import (
    CampaignId,
    cohort_filter,
    issued_public,
    telegram_link,
    web_link,
)
from api.schemas import (
    AudienceFilter,
    InvitationPublic,
    IssuedInvitationPublic,
    IssuePublic,
    Page,
    error_responses,
)
from services.container import Services
from services.settings import Settings
from storage import campaigns as campaign_store
from storage.invitation_codes import canonical, display
from storage.tables import InvitationRow
from storage.teams import TeamScope
from surveys.errors import ConflictError, InvitationError, NotFoundError

router = APIRouter(tags=["invitations"])
Code = Annotated[str, Path(min_length=1, max_length=64, description="The invitation code.")]
InvitationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LinkKind = Annotated[
    Literal["auto", "telegram", "web"],
    Query(description="Which link to draw; auto is Telegram when the bot is set up, else web."),
]
QR_ERRORS = error_responses(401, 403, 404, 410, 422)


def _status(row: InvitationRow, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.returned_at is not None:
        return "returned"
    if row.started_at is not None:
        return "started"
    if row.expires_at <= now:
        return "expired"
    return "delivered" if row.delivered_at is not None else "issued"


def invitation_public(row: InvitationRow, ref: str, settings: Settings, now: datetime
                      ) -> InvitationPublic:
    return InvitationPublic.model_validate({
        "id": row.id, "council_ref": ref, "status": _status(row, now),
        "issued_at": row.issued_at, "expires_at": row.expires_at,
        "delivered_at": row.delivered_at, "started_at": row.started_at,
        "returned_at": row.returned_at, "revoked_at": row.revoked_at,
    })


@router.post("/campaigns/{campaign_id}/invitations",
             responses=error_responses(401, 403, 404, 409, 422))
async def issue_invitations(
    campaign_id: CampaignId, body: AudienceFilter, session: SessionDep, services: ServicesDep,
    caller: OfficerKey,
) -> IssuePublic:
    """Invite those matching the campaign's filter (narrowed by the body's) who have none yet.

    Only active young people are invited; the new codes are in the reply, this once."""
    campaign = await campaign_store.get_campaign(session, campaign_id)
    await issuable(session, campaign_id, caller.scope)
    now = services.clock.now()
    if campaign.closes_at <= now:
        raise ConflictError(f"campaign {campaign_id} closed at {campaign.closes_at:%Y-%m-%d %H:%M}"
                            " UTC; create a new campaign")
    people = [
        p for p in await campaign_store.campaign_people(
            session, campaign, campaign_store.campaign_day(campaign, now), cohort_filter(body))
        if caller.scope.sees_team(p.team)
    ]  # fmt: skip
    summary = await campaign_store.issue_invitations(
        session, campaign, people, services.clock, cap=services.asking_cap()
    )
    await caller.audit(session, services, "issue invitations", f"campaign {campaign_id}")
    return IssuePublic(
        issued=summary.issued, already_invited=summary.already_invited,
        not_invited=dict(summary.held),
        invitations=[issued_public(c, services.settings) for c in summary.codes],
    )


@router.post("/campaigns/{campaign_id}/invitations/{invitation_id}/reprint",
             responses=error_responses(401, 403, 404, 409, 422))
async def reprint_invitation(
    campaign_id: CampaignId, invitation_id: InvitationId, session: SessionDep,
    services: ServicesDep, caller: OfficerKey,
) -> IssuedInvitationPublic:
    """A new code for a new letter; the old code stops working at once. A young person who
    had started carries on where they were with the new code."""
    await invitation_by_id(session, invitation_id, caller.scope)
    issued = await campaign_store.reprint_invitation(
        session, invitation_id, services.clock, campaign_id=campaign_id)
    await caller.audit(session, services, "reprint invitation",
                       f"{issued.council_ref}, campaign {campaign_id}")
    return issued_public(issued, services.settings)


@router.post("/campaigns/{campaign_id}/invitations/{invitation_id}/revoke",
             responses=error_responses(401, 403, 404, 422))
async def revoke_invitation_by_id(
    campaign_id: CampaignId, invitation_id: InvitationId, session: SessionDep,
    services: ServicesDep, caller: OfficerKey,
) -> InvitationPublic:
    """Revoke an invitation by its id, so its link stops working (twice is harmless)."""
    await invitation_by_id(session, invitation_id, caller.scope)
    row = await campaign_store.revoke_invitation_id(session, invitation_id, services.clock)
    if row.campaign_id != campaign_id:
        raise NotFoundError(f"no invitation {invitation_id}")
    row, ref = await invitation_by_id(session, invitation_id)
    await caller.audit(session, services, "revoke invitation", f"{ref}, campaign {campaign_id}")
    return invitation_public(row, ref, services.settings, services.clock.now())


@router.get("/campaigns/{campaign_id}/invitations", responses=error_responses(401, 403, 404, 422))
async def list_invitations_route(
    campaign_id: CampaignId, session: SessionDep, services: ServicesDep, caller: OfficerKey,
    limit: Limit = 100, offset: Offset = 0,
) -> Page[InvitationPublic]:
    """A campaign's invitations with codes and links, by council reference (audited)."""
    await campaign_view(session, campaign_id, caller.scope)
    rows, total = await list_invitations(
        session, campaign_id, limit=limit, offset=offset, scope=caller.scope
    )
    await caller.audit(session, services, "list invitations",
                       f"campaign {campaign_id}: {len(rows)} of {total} (offset {offset})")
    now = services.clock.now()
    items = [invitation_public(row, ref, services.settings, now) for row, ref in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/invitations/{code}/revoke", responses=error_responses(401, 403, 404, 422))
async def revoke_invitation(
    code: Code, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> InvitationPublic:
    """Revoke an invitation so its link stops working (revoking twice is harmless)."""
    await invitation_by_code(session, code, caller.scope)
    await campaign_store.revoke_invitation(session, code, services.clock)
    row, ref = await invitation_by_code(session, code, caller.scope)
    await caller.audit(session, services, "revoke invitation", f"{ref}, campaign {row.campaign_id}")
    return invitation_public(row, ref, services.settings, services.clock.now())


async def _qr_link(
    session: AsyncSession, services: Services, code: str, link: str, scope: TeamScope
) -> str:
    row, _ = await invitation_by_code(session, code, scope)
    if row.revoked_at is not None:
        raise InvitationError("revoked")
    if row.used_at is not None:
        raise InvitationError("used")
    if row.expires_at <= services.clock.now():
        raise InvitationError("expired")
    telegram = telegram_link(services.settings, canonical(code))
    if link == "telegram" and telegram is None:
        raise InvalidParameter("link", "no Telegram bot is set up "
                               "(CAREVOICE_TELEGRAM_BOT_USERNAME); use web or auto")
    if link == "web" or telegram is None:
        return web_link(services.settings, display(code))
    return telegram


def _qr(text: str, kind: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind=kind, scale=8 if kind == "png" else 4, border=4)
    return out.getvalue()


@router.get("/invitations/{code}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}, "description": "A QR code."},
                       **QR_ERRORS})
async def invitation_qr_svg(
    code: Code, session: ReaderDep, services: ServicesDep, caller: OfficerKey,
    link: LinkKind = "auto",
) -> Response:
    """The invitation's link as an SVG QR code, for a letter."""
    text = await _qr_link(session, services, code, link, caller.scope)
    return Response(_qr(text, "svg"), media_type="image/svg+xml")


@router.get("/invitations/{code}/qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "A QR code."},
                       **QR_ERRORS})
async def invitation_qr_png(
    code: Code, session: ReaderDep, services: ServicesDep, caller: OfficerKey,
    link: LinkKind = "auto",
) -> Response:
    """The invitation's link as a PNG QR code, for a letter."""
    text = await _qr_link(session, services, code, link, caller.scope)
    return Response(_qr(text, "png"), media_type="image/png")
