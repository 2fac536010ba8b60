"""A round-robin HTTP reverse proxy for tests and benchmarks: several `carevoice serve`
workers behind one address, as nginx or HAProxy would put them.

A request goes to the next worker in turn; a worker that refuses the connection (killed,
restarting) is skipped for the next one, as nginx's `proxy_next_upstream error` does. A
worker that dies while handling a request gives 502, and the caller (Telegram) sends it
again: the update's key makes a second delivery harmless.

    async with serve_asgi(RoundRobin(["http://127.0.0.1:8001", ...])) as url: ...
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class RoundRobin:
    """An ASGI app forwarding every HTTP request to `upstreams` in turn."""

    def __init__(self, upstreams: Sequence[str], *, timeout: float = 30.0) -> None:
        self.upstreams = list(upstreams)
        self._turn = itertools.count()
        self._timeout = timeout
        self.sent: dict[str, int] = dict.fromkeys(self.upstreams, 0)  # answered, by worker
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    async def aclose(self) -> None:
        """Stop forwarding: requests from now on, and any still in flight, get 503."""
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = Response(b"no worker answered", status_code=502)
        if self._closed:  # stopping (Telegram tries again later, as after any 5xx)
            await Response(b"proxy stopping", status_code=503)(scope, receive, send)
            return
        if self._client is None:
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
            self._client = httpx.AsyncClient(timeout=self._timeout, trust_env=False, limits=limits)
        client = self._client
        first = next(self._turn)
        for n in range(len(self.upstreams)):
            upstream = self.upstreams[(first + n) % len(self.upstreams)]
            try:
                answer = await client.request(
                    request.method, upstream + path, content=body, headers=headers
                )
            except httpx.ConnectError:
                continue  # not listening: the next worker
            except httpx.HTTPError:
                break  # died mid-request: 502, and the caller tries again
            except RuntimeError:  # the client was closed while this request waited
                response = Response(b"proxy stopping", status_code=503)
                break
            self.sent[upstream] += 1
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            kept.pop("content-encoding", None)  # httpx has decoded the body
            response = Response(answer.content, answer.status_code, headers=kept)
            break
        await response(scope, receive, send)
