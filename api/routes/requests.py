"""Requests young people made of a person (erase my data, talk to me, my data): list and
resolve."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import Limit, OfficerKey, Offset, ServicesDep, SessionDep
from api.queries import list_requests_in_scope, request_in_scope
from api.schemas import Page, RequestPublic, RequestResolve, error_responses
from storage.erasure import resolve_request
from storage.tables import RequestRow

router = APIRouter(prefix="/requests", tags=["requests"])


def request_public(row: RequestRow, ref: str | None) -> RequestPublic:
    return RequestPublic(
        id=row.id, council_ref=ref, kind=row.kind, channel=row.channel,
        created_at=row.created_at, resolved_at=row.resolved_at, resolved_by=row.resolved_by,
        note=row.note,
    )


@router.get("", responses=error_responses(401, 403, 422))
async def list_requests_route(
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
    kind: Literal["erasure", "talk", "access"] | None = None,
    open_only: Annotated[bool, Query(alias="open", description="Only unresolved ones.")] = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[RequestPublic]:
    """Requests, newest first (each read is audited)."""
    rows, total = await list_requests_in_scope(
        session, kind=kind, open_only=open_only, limit=limit, offset=offset, scope=caller.scope
    )
    await caller.audit(session, services, "list requests",
                       f"{len(rows)} of {total} (offset {offset}, {kind or 'any kind'})")
    return Page(items=[request_public(r, ref) for r, ref in rows], total=total, limit=limit,
                offset=offset)


@router.post("/{request_id}/resolve", responses=error_responses(401, 403, 404, 409, 422))
async def resolve(
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: RequestResolve,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
) -> RequestPublic:
    """Mark a request done, with a note of what was done. A request to delete their
    information is done when an admin erases them; until then it can only be declined
    (`decline`: true, the note saying why): 409 otherwise."""
    await request_in_scope(session, request_id, caller.scope)
    row, ref = await resolve_request(session, services.clock, request_id, actor=caller.actor,
                                     note=body.note, decline=body.decline)
    await caller.audit(session, services, "resolve request", f"request {request_id}")
    return request_public(row, ref)
