"""Holding under attack: request limits, NUL bytes, the client's address, and API headers.

    install_hardening(app, max_body=..., max_upload=..., trusted_proxies=...)
                                        create_app calls it, after every other middleware

    ProxyHeadersMiddleware   (uvicorn's) the client and scheme from X-Forwarded-For and
                             X-Forwarded-Proto, only when the peer is a trusted proxy
    RequestLimits            413 for a body over the limit, before it is read (its
                             Content-Length) or as it streams in; 400 for a NUL byte in
                             the path, the query, or an API or staff JSON body or form
                             (the chat and the Telegram webhook clean theirs instead: a
                             child's words are never refused)
    ApiHeaders               `Cache-Control: no-store` and `nosniff` on the API, its docs
                             and health; the pages' CSP on the docs; HSTS over https
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Final

from fastapi import FastAPI, HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.errors import error_body
from api.web.security import CSP, is_web_path

__all__ = ["BodyTooLarge", "install_hardening"]

HSTS: Final = "max-age=31536000; includeSubDomains"
REDOC_CSP: Final = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""ReDoc draws with styles it writes into the page (styled-components): under the pages'
`style-src 'self'` it drew nothing. Scripts stay `'self'` only."""
UPLOAD_PATHS: Final = (
    "/api/v1/people", "/officer/young-people/preview", "/officer/young-people/import",
)  # fmt: skip
"""Paths whose bodies may be as large as `max_upload_bytes` (people imports, by the API or
the officer page, whose own limit is 5 MB of CSV)."""
REFUSE_NUL_IN_BODY: Final = ("/api/", "/signin", "/signout", "/officer", "/board")
"""Paths whose JSON or form bodies are refused for a NUL byte. Elsewhere (the web chat, the
Telegram webhook at whatever path it is given) the words are a young person's: the handler
cleans them and keeps the answer."""
_JSON_NUL: Final = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_SURROGATE: Final = re.compile(rb"\\u[dD][89a-fA-F]", re.IGNORECASE)
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")
_NUL_IN_URL: Final = re.compile(rb"%00|\x00")
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NUL_MESSAGE: Final = (
    "the request holds a NUL character (\\u0000 or %00) or half of a UTF-16 surrogate "
    "pair, which is never valid here; remove it and send again"
)


class BodyTooLarge(HTTPException):
    """A body over the limit; raised while it streams in, answered 413 `too_large`."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit:,} bytes")
        self.code = "too_large"


def _refuse(scope: Scope, status: int, code: str, message: str) -> Response:
    if str(scope.get("path", "")).startswith("/api/"):
        return JSONResponse(error_body(code, message), status_code=status)
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sorry</title>"
        f"</head><body><main><h1>Sorry</h1><p>{message}.</p></main></body></html>"
    )
    return HTMLResponse(page, status_code=status)


class RequestLimits:
    """ASGI middleware: body sizes and NUL bytes, before the app sees the request."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if _NUL_IN_URL.search(scope.get("raw_path") or path.encode()) or _NUL_IN_URL.search(
            scope.get("query_string", b"")
        ) or "\x00" in path:
            await _refuse(scope, 400, "nul_byte", NUL_MESSAGE)(scope, receive, send)
            return
        if scope.get("method") not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if path.rstrip("/") in UPLOAD_PATHS else self.max_body
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            message = f"the body is larger than {limit:,} bytes"
            await _refuse(scope, 413, "too_large", message)(scope, receive, send)
            return
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind in (b"application/json", b"application/x-www-form-urlencoded") and any(
            path.startswith(p) for p in REFUSE_NUL_IN_BODY
        ):
            body = await _read_all(receive, limit)
            if body is None:
                message = f"the body is larger than {limit:,} bytes"
                await _refuse(scope, 413, "too_large", message)(scope, receive, send)
                return
            if b"\x00" in body or _nul_escaped(kind, body):
                await _refuse(scope, 400, "nul_byte", NUL_MESSAGE)(scope, receive, send)
                return
            await self.app(scope, _replay(body), send)
            return
        await self.app(scope, _counted(receive, limit), send)


def _nul_escaped(kind: bytes, body: bytes) -> bool:
    """Whether the body holds text no store keeps: NUL (as `\u0000` in JSON or `%00` in a
    form), or in JSON a lone UTF-16 surrogate (`\ud800` with no partner)."""
    if kind != b"application/json":
        return b"%00" in body
    if _JSON_NUL.search(body) is None and _SURROGATE.search(body) is None:
        return False
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: the route says so
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


async def _read_all(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _counted(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counting() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return counting


class ApiHeaders:
    """ASGI middleware: no caching and no sniffing on everything outside the web pages
    (which `SecurityHeaders` covers), the pages' CSP on the docs, and HSTS over https."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        extra: list[tuple[bytes, bytes]] = []
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS.encode()))
        if path.startswith("/docs/assets/"):
            extra.append((b"x-content-type-options", b"nosniff"))
        elif not is_web_path(path):
            extra += [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
            if path in ("/docs", "/redoc"):
                policy = REDOC_CSP if path == "/redoc" else CSP
                extra += [
                    (b"content-security-policy", policy.encode()),
                    (b"referrer-policy", b"no-referrer"),
                ]
        if not extra:
            await self.app(scope, receive, send)
            return
        names = {name for name, _ in extra}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, with_headers)


def install_hardening(app: FastAPI, *, max_body: int, max_upload: int,
                      trusted_proxies: Sequence[str]) -> None:
    """Add the middleware above (outermost: the proxy headers, so the rest see the client)."""
    app.add_middleware(RequestLimits, max_body=max_body, max_upload=max_upload)
    app.add_middleware(ApiHeaders)
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
