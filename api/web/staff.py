"""Staff sign in with their API key (board, officer or admin) and get a session cookie.

The cookie (`cv_staff`) is HttpOnly, SameSite=Strict and Secure over https; it holds a
random token naming a server-side session (`stores.StaffSessions`). Signing in makes a
new token (no session fixation); signing out forgets it. Every page checks that the key
behind the session has not been revoked since.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.clients import client_address, too_many
from api.deps import ServicesDep, get_services
from api.web.errors import CsrfRejected, NotAllowed, SignInNeeded, UnstorableText, safe_next
from api.web.render import render
from api.web.security import (
    clear_cookie,
    csrf_ok,
    csrf_token,
    new_token,
    set_cookie,
)
from api.web.stores import StaffSession, web_state
from storage.keys import Role, find_key, key_scope, needs_touch, touch_key
from storage.tables import ApiKeyRow
from storage.teams import EVERY_TEAM, TeamScope

router = APIRouter(include_in_schema=False)

STAFF_COOKIE: Final = "cv_staff"
SIGNIN_COOKIE: Final = "cv_signin"
MAX_FORM_FIELDS: Final = 20
MAX_FIELD_BYTES: Final = 16_384
NOT_RECOGNISED: Final = (
    "That key wasn't recognised. Check you copied all of it (it starts with cv_), "
    "or ask your administrator for a new one."
)


@dataclass(frozen=True, slots=True)
class Staff:
    """A signed-in member of staff, with the CSRF token their forms carry."""

    session: StaffSession
    csrf: str
    scope: TeamScope = EVERY_TEAM  # read from the key on every request, so changes apply

    @property
    def role(self) -> Role:
        return self.session.role

    @property
    def is_officer(self) -> bool:
        return self.role.allows(Role.OFFICER)

    @property
    def is_admin(self) -> bool:
        return self.role.allows(Role.ADMIN)


def home_for(role: Role) -> str:
    """Where a member of staff lands after signing in."""
    return "/officer" if role.allows(Role.OFFICER) else "/board"


async def read_form(request: Request) -> FormData:
    """A small urlencoded form; no files."""
    return await request.form(
        max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
    )


_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE: Final = (
    "What you typed holds a NUL character or a broken character, which can't be saved. "
    "Nothing was changed: remove it and try again."
)


def refuse_unstorable(form: FormData) -> FormData:
    """`form`, or UnstorableText if a field holds what no store keeps. The middleware
    refuses NUL in urlencoded staff forms; a multipart form (which it cannot read) is
    checked here, so PostgreSQL never sees one (it answered 500)."""
    for _, value in form.multi_items():
        if isinstance(value, str) and _UNSTORABLE.search(value):
            raise UnstorableText(UNSTORABLE_MESSAGE)
    return form


async def current_staff(request: Request, services: ServicesDep) -> Staff | None:
    """The signed-in member of staff, or None (no cookie, expired, or key revoked)."""
    token = request.cookies.get(STAFF_COOKIE)
    sessions = web_state(request).staff
    session = sessions.get(token, services.clock.now())
    if session is None or token is None:
        return None
    async with services.db.reader() as db_session:
        row = await db_session.get(ApiKeyRow, session.key_id)
    if row is None or row.revoked_at is not None:
        sessions.end(token)
        return None
    return Staff(session, csrf_token(token, "staff"), key_scope(row))


def staff_with(role: Role) -> Callable[..., Awaitable[Staff]]:
    """A dependency letting through staff whose key's role includes `role`."""

    async def check(
        request: Request, staff: Annotated[Staff | None, Depends(current_staff)]
    ) -> Staff:
        if staff is None:
            query = f"?{request.url.query}" if request.url.query else ""
            raise SignInNeeded(request.url.path + query)
        if not staff.role.allows(role):
            needs = "an admin key" if role is Role.ADMIN else "an officer or admin key"
            raise NotAllowed(
                f"You're signed in with {staff.role.with_article} key. This page needs {needs}. "
                + ("Your pages start at /officer." if staff.is_officer
                   else "The board dashboard is at /board.")
            )
        return staff

    return check


BoardStaff = Annotated[Staff, Depends(staff_with(Role.BOARD))]
OfficerStaff = Annotated[Staff, Depends(staff_with(Role.OFFICER))]
AdminStaff = Annotated[Staff, Depends(staff_with(Role.ADMIN))]

EVERY_TEAM_NEEDED: Final = (
    "Your key is for {teams} only. What the whole council shares (forms returned another "
    "way, \u201cyou said, we did\u201d) is changed with a key for every team (a manager's) "
    "or an admin key: ask your manager."
)


async def _every_team_officer(staff: OfficerStaff) -> Staff:
    if not staff.scope.every_team:
        raise NotAllowed(EVERY_TEAM_NEEDED.format(teams=staff.scope.label()))
    return staff


CouncilOfficerStaff = Annotated[Staff, Depends(_every_team_officer)]
"""An officer or admin signed in with a key for every team."""


async def staff_form(request: Request, staff: Staff) -> FormData:
    """A staff form, after checking its CSRF token."""
    form = await read_form(request)
    token = request.cookies.get(STAFF_COOKIE)
    if not csrf_ok(token, "staff", form.get("csrf")):
        raise CsrfRejected("This form was out of date. Nothing was changed: please try again.")
    return refuse_unstorable(form)


@router.get("/signin")
async def sign_in_page(
    request: Request,
    staff: Annotated[Staff | None, Depends(current_staff)],
    next: str | None = None,
    signed_out: bool = False,
) -> Response:
    """The sign-in form."""
    if staff is not None and not signed_out:
        return RedirectResponse(safe_next(next, home_for(staff.role)), 303)
    return _sign_in_form(request, next, signed_out=signed_out)


def _sign_in_form(
    request: Request, next_path: str | None, *, error: str | None = None,
    signed_out: bool = False, status: int = 200,
) -> Response:
    secret = new_token()
    services = get_services(request)
    response = render(
        "signin.html",
        status_code=status,
        title="Sign in",
        council=services.settings.council_name,
        csrf=csrf_token(secret, "signin"),
        next=safe_next(next_path, ""),
        error=error,
        signed_out=signed_out,
        staff=None,
    )
    set_cookie(response, request, SIGNIN_COOKIE, secret, path="/signin", max_age=3600,
               same_site="strict")
    return response


@router.post("/signin")
async def sign_in(request: Request, services: ServicesDep) -> Response:
    """Check the key; on success start a session and go where the person was heading."""
    form = await read_form(request)
    next_path = form.get("next")
    next_text = next_path if isinstance(next_path, str) else None
    if not csrf_ok(request.cookies.get(SIGNIN_COOKIE), "signin", form.get("csrf")):
        return _sign_in_form(
            request, next_text, status=403,
            error="The sign-in form had timed out. Please paste your key again.",
        )
    guard, client = services.throttles.keys, client_address(request)
    wait = guard.wait(client)
    if wait:
        response = _sign_in_form(request, next_text, error=too_many(wait, "keys").message
                                 .capitalize() + ".", status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    key = form.get("key")
    row = None
    if isinstance(key, str) and key.strip():
        async with services.db.reader() as session:
            row = await find_key(session, key.strip())
    if row is None or row.revoked_at is not None:
        guard.miss(client)
        return _sign_in_form(request, next_text, error=NOT_RECOGNISED, status=401)
    if needs_touch(row, services.clock):
        async with services.db.transaction() as session:
            await touch_key(session, row.id, services.clock)
    now = services.clock.now()
    role = Role(row.role)
    token = new_token()
    web_state(request).staff.start(
        token, StaffSession(row.id, row.name, row.prefix, role, started=now, seen=now)
    )
    response = RedirectResponse(safe_next(next_text, home_for(role)), 303)
    set_cookie(response, request, STAFF_COOKIE, token, same_site="strict")
    clear_cookie(response, request, SIGNIN_COOKIE, path="/signin")
    return response


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    """End the session (its token is forgotten at once) and clear the cookie."""
    form = await read_form(request)
    token = request.cookies.get(STAFF_COOKIE)
    if not csrf_ok(token, "staff", form.get("csrf")):
        raise CsrfRejected("This form was out of date. Please reload the page and try again.")
    web_state(request).staff.end(token)
    response = RedirectResponse("/signin?signed_out=true", 303)
    clear_cookie(response, request, STAFF_COOKIE)
    return response
