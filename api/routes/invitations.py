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
from api.queries import campaign_view, invitation_by_code, issuable, list_invitations
from api.routes.campaigns import CampaignId, cohort_filter
from api.schemas import AudienceFilter, InvitationPublic, IssuePublic, Page, error_responses
from carevoice.settings import Settings
from carevoice.wiring import Services
from storage import campaigns as campaign_store
from storage.tables import InvitationRow
from storage.teams import TeamScope
from surveys.errors import ConflictError, InvitationError

router = APIRouter(tags=["invitations"])
Code = Annotated[str, Path(min_length=1, max_length=64, description="The invitation code.")]
LinkKind = Annotated[
    Literal["auto", "telegram", "web"],
    Query(description="Which link to draw; auto is Telegram when the bot is set up, else web."),
]
QR_ERRORS = error_responses(401, 403, 404, 410, 422)


def web_link(settings: Settings, code: str) -> str:
    return f"{settings.public_url.rstrip('/')}/c/{code}"


def telegram_link(settings: Settings, code: str) -> str | None:
    username = (settings.telegram_bot_username or "").lstrip("@")
    return f"https://t.me/{username}?start={code}" if username else None


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
        "code": row.code, "council_ref": ref, "status": _status(row, now),
        "web_link": web_link(settings, row.code),
        "telegram_link": telegram_link(settings, row.code),
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
    """Invite everyone matching who has no invitation to this campaign yet."""
    campaign = await campaign_store.get_campaign(session, campaign_id)
    await issuable(session, campaign_id, caller.scope)
    now = services.clock.now()
    if campaign.closes_at <= now:
        raise ConflictError(f"campaign {campaign_id} closed at {campaign.closes_at:%Y-%m-%d %H:%M}"
                            " UTC; create a new campaign")
    people = [
        p for p in await campaign_store.select_people(session, cohort_filter(body), now.date())
        if caller.scope.sees_team(p.team)
    ]
    summary = await campaign_store.issue_invitations(session, campaign, people, services.clock)
    await caller.audit(session, services, "issue invitations", f"campaign {campaign_id}")
    return IssuePublic(issued=summary.issued, already_invited=summary.already_invited)


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
    telegram = telegram_link(services.settings, code)
    if link == "telegram" and telegram is None:
        raise InvalidParameter("link", "no Telegram bot is set up "
                               "(CAREVOICE_TELEGRAM_BOT_USERNAME); use web or auto")
    if link == "web" or telegram is None:
        return web_link(services.settings, code)
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
