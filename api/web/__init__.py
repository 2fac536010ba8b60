"""Web pages: the young people's chat, the board dashboard and the officer pages.

    install_web(app)      adds all of it to an app (create_app calls it)

    /c/{code}             the chat (chat.py): JavaScript optional, plain forms always work
    /c/{code}/my-data     a young person asks for a copy of their data (chat_requests.py)
    /signin, /signout     staff sign in with their API key (staff.py)
    /board, /board/print  the dashboard and its A4 report (board.py)
    /officer/alerts/{id}  one safeguarding alert, to act on (officer_alerts.py)
    /talk/{token}         a young person's own link: messages any time, replies (talk.py)
    /officer/replies      messages, replies, "you said, we did", rolling reviews
                          (officer_replies.py)
    /officer/people       subject access: a young person's data to print (officer_people.py)
    /                     a plain landing page (home.py)
    /officer              requests flagged, campaigns, alerts, letters (officer.py)
    /officer/young-people young people, one young person, a CSV import with a preview
                          (officer_roster.py, officer_children.py)
    /officer/campaigns    campaigns, a new one with a count, invitations (officer_campaigns.py)
    /officer/responses/N  a young person's "Before my review" summary (officer_children.py)
    /officer/returns      forms returned on paper or by email (officer_returns.py)
    /officer/requests     requests, and erasure for admins (officer_requests.py)
    /officer/keys         access keys, for admins (officer_keys.py)
    /officer/translations surveys' languages, PO files out and back in with a preview
                          (officer_translations.py)
    /static/...           CSS and the chat's small script (api/static)

Every page is server-rendered with autoescaping, every form carries a CSRF token, and
`security.SecurityHeaders` sets a strict Content-Security-Policy on all of them.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from api.web import (
    board,
    chat,
    chat_requests,
    home,
    officer,
    officer_alerts,
    officer_campaigns,
    officer_children,
    officer_keys,
    officer_people,
    officer_replies,
    officer_requests,
    officer_returns,
    officer_roster,
    officer_translations,
    staff,
    talk,
)
from api.web.errors import install_web_errors
from api.web.render import STATIC
from api.web.security import SecurityHeaders
from api.web.stores import WebState

__all__ = ["install_web", "web_router"]


def web_router() -> APIRouter:
    """Every web page's route (not in the OpenAPI schema)."""
    router = APIRouter(include_in_schema=False)
    parts = (
        home.router, chat.router, chat_requests.router, talk.router, staff.router, board.router,
        officer.router, officer_alerts.router, officer_people.router, officer_replies.router,
        officer_roster.router, officer_campaigns.router, officer_children.router,
        officer_returns.router, officer_requests.router, officer_keys.router,
        officer_translations.router,
    )  # fmt: skip
    for part in parts:
        router.include_router(part)
    return router


def install_web(app: FastAPI) -> None:
    """Add the web pages, their static files, error pages and security headers."""
    app.state.web = WebState()
    install_web_errors(app)
    app.include_router(web_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
