"""Officer pages for subject access: `/officer/people` (requests for "my data" and a
look-up by reference) and `/officer/people/{ref}` (everything held about one young
person, written for them to read and print; `?format=json` for the same as JSON).

Each view of a young person's data is written to the audit log (`storage.subject_access`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.queries import list_requests_in_scope, person_by_ref
from api.web.officer_forms import form_text
from api.web.render import render
from api.web.staff import OfficerStaff, staff_form
from storage import audit
from storage.reach import RequestKind, RequestOutcome, record_request
from storage.subject_access import export_person, looked_by_day
from surveys.errors import NotFoundError
from surveys.insights.periods import uk_date

router = APIRouter(include_in_schema=False)

REQUESTS_SHOWN: Final = 100
Ref = Annotated[str, Path(min_length=1, max_length=64)]


UK: Final = ZoneInfo("Europe/London")
RECEIVED_BY: Final = {"phone": "By phone", "paper": "By letter", "email": "By email",
                      "person": "In person"}
ASKED_FOR: Final = {"access": "A copy of their data", "erasure": "Their data deleted"}
"""What a request that came another way asks for, as the form offers it."""
PROBLEMS: Final = {
    "ref": "There is no young person with that reference in your teams.",
    "how": "Choose how the request came.",
    "what": "Choose what they asked for.",
    "already_erasure": "They already have a request to delete their data open: it is on "
    "the Requests and erasure page.",
    "date": "Give the day it was received, as a date on or before today.",
    "already": "They already have a request for their data open: it is in the list below.",
}


@router.post("/officer/people/requests")
async def record_access_request(
    request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Record a request for a copy of their data, or for it to be deleted, that came by
    phone, letter, email or in person, dated the day it was received (the month the law
    gives runs from then). A request to delete goes to the Requests and erasure page."""
    form = await staff_form(request, staff)
    ref, how = form_text(form, "ref", 64), form_text(form, "how", 16)
    what = form_text(form, "what", 16) or "access"
    if how not in RECEIVED_BY:
        return RedirectResponse("/officer/people?problem=how#record", 303)
    if what not in ASKED_FOR:
        return RedirectResponse("/officer/people?problem=what#record", 303)
    kind = RequestKind.ERASURE if what == "erasure" else RequestKind.ACCESS
    try:
        day = date.fromisoformat(form_text(form, "received", 10))
    except ValueError:
        return RedirectResponse("/officer/people?problem=date#record", 303)
    today = uk_date(services.clock.now())
    if day > today or day < today - timedelta(days=366):
        return RedirectResponse("/officer/people?problem=date#record", 303)
    async with services.db.transaction() as session:
        try:
            person = await person_by_ref(session, ref, staff.scope)
        except NotFoundError:
            return RedirectResponse("/officer/people?problem=ref#record", 303)
        received = (services.clock.now() if day == today  # an earlier day: noon, UK time
                    else datetime.combine(day, time(12), tzinfo=UK).astimezone(UTC))
        outcome = await record_request(session, person.id, kind, how, received)
        if outcome is RequestOutcome.CREATED:
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="record request", subject=f"{kind} ({person.council_ref})")
    if outcome is RequestOutcome.ALREADY_OPEN:
        problem = "already" if kind is RequestKind.ACCESS else "already_erasure"
        return RedirectResponse(f"/officer/people?problem={problem}#record", 303)
    if kind is RequestKind.ERASURE:
        return RedirectResponse("/officer/requests?recorded=1#open-h", 303)
    return RedirectResponse("/officer/people?recorded=1", 303)


@router.get("/officer/people")
async def people_home(
    request: Request,
    services: ServicesDep,
    staff: OfficerStaff,
    ref: Annotated[str | None, Query(max_length=64)] = None,
    problem: Annotated[str | None, Query(max_length=16)] = None,
    recorded: Annotated[int | None, Query(ge=1, le=1)] = None,
) -> Response:
    """Young people's requests for their data, and a look-up by council reference."""
    if ref and ref.strip():
        return RedirectResponse(f"/officer/people/{quote(ref.strip())}", status_code=303)
    async with services.db.transaction() as session:
        rows, total = await list_requests_in_scope(
            session, kind="access", open_only=True, limit=REQUESTS_SHOWN, offset=0,
            scope=staff.scope,
        )
        await audit.record(
            session, services.clock, actor=staff.session.actor, action="list requests",
            subject=f"subject access page: {len(rows)} of {total}",
        )  # fmt: skip
    return render(
        "officer_people.html",
        title="Young people's data",
        council=services.settings.council_name,
        staff=staff,
        requests=rows,
        total=total,
        missing=None,
        problem=PROBLEMS.get(problem or ""),
        recorded=recorded,
        received_by=RECEIVED_BY, asked_for=ASKED_FOR,
        today=uk_date(services.clock.now()),
    )


@router.get("/officer/people/{council_ref:path}")
async def subject_access_page(
    council_ref: Ref,
    services: ServicesDep,
    staff: OfficerStaff,
    format: Annotated[str, Query(pattern="^(html|json)$")] = "html",
) -> Response:
    """Everything held about one young person: a page for them to read, or JSON."""
    try:
        async with services.db.transaction() as session:
            # 404 outside their teams; then the reference as held (case forgiven)
            council_ref = (await person_by_ref(session, council_ref, staff.scope)).council_ref
            export = await export_person(
                session, services.clock, council_ref, actor=staff.session.actor,
                council=services.settings.council_name,
                retention=services.retention_policy().describe(),
            )  # fmt: skip
    except NotFoundError:
        return render(
            "officer_people.html",
            status_code=404,
            title="Young people's data",
            council=services.settings.council_name,
            staff=staff,
            requests=[],
            total=0,
            missing=council_ref,
        )
    if format == "json":
        return Response(
            json.dumps(export, indent=2, ensure_ascii=False),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
        )
    return render(
        "subject_access.html",
        title="What we hold about you",
        council=services.settings.council_name,
        staff=staff,
        data=export,
        looked=looked_by_day(export["who_looked"]),
    )
