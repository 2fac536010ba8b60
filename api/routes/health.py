"""Liveness and readiness, for load balancers and orchestrators (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import ServicesDep
from api.errors import error_body
from api.schemas import HealthPublic, error_responses

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> HealthPublic:
    """The process is alive."""
    return HealthPublic(status="ok")


@router.get("/readyz", response_model=HealthPublic, responses=error_responses(503))
async def readyz(services: ServicesDep) -> HealthPublic | JSONResponse:
    """The process is alive and the database answers."""
    try:
        async with services.db.reader() as session:
            await session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready
        body = error_body("unavailable", f"the database cannot be reached: {type(error).__name__}")
        return JSONResponse(body, status_code=503)
    return HealthPublic(status="ok")
