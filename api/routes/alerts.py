"""Safeguarding alerts: list them, read one (the young person's own words, staff only), read
the response it came from, add notes, and acknowledge one with a note of what was done.
Every read is audited.

There is no route to delete an alert, and none will be added: alerts are never deleted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Limit, OfficerKey, Offset, ServicesDep, SessionDep
from api.queries import acknowledge_alert, alert_in_scope, list_alerts
from api.schemas import (
    AlertDetailPublic,
    AlertEventPublic,
    AlertPublic,
    AlertResponsePublic,
    AnswerLinePublic,
    NoteCreate,
    Page,
    RelatedAlertPublic,
    error_responses,
)
from services.container import Services
from storage import alert_views
from storage import alerts as alert_store
from storage.tables import SafeguardingAlertRow

router = APIRouter(prefix="/alerts", tags=["safeguarding alerts"])
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def alert_page(services: Services, alert_id: int) -> str:
    return f"{services.settings.public_url.rstrip('/')}/officer/alerts/{alert_id}"


def alert_public(row: SafeguardingAlertRow, ref: str | None, page: str = "") -> AlertPublic:
    return AlertPublic(
        id=row.id, council_ref=ref, category=row.category,
        categories=list(alert_store.alert_categories(row)), phrase_id=row.phrase_id,
        question_id=row.question_id, channel=row.channel, created_at=row.created_at,
        notified_at=row.notified_at, acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by, note=row.note,
        label=alert_store.categories_label(alert_store.alert_categories(row)), source=row.source,
        escalate_at=row.escalate_at, escalated_at=row.escalated_at, page=page,
    )


def detail_public(detail: alert_views.AlertDetail, services: Services) -> AlertDetailPublic:
    row, zone = detail.alert, services.settings.timezone
    page = alert_page(services, row.id)
    return AlertDetailPublic(
        **alert_public(row, detail.council_ref, page).model_dump(),
        words=row.words, question=detail.question_text, survey=detail.survey_title,
        first_name=detail.first_name, age_band=detail.age_band, team=detail.team,
        created_uk=alert_views.local_time(row.created_at, zone), reply=row.reply,
        response_id=row.response_id,
        response_link=f"{page}/response" if row.response_id is not None else None,
        calls_for_help=detail.calls_for_help,
        events=[
            AlertEventPublic(at=e.at, at_uk=alert_views.local_time(e.at, zone), kind=e.kind,
                             actor=e.actor, detail=e.detail, words=e.words)
            for e in detail.events
        ],
        other_alerts=[
            RelatedAlertPublic(id=r.id, label=r.label, created_at=r.created_at,
                               acknowledged=r.acknowledged)
            for r in detail.related
        ],
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
    return Page(items=[alert_public(r, ref, alert_page(services, r.id)) for r, ref in rows],
                total=total, limit=limit, offset=offset)


@router.get("/{alert_id}", responses=error_responses(401, 403, 404, 422))
async def read_alert(
    alert_id: AlertId, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> AlertDetailPublic:
    """One alert: the young person's words, the question, who, when, what they were told.

    Times also in UK local time; the history of the alert; each read is audited."""
    await alert_in_scope(session, alert_id, caller.scope)
    detail = await alert_views.alert_detail(session, services.catalog, alert_id)
    await caller.audit(session, services, "read alert", f"alert {alert_id}")
    return detail_public(detail, services)


@router.get("/{alert_id}/response", responses=error_responses(401, 403, 404, 422))
async def read_alert_response(
    alert_id: AlertId, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> AlertResponsePublic:
    """The whole response the alert came from, answer by answer (audited)."""
    await alert_in_scope(session, alert_id, caller.scope)
    view = await alert_views.alert_response(session, services.catalog, alert_id)
    await caller.audit(session, services, "read response",
                       f"response {view.response_id} (alert {alert_id})")
    return AlertResponsePublic(
        response_id=view.response_id, survey=view.survey_title, status=view.status,
        channel=view.channel,
        answers=[AnswerLinePublic(question_id=a.question_id, question=a.question,
                                  answer=a.answer, answered_at=a.answered_at,
                                  superseded=a.superseded) for a in view.answers],
    )


@router.post("/{alert_id}/notes", status_code=201,
             responses=error_responses(401, 403, 404, 422))
async def add_note(
    alert_id: AlertId, body: NoteCreate, session: SessionDep, services: ServicesDep,
    caller: OfficerKey,
) -> AlertDetailPublic:
    """Add a note to an alert's history (what was done, who was told), before or after it is
    acknowledged."""
    await alert_in_scope(session, alert_id, caller.scope)
    await alert_store.add_note(session, services.clock.now(), alert_id, actor=caller.actor,
                               note=body.note)
    await caller.audit(session, services, "note on alert", f"alert {alert_id}")
    detail = await alert_views.alert_detail(session, services.catalog, alert_id)
    return detail_public(detail, services)


@router.post("/{alert_id}/acknowledge", responses=error_responses(401, 403, 404, 409, 422))
async def acknowledge(
    alert_id: AlertId,
    body: NoteCreate,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
) -> AlertPublic:
    """Record that a person has dealt with an alert, and how (a note of the action taken is
    required). It stops escalation; the alert itself stays."""
    row, ref = await acknowledge_alert(session, services.clock, alert_id, actor=caller.actor,
                                       note=body.note, scope=caller.scope)
    await caller.audit(session, services, "acknowledge alert", f"alert {alert_id}")
    return alert_public(row, ref, alert_page(services, alert_id))
