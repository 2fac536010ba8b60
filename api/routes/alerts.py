"""Safeguarding alerts: list them (audited) and acknowledge one with a note.

There is no route to delete an alert, and none will be added: alerts are never deleted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Limit, OfficerKey, Offset, ServicesDep, SessionDep
from api.queries import acknowledge_alert, list_alerts
from api.schemas import AlertPublic, NoteCreate, Page, error_responses
from storage.tables import SafeguardingAlertRow

router = APIRouter(prefix="/alerts", tags=["safeguarding alerts"])


def alert_public(row: SafeguardingAlertRow, ref: str | None) -> AlertPublic:
    return AlertPublic(
        id=row.id, council_ref=ref, category=row.category, phrase_id=row.phrase_id,
        question_id=row.question_id, channel=row.channel, created_at=row.created_at,
        notified_at=row.notified_at, acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by, note=row.note,
    )


@router.get("", responses=error_responses(401, 403, 422))
async def list_alerts_route(
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
    unacknowledged: Annotated[bool, Query(description="Only alerts no one has dealt with.")]
    = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AlertPublic]:
    """Safeguarding alerts, newest first (each read is audited)."""
    rows, total = await list_alerts(
        session, unacknowledged=unacknowledged, limit=limit, offset=offset, scope=caller.scope
    )
    await caller.audit(session, services, "list alerts",
                       f"{len(rows)} of {total} (offset {offset}, "
                       f"{'unacknowledged' if unacknowledged else 'all'})")
    return Page(items=[alert_public(r, ref) for r, ref in rows], total=total, limit=limit,
                offset=offset)


@router.post("/{alert_id}/acknowledge", responses=error_responses(401, 403, 404, 409, 422))
async def acknowledge(
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: NoteCreate,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
) -> AlertPublic:
    """Record that a person has dealt with an alert, and how."""
    row, ref = await acknowledge_alert(session, services.clock, alert_id, actor=caller.actor,
                                       note=body.note, scope=caller.scope)
    await caller.audit(session, services, "acknowledge alert", f"alert {alert_id}")
    return alert_public(row, ref)
