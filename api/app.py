"""The HTTP app: a factory, so nothing is built at import time.

    app = create_app(services)                  # tests, or a caller that owns the services
    app = create_app(settings=Settings(), build=build_services)
                                                # `carevoice serve`: built at startup by
                                                # `build` (the composition root's), closed
                                                # at shutdown

Other adapters (the Telegram webhook, web pages) add their routers with `extra_routers`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api.docs import install_docs
from api.errors import install_error_handlers
from api.failures import QuietFailures
from api.hardening import install_hardening
from api.log_privacy import install_access_log_masking, install_log_scrubbing
from api.openapi import describe_inputs
from api.routes import (
    alerts,
    campaigns,
    form_counts,
    health,
    invitations,
    key_messages,
    keys,
    people,
    quotes,
    replies,
    requests,
    retention,
    return_rates,
    rolling,
    scorecard,
    sentiment,
    statements,
    surveys,
    themes,
    wellbeing,
)
from api.schemas import error_responses
from api.web import install_web
from services.container import Services, ServicesFactory
from services.settings import Settings
from storage.alerts import keep_escalating
from storage.board.rollups import keep_fresh
from storage.retention import keep_retained
from storage.rolling import keep_rolling

API_PREFIX = "/api/v1"
DESCRIPTION = """\
Young people in care and care leavers answer their council's surveys in a chat; this API
lets participation officers run those surveys and corporate parenting boards read what
young people said, as aggregates only.

Send an API key as `Authorization: Bearer cv_...` (make one with `carevoice keys create`).
**Board** keys read aggregate figures; **officer** keys also run surveys, people,
campaigns, invitations, alerts and requests; **admin** keys also manage keys, retention and
erasure. Reads of identifiable data are written to an audit log.

Board figures suppress counts of 1 to 5 young people (shown as `"c"`). Every board figure
is also available as CSV with `?format=csv`. Errors always look like
`{"error": {"code": "...", "message": "...", "faults": [...]}}`.
"""

ROUTERS: tuple[APIRouter, ...] = (
    surveys.router,
    people.router,
    campaigns.router,
    invitations.router,
    form_counts.router,
    alerts.router,
    requests.router,
    retention.router,
    keys.router,
    return_rates.router,
    sentiment.router,
    themes.router,
    quotes.router,
    scorecard.router,
    rolling.router,
    replies.router,
    statements.router,
    wellbeing.router,
    key_messages.router,
)


def create_app(
    services: Services | None = None,
    *,
    settings: Settings | None = None,
    build: ServicesFactory | None = None,
    extra_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The app. Given `services`, it uses them (the caller closes them); otherwise `build`
    makes them from `settings` (default: the environment) at startup, and they are closed at
    shutdown. The app never builds real objects itself: `build` is
    `carevoice.wiring.build_services`, handed down by the composition root."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # after uvicorn has set up its logging: no code, ref or key in any log line
        install_access_log_masking(app.routes)
        install_log_scrubbing()
        if services is not None:
            yield
            return
        if build is None:
            raise RuntimeError("create_app needs `services`, or `settings` with `build`")
        built = await build(settings or Settings())
        app.state.services = built
        refresher = asyncio.create_task(keep_fresh(built.db))  # board rollups, every minute
        conversations = built.conversations  # safeguarding alerts due for the duty team
        rolling = asyncio.create_task(  # before reviews, within the cap on asking
            keep_rolling(built.db, built.clock, cap=built.asking_cap())
        )
        escalator = asyncio.create_task(
            keep_escalating(built.db, built.clock, conversations.policy)
        )
        retainer = asyncio.create_task(  # retention, daily at CAREVOICE_RETENTION_HOUR
            keep_retained(
                built.db, built.clock, built.retention_policy(), hasher=built.ref_hasher(),
                hour=built.settings.retention_hour, timezone=built.settings.timezone,
            )
        )  # fmt: skip
        try:
            yield
        finally:
            for task in (refresher, escalator, rolling, retainer):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await built.close()

    app = FastAPI(
        title="carevoice",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # api.docs serves /docs and /redoc from local files
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    if services is not None:
        app.state.services = services
    install_error_handlers(app)
    install_docs(app)
    describe_inputs(app)  # the OpenAPI schema says what the server accepts (api.openapi)
    app.include_router(_summaries_from_docstrings(health.router))
    for router in ROUTERS:  # any of them may get a body it cannot parse (400), a NUL byte
        app.include_router(  # (400), too large a body (413) or too many wrong keys (429)
            _summaries_from_docstrings(router), prefix=API_PREFIX,
            responses=error_responses(400, 413, 429),
        )
    for router in extra_routers:
        app.include_router(router)
    app.add_middleware(QuietFailures)  # inside SecurityHeaders, so a 500 page gets them too
    install_web(app)  # the chat, board and officer pages, their static files and headers
    config = settings or (services.settings if services is not None else Settings())
    install_hardening(  # body limits, NUL bytes, API headers, trusted proxies
        app, max_body=config.max_body_bytes, max_upload=config.max_upload_bytes,
        trusted_proxies=config.trusted_proxies,
    )
    install_access_log_masking(app.routes)
    return app


def _summaries_from_docstrings(router: APIRouter) -> APIRouter:
    """Each operation's summary in /docs is its docstring's first sentence, not a title made
    from the function's name ("List People Route")."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.summary is None and route.description:
            first = route.description.strip().split("\n\n", 1)[0]
            route.summary = " ".join(first.split()).split(". ", 1)[0].rstrip(".")
    return router
