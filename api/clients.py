"""Who is asking, and the reply for a client that guessed wrong too often.

The client is the peer's address. Behind a reverse proxy, set `CAREVOICE_TRUSTED_PROXIES`
to its address: uvicorn's `ProxyHeadersMiddleware` (installed by `api.hardening`) then
takes the client from X-Forwarded-For, and only from a trusted peer, so nobody else can
pose as another address to dodge a throttle.
"""

from __future__ import annotations

from fastapi import Request

from api.errors import ApiError

__all__ = ["client_address", "too_many"]


def too_many(wait: int, what: str) -> ApiError:
    """429, with how long to wait, for a client that guessed wrong too often."""
    minutes = max(1, round(wait / 60))
    return ApiError(
        429, "too_many_requests",
        f"too many wrong {what} from here; try again in {minutes} minute"
        f"{'s' if minutes != 1 else ''}",
        {"Retry-After": str(wait)},
    )


def client_address(request: Request) -> str:
    """Who is asking: the peer's address (a trusted proxy's X-Forwarded-For is already
    applied by `ProxyHeadersMiddleware`)."""
    return request.client.host if request.client else "unknown"


