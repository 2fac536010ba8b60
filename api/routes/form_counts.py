"""Forms sent and returned by other routes (paper, email), so the board's table covers
parents, carers, health, education and professionals too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import CouncilOfficerKey, OfficerKey, ReaderDep, ServicesDep, SessionDep
from api.schemas import FormCountCreate, FormCountPublic, error_responses
from storage import form_counts as store
from storage.tables import ExternalFormCountRow
from surveys.insights.periods import parse_period

router = APIRouter(prefix="/form-counts", tags=["form counts"])


def form_count_public(row: ExternalFormCountRow) -> FormCountPublic:
    return FormCountPublic(
        id=row.id, form=row.form, audience=row.audience, route=row.route,
        period=store.period_label(row), period_start=row.period_start,
        period_end=row.period_end, sent=row.sent, returned=row.returned,
        target_rate=row.target_rate, created_at=row.created_at,
    )


@router.post("", status_code=201, responses=error_responses(401, 403, 409, 422))
async def add_form_count(
    body: FormCountCreate, session: SessionDep, services: ServicesDep,
    caller: CouncilOfficerKey,
) -> FormCountPublic:
    """Record how many forms went out and came back by another route in a year or quarter."""
    count = store.FormCount(
        form=body.form, audience=body.audience, route=body.route,
        period=parse_period(body.period), sent=body.sent, returned=body.returned,
        target_rate=body.target_rate,
    )
    row = await store.add_form_count(session, services.clock, count)
    await caller.audit(session, services, "add form count", f"form count {row.id}")
    return form_count_public(row)


@router.get("", responses=error_responses(401, 403, 422))
async def list_form_counts(
    session: ReaderDep,
    _: OfficerKey,
    period: Annotated[str | None, Query(max_length=32, examples=["2017-18"])] = None,
) -> list[FormCountPublic]:
    """Stored counts, within a year or quarter if given."""
    rows = await store.list_form_counts(session, parse_period(period) if period else None)
    return [form_count_public(row) for row in rows]


@router.delete("/{count_id}", status_code=204, response_class=Response,
               responses=error_responses(401, 403, 404, 422))
async def delete_form_count(
    count_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep,
    services: ServicesDep, caller: CouncilOfficerKey,
) -> Response:
    """Remove a count entered by mistake (then record the right one)."""
    await store.delete_form_count(session, count_id)
    await caller.audit(session, services, "remove form count", f"form count {count_id}")
    return Response(status_code=204)
