"""Unexpected failures: logged by their type and place only, answered with a plain 500.

Left alone, an exception from a route reaches uvicorn, which logs its message and
traceback; either may hold what a young person wrote. This middleware logs
`surveys.failures.describe(error)` instead and replies in the API's error shape (or, for
anything outside `/api/`, a short page), so nothing else is logged.
"""

from __future__ import annotations

import logging

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from surveys.failures import describe

__all__ = ["QuietFailures"]

log = logging.getLogger(__name__)
MESSAGE = "something went wrong on our side; it has been logged, please try again later"
PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sorry</title></head>"
    "<body><main><h1>Sorry</h1><p>Something went wrong on our side. Please try again in "
    "a little while.</p></main></body></html>"
)


class QuietFailures:
    """ASGI middleware: an unexpected error becomes one log line and a 500 reply."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:  # the last stop: log without words, answer kindly
            log.error("%s %s failed: %s", scope.get("method"), _route(scope), describe(error))
            if not started:
                await _reply(str(scope.get("path", ""))).__call__(scope, receive, send)


def _route(scope: Scope) -> str:
    """The matched route's template (`/c/{code}`), never the path with its values."""
    route = scope.get("route")
    return str(getattr(route, "path", "?"))


def _reply(path: str) -> Response:
    if path.startswith("/api/"):
        return JSONResponse(error_body("internal_error", MESSAGE), status_code=500)
    return HTMLResponse(PAGE, status_code=500)
