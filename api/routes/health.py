"""Liveness and readiness, for load balancers and orchestrators (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
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
    failed = await _database_fails(services)
    if failed is not None:
        body = error_body("unavailable", f"the database cannot be reached: {failed}")
        return JSONResponse(body, status_code=503)
    return HealthPublic(status="ok")


# HEAD, as uptime monitors and some load balancers ask: the same answer without a body
@router.head("/healthz", include_in_schema=False)
async def healthz_head() -> Response:
    return Response(status_code=200)


@router.head("/readyz", include_in_schema=False)
async def readyz_head(services: ServicesDep) -> Response:
    return Response(status_code=503 if await _database_fails(services) else 200)


async def _database_fails(services: ServicesDep) -> str | None:
    """Why the database does not answer (the error's kind only), or None when it does."""
    try:
        async with services.db.reader() as session:
            await session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready
        return type(error).__name__
    return None
