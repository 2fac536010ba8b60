"""Errors the web pages raise, each shown as a kind HTML page (never JSON, never a trace).

    WebError             a page with a title, a message and a status
    ├── SignInNeeded     303 to /signin?next=... (no staff session, or it ended)
    ├── NotAllowed       403: signed in, but this needs an officer or admin key
    ├── CsrfRejected     403: a form arrived without its token (old page, cookies off,
    │                    or another site posting here)
    └── UnstorableText   400: a staff form holds a NUL character or half a surrogate pair
                         (as the API answers `nul_byte`; PostgreSQL cannot store them)

An HTTP error with no page behind it (a mistyped address, a method the path does not
take) is a page too when a browser asked for one (`wants_page`): API clients, and
anything under /api/, keep the JSON error (api.errors). Every error page's header names
the council (settings `council_name`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from api.errors import http_error_reply
from api.web.render import render
from api.web.security import HEADERS


class WebError(Exception):
    """A page explaining what went wrong and what to do next."""

    status = 400
    title = "Something went wrong"

    def __init__(self, message: str, *, young: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.young = young


class SignInNeeded(WebError):
    """Staff pages need a signed-in session."""

    status = 303

    def __init__(self, next_path: str) -> None:
        super().__init__("Please sign in.")
        self.next_path = next_path


class NotAllowed(WebError):
    status = 403
    title = "You can't see this page"


class NotFoundPage(WebError):
    """Nothing here, or nothing this member of staff may see (the same page either way)."""

    status = 404
    title = "Not found"


class CsrfRejected(WebError):
    status = 403
    title = "Please try that again"


CSRF_STAFF = (
    "This form was out of date, or it came from somewhere else. Nothing was changed. "
    "Go back, reload the page and try again."
)
CSRF_YOUNG = (
    "Sorry, that didn't work. Nothing has gone wrong with your answers. "
    "Please open your link again. This page needs cookies turned on to remember where "
    "you got to."
)


def safe_next(path: str | None, default: str = "/board") -> str:
    """A local path to go back to after signing in (never another site)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/signin?{urlencode({'next': safe_next(next_path)})}", 303)


NOT_FOUND_TITLE = "Page not found"
NOT_FOUND = (
    "There is no page at this address. Check the address for a typing mistake, or start "
    "again from the home page."
)
HTTP_ERROR_TITLE = "That didn't work"
HTTP_ERROR = "This page can't be opened like that. Go back, or start again from the home page."


def council_name(request: Request) -> str:
    """The council's name for a page's header (settings `council_name`), or "" before the
    services have started."""
    services = getattr(request.app.state, "services", None)
    settings = getattr(services, "settings", None)
    return str(getattr(settings, "council_name", "") or "")


def wants_page(request: Request) -> bool:
    """A browser asking for a web page (its Accept names text/html), not an API client and
    not an address under /api/."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "").lower()


def install_web_errors(app: FastAPI) -> None:
    """Show web errors as pages; an HTTP error (unknown path, ...) as a page for a browser
    and as the API's JSON for anyone else. Call it after `install_error_handlers`: this
    handler for HTTP errors takes the place of the JSON one and hands back to it."""

    async def on_web_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, WebError)
        if isinstance(error, SignInNeeded):
            return sign_in_redirect(error.next_path)
        return render(
            "message.html",
            status_code=error.status,
            title=error.title,
            message=error.message,
            young=error.young,
            council=council_name(request),
        )

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        reply = http_error_reply(request, error)  # the JSON, and the headers (Allow) it sets
        if not wants_page(request) or error.status_code < 400:
            return reply
        found = error.status_code == 404
        page = render(
            "message.html",
            status_code=error.status_code,
            title=NOT_FOUND_TITLE if found else HTTP_ERROR_TITLE,
            message=NOT_FOUND if found else HTTP_ERROR,
            young=False,
            council=council_name(request),
        )
        # the pages' own headers (CSP and the rest) at any address, not only the pages'
        extra = (*HEADERS, ("cache-control", "no-store"), *(error.headers or {}).items())
        for name, value in extra:
            page.headers[name] = value
        return page

    app.add_exception_handler(WebError, on_web_error)
    app.add_exception_handler(StarletteHTTPException, on_http)


class UnstorableText(WebError):
    status = 400
    title = "Please check what you typed"
