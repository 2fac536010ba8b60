"""One built app per test process, handed to each test with that test's services.

Building the app (`create_app`) costs about 50 ms of CPU, almost all of it FastAPI analysing
the same routes' signatures again, and some 800 tests ask for it. Its per-test state is
`app.state.services` and the web pages' in-memory stores (`app.state.web`); the rest is the
routes and middleware, which depend only on the hardening settings in the key below. A test
that needs an app of its own (other routers, a lifespan) still calls `create_app`.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from api.web.stores import WebState
from carevoice.wiring import Services

_BUILT: dict[tuple[int, int, tuple[str, ...]], FastAPI] = {}


def app_with(services: Services) -> FastAPI:
    """`create_app(services)`, reusing the routes and middleware of an earlier app with the
    same limits and proxies, with nothing of an earlier test's state."""
    settings = services.settings
    key = (settings.max_body_bytes, settings.max_upload_bytes, tuple(settings.trusted_proxies))
    app = _BUILT.get(key)
    if app is None:
        app = _BUILT[key] = create_app(services)
    app.state.services = services
    app.state.web = WebState()
    return app
