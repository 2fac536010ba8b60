"""Errors the web pages raise, each shown as a kind HTML page (never JSON, never a trace).

    WebError             a page with a title, a message and a status
    ├── SignInNeeded     303 to /signin?next=... (no staff session, or it ended)
    ├── NotAllowed       403: signed in, but this needs an officer or admin key
    ├── CsrfRejected     403: a form arrived without its token (old page, cookies off,
    │                    or another site posting here)
    └── UnstorableText   400: a staff form holds a NUL character or half a surrogate pair
                         (as the API answers `nul_byte`; PostgreSQL cannot store them)
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from api.web.render import render


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


def install_web_errors(app: FastAPI) -> None:
    """Show web errors as pages; the API's JSON handlers are left as they are."""

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
        )

    app.add_exception_handler(WebError, on_web_error)


class UnstorableText(WebError):
    status = 400
    title = "Please check what you typed"
