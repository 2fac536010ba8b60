"""Retention (admin): blank free text older than a number of days."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminKey, ServicesDep, SessionDep
from api.schemas import RetentionPublic, error_responses
from storage.erasure import MAX_RETENTION_DAYS, apply_retention

router = APIRouter(prefix="/retention", tags=["retention"])


@router.post("/apply", responses=error_responses(401, 403, 422))
async def apply(
    older_than_days: Annotated[int, Query(ge=1, le=MAX_RETENTION_DAYS)],
    session: SessionDep,
    services: ServicesDep,
    caller: AdminKey,
) -> RetentionPublic:
    """Blank the free text of answers older than N days; choices, scores and counts stay."""
    summary = await apply_retention(session, services.clock, older_than_days=older_than_days)
    await caller.audit(session, services, "apply retention", f"older than {older_than_days} days")
    return RetentionPublic.model_validate(summary, from_attributes=True)
