"""API keys (admin): list, make (the key is shown once), revoke; and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import AdminKey, Limit, Offset, ReaderDep, ServicesDep, SessionDep
from api.schemas import AuditPublic, KeyCreate, KeyCreated, KeyPublic, error_responses
from storage import audit, keys

router = APIRouter(tags=["keys"])


@router.get("/keys", responses=error_responses(401, 403))
async def list_keys(session: ReaderDep, _: AdminKey) -> list[KeyPublic]:
    """Every key, newest first, without secrets."""
    return [KeyPublic.model_validate(row) for row in await keys.list_keys(session)]


@router.post("/keys", status_code=201, responses=error_responses(401, 403, 422))
async def create_key(
    body: KeyCreate, session: SessionDep, services: ServicesDep, caller: AdminKey
) -> KeyCreated:
    """Make a key; `key` in the reply is its only copy, so store it safely now."""
    made = await keys.create_key(session, services.clock, role=body.role, name=body.name)
    await caller.audit(session, services, "create key",
                       f"{made.row.role} key {made.row.name} ({made.row.prefix})")
    return KeyCreated(**KeyPublic.model_validate(made.row).model_dump(), key=made.token)


@router.post("/keys/{prefix}/revoke", responses=error_responses(401, 403, 404, 422))
async def revoke_key(
    prefix: Annotated[str, Path(min_length=1, max_length=16)],
    session: SessionDep,
    services: ServicesDep,
    caller: AdminKey,
) -> KeyPublic:
    """Revoke a key at once (revoking twice is harmless)."""
    row = await keys.revoke_key(session, services.clock, prefix)
    await caller.audit(session, services, "revoke key", f"{row.role} key {row.name} ({prefix})")
    return KeyPublic.model_validate(row)


@router.get("/audit", responses=error_responses(401, 403, 422))
async def audit_log(
    session: ReaderDep,
    _: AdminKey,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AuditPublic]:
    """Who read or changed identifiable data, newest first."""
    rows = await audit.recent(session, limit=limit, offset=offset, action=action)
    return [AuditPublic.model_validate(row) for row in rows]
