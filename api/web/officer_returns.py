"""Forms sent and returned by other routes (paper, post, email...), for officers: the
counts by period (newest first), recording one, and removing one entered by mistake
(after a confirmation). Boards' return rates add these to the chat's own figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Final

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.web import labels
from api.web.officer_forms import Problem, or_404
from api.web.render import render
from api.web.staff import CouncilOfficerStaff, OfficerStaff, Staff, staff_form
from services.container import Services
from storage import audit
from storage import form_counts as store
from storage.tables import ExternalFormCountRow
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.insights.periods import PeriodError, parse_period

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
ROUTE_TEXT: Final = {"paper": "On paper", "email": "By email", "post": "By post",
                     "phone": "By phone", "in_person": "In person", "other": "Another way"}


@dataclass
class CountForm:
    form: str = "consultation"
    audience: str = "child"
    route: str = "paper"
    period: str = ""
    sent: str = ""
    returned: str = ""
    target: str = ""
    problems: list[Problem] = field(default_factory=list)


async def _page(services: Services, staff: Staff, form: CountForm, *, added: int | None = None,
                removed: bool = False, status: int = 200) -> Response:
    async with services.db.reader() as session:
        rows = await store.list_form_counts(session)
    rows.sort(key=lambda r: (r.period_start, r.form, r.audience, r.route), reverse=True)
    return render(
        "officer_returns.html", status_code=status, title="Paper and email returns",
        council=services.settings.council_name, staff=staff, rows=rows, form=form,
        label=store.period_label, forms=labels.FORMS, audiences=labels.AUDIENCES,
        routes=ROUTE_TEXT, added=added, removed=removed,
    )


@router.get("/officer/returns")
async def returns_page(
    services: ServicesDep, staff: OfficerStaff, added: int | None = None, removed: bool = False
) -> Response:
    """Counts of forms returned by other routes, newest period first, and a form to add one."""
    return await _page(services, staff, CountForm(), added=added, removed=removed)


def _whole(raw: str) -> int | None:
    raw = raw.replace(",", "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 8 else None


@router.post("/officer/returns")
async def add_count(request: Request, services: ServicesDep,
                    staff: CouncilOfficerStaff) -> Response:
    """Record forms sent and returned by another route in a year or quarter."""
    data = await staff_form(request, staff)
    def got(name: str) -> str:
        return str(data.get(name) or "").strip()[:48]

    form = CountForm(got("form"), got("audience"), got("route"), got("period"), got("sent"),
                     got("returned"), got("target"))
    problems = form.problems
    period = None
    try:
        period = parse_period(form.period)
    except PeriodError as error:
        problems.append(("period", f"Period: {error} (e.g. 2025-26, or 2025-26 Q1)."))
    sent, returned = _whole(form.sent), _whole(form.returned)
    if sent is None:
        problems.append(("sent", "Sent: a whole number, e.g. 120."))
    if returned is None:
        problems.append(("returned", "Returned: a whole number, e.g. 31."))
    target = None
    if form.target:
        try:
            target = float(form.target.rstrip("%")) / 100
        except ValueError:
            target = -1.0
    if problems or period is None or sent is None or returned is None:
        return await _page(services, staff, form, status=422)
    count = store.FormCount(form=form.form, audience=form.audience, route=form.route,
                            period=period, sent=sent, returned=returned, target_rate=target)
    try:
        async with services.db.transaction() as session:
            row = await store.add_form_count(session, services.clock, count)
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="add form count", subject=f"form count {row.id}")
    except (ValidationError, ConflictError) as error:
        message = str(error)
        problems.append(("sent", message[0].upper() + message[1:] + "."))
        return await _page(services, staff, form, status=422)
    return RedirectResponse(f"/officer/returns?added={row.id}#count-{row.id}", 303)


async def _count(services: Services, count_id: int) -> ExternalFormCountRow:
    async with services.db.reader() as session:
        row = await session.get(ExternalFormCountRow, count_id)
    if row is None:
        raise NotFoundError(f"no form count {count_id}")
    return row


@router.get("/officer/returns/{count_id}/remove")
async def remove_confirm(count_id: Id, services: ServicesDep,
                         staff: CouncilOfficerStaff) -> Response:
    """Are you sure? The board's figures will no longer count these forms."""
    row = await or_404(_count(services, count_id))
    what = (f"{labels.form_label(row.form)}, {labels.audience_label(row.audience)}, "
            f"{ROUTE_TEXT.get(row.route, row.route).lower()}, {store.period_label(row)}: "
            f"{row.sent} sent, {row.returned} returned.")
    return render(
        "officer_confirm.html", title="Remove this count?",
        council=services.settings.council_name, staff=staff, nav="returns",
        heading="Remove this count?", lines=[what, "The board's return rates will no "
        "longer include it. If it was wrong, record the right one after removing it."],
        action=f"/officer/returns/{count_id}/remove", button="Remove count",
        back="/officer/returns", danger=True, extra=None,
    )


@router.post("/officer/returns/{count_id}/remove")
async def remove(count_id: Id, request: Request, services: ServicesDep,
                 staff: CouncilOfficerStaff) -> Response:
    """Remove a count entered by mistake."""
    await staff_form(request, staff)
    async with services.db.transaction() as session:
        await or_404(store.delete_form_count(session, count_id))
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="remove form count", subject=f"form count {count_id}")
    return RedirectResponse("/officer/returns?removed=true", 303)
