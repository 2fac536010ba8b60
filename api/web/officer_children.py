"""A young person's "Before my review" summary, for their IRO and worker: everything they
said in one response, question by question, with what they asked for first. One printed
A4 page. Every read is written to the audit log in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from api.deps import ServicesDep
from api.web.officer_forms import or_404
from api.web.render import render
from api.web.staff import OfficerStaff
from storage import audit
from storage.campaigns import band_of
from storage.summaries import response_summary

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/officer/responses/{response_id}")
async def before_my_review(response_id: Id, services: ServicesDep, staff: OfficerStaff) -> Response:
    """One young person's answers, requests first, ready to print (audited)."""
    async with services.db.transaction() as session:
        summary = await or_404(
            response_summary(session, services.catalog, response_id, staff.scope)
        )
        await audit.record(
            session, services.clock, actor=staff.session.actor, action="read response",
            subject=f"response {response_id} ({summary.person.council_ref})",
        )
    return render(
        "officer_response.html", title=f"Before my review: {summary.person.council_ref}",
        council=services.settings.council_name, staff=staff, s=summary,
        band=band_of(summary.person, services.clock.now().date()),
    )
