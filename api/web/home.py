"""`/`: a plain landing page saying what this is, where staff sign in, and that young
people open their own link from their letter (there is nothing to find here without one)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import ServicesDep
from api.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, services: ServicesDep) -> Response:
    """What carevoice is, for anyone who arrives at the bare address."""
    return render("home.html", title="Have your say", council=services.settings.council_name)
