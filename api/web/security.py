"""Safe by default: security headers on every web page, CSRF tokens, cookie flags.

CSRF tokens are HMACs of a secret the browser already holds in an HttpOnly cookie (the
chat's web session, a staff session, or a sign-in cookie), so the server keeps nothing
for them, they survive a restart, and a page on another site can neither read nor make
one. Every POST handler checks its token before doing anything.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HEADERS: Final = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
)
WEB_PREFIXES: Final = (
    "/c/", "/board", "/officer", "/signin", "/signout", "/static/", "/talk/",
)  # fmt: skip
"""Paths the web pages own; the JSON API and its docs keep their own headers."""

CSRF_FIELD: Final = "csrf"
TOKEN_BYTES: Final = 32


def new_token() -> str:
    """A random, URL-safe secret (256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_nonce() -> str:
    """A random message key for one rendered form (128 bits)."""
    return secrets.token_urlsafe(16)


def csrf_token(secret: str, purpose: str) -> str:
    """The CSRF token for a cookie secret and a purpose ("chat", "staff", "signin")."""
    return hmac.new(secret.encode(), f"csrf:{purpose}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str | None, purpose: str, sent: object) -> bool:
    """Whether a form's token matches the one made from the cookie secret."""
    if not secret or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(csrf_token(secret, purpose), sent)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    path: str = "/",
    max_age: int | None = None,
    same_site: str = "lax",
) -> None:
    """An HttpOnly cookie, Secure whenever the request came over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=is_https(request),
        samesite=same_site,  # type: ignore[arg-type]
    )


def clear_cookie(response: Response, request: Request, name: str, *, path: str = "/") -> None:
    response.delete_cookie(name, path=path, httponly=True, secure=is_https(request))


WEB_PAGES: Final = frozenset({"/", "/c", "/board", "/officer", "/signin", "/signout"})
"""Pages at exact paths: the landing page and the code entry page (where a young person
types their code) are pages too, framed by no one."""


def is_web_path(path: str, prefixes: Iterable[str] = WEB_PREFIXES) -> bool:
    return path in WEB_PAGES or any(
        path.startswith(p) for p in prefixes
    )


class SecurityHeaders:
    """ASGI middleware: the headers above on every web page and static file; pages that
    may show personal data are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_web_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in _OURS
                ]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


_OURS = frozenset(k for k, _ in HEADERS)
