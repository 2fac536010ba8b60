"""A young person's pages, for their IRO and worker: their record with every response
(`/officer/young-people/{ref}`; their subject access page, `/officer/people/{ref}`, is
linked from it), and a "Before my review" summary of one response: everything
they said, question by question, with what they asked for first, on one printed A4 page.
Every read is written to the audit log in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select
from starlette.responses import Response

from api.deps import ServicesDep
from api.queries import person_by_ref
from api.web.officer_forms import or_404
from api.web.render import render
from api.web.staff import OfficerStaff
from storage import audit, replies
from storage.alert_views import response_alerts
from storage.campaigns import band_of
from storage.summaries import person_responses, response_summary
from storage.tables import RequestRow, SafeguardingAlertRow
from surveys.insights.periods import uk_date

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/officer/responses/{response_id}")
async def before_my_review(response_id: Id, services: ServicesDep, staff: OfficerStaff) -> Response:
    """One young person's answers, requests first, ready to print (audited). An answer
    that raised a safeguarding alert is marked on screen and left out of the print."""
    async with services.db.transaction() as session:
        summary = await or_404(
            response_summary(session, services.catalog, response_id, staff.scope)
        )
        alerts = await response_alerts(session, response_id)
        await audit.record(
            session, services.clock, actor=staff.session.actor, action="read response",
            subject=f"response {response_id} ({summary.person.council_ref})",
        )
    return render(
        "officer_response.html", title=f"Before my review: {summary.person.council_ref}",
        council=services.settings.council_name, staff=staff, s=summary, alerts=alerts,
        band=band_of(summary.person, services.clock.now().date()),
        today=uk_date(services.clock.now()),
    )


@router.get("/officer/young-people/{council_ref:path}")
async def person_page(
    council_ref: Annotated[str, Path(min_length=1, max_length=64)], services: ServicesDep,
    staff: OfficerStaff,
) -> Response:
    """A young person's record, their safeguarding alerts, their responses (newest first,
    with what they asked for) and their requests (audited)."""
    async with services.db.transaction() as session:
        person = await or_404(person_by_ref(session, council_ref, staff.scope))
        responses = await person_responses(session, services.catalog, person.id)
        requests = list((await session.scalars(
            select(RequestRow).where(RequestRow.person_id == person.id)
            .order_by(RequestRow.created_at.desc())
        )).all())
        alerts = list((await session.scalars(  # what an officer preparing a call must see
            select(SafeguardingAlertRow).where(SafeguardingAlertRow.person_id == person.id)
            .order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
        )).all())
        messages = await replies.thread(session, person.id, limit=20)  # theirs and ours
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="read person", subject=person.council_ref)
    return render(
        "officer_person.html", title=person.council_ref, council=services.settings.council_name,
        staff=staff, p=person, band=band_of(person, services.clock.now().date()),
        responses=responses, requests=requests, alerts=alerts, messages=messages,
        today=uk_date(services.clock.now()),
    )
