"""Access keys, for admins: every key (never its secret), a new one (its secret shown
once, on the page that made it), and revoking one after a confirmation. An officer key
belongs to chosen teams or to every team; board and admin keys take no teams."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.web.officer_forms import Problem, fields, or_404
from api.web.render import render
from api.web.staff import AdminStaff, Staff, staff_form
from services.container import Services
from storage import audit
from storage import keys as key_store
from storage.keys import Role
from storage.tables import ApiKeyRow
from storage.teams import known_teams
from surveys.errors import NotFoundError, ValidationError

router = APIRouter(include_in_schema=False)
Prefix = Annotated[str, Path(min_length=8, max_length=16, pattern=r"^[0-9a-f]+$")]


@dataclass
class KeyForm:
    name: str = ""
    role: str = "officer"
    every_team: bool = False
    teams: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


async def _page(services: Services, staff: Staff, form: KeyForm, *, made: str | None = None,
                made_row: ApiKeyRow | None = None, revoked: str | None = None,
                status: int = 200) -> Response:
    async with services.db.reader() as session:
        rows = await key_store.list_keys(session)
        teams = await known_teams(session)
    return render(
        "officer_keys.html", status_code=status, title="Access keys",
        council=services.settings.council_name, staff=staff, rows=rows, form=form,
        teams=teams, roles=[r.value for r in Role], scope_of=key_store.key_scope, made=made,
        made_row=made_row, revoked=revoked,
    )


@router.get("/officer/keys")
async def keys_page(services: ServicesDep, staff: AdminStaff,
                    revoked: str | None = None) -> Response:
    """Every key, newest first, and a form to make one."""
    return await _page(services, staff, KeyForm(), revoked=revoked)


@router.post("/officer/keys")
async def create_key(request: Request, services: ServicesDep, staff: AdminStaff) -> Response:
    """Make a key; the page that answers shows it, once."""
    data = await staff_form(request, staff)
    form = KeyForm(
        name=" ".join(str(data.get("name") or "").split())[:80],
        role=str(data.get("role") or ""),
        every_team=data.get("every_team") == "yes",
        teams=fields(data, "team") + [t.strip() for t in str(data.get("new_team") or "")
                                      .split(",") if t.strip()],
    )
    if form.role not in {r.value for r in Role}:
        form.problems.append(("role-officer", "Choose what the key is for."))
    if not form.name:
        form.problems.append(("name", "Give the key a name: who or what uses it."))
    teams: list[str] | None = None
    if form.role == Role.OFFICER.value:
        if form.every_team and form.teams:
            form.problems.append(("every_team", "Choose every team, or some teams: not both."))
        elif not form.every_team and not form.teams:
            form.problems.append(("every_team", "An officer key needs its teams: tick them, "
                                  "or choose every team (a manager)."))
        teams = None if form.every_team else form.teams
    if form.problems:
        return await _page(services, staff, form, status=422)
    try:
        async with services.db.transaction() as session:
            made = await key_store.create_key(session, services.clock, role=form.role,
                                              name=form.name, teams=teams)
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="create key",
                               subject=f"{made.row.role} key {made.row.name} ({made.row.prefix})")
    except ValidationError as error:
        form.problems.append(("name", str(error)[0].upper() + str(error)[1:] + "."))
        return await _page(services, staff, form, status=422)
    return await _page(services, staff, KeyForm(), made=made.token, made_row=made.row,
                       status=201)


async def _key(services: Services, prefix: str) -> ApiKeyRow:
    async with services.db.reader() as session:
        row = await session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
    if row is None:
        raise NotFoundError(f"no key {prefix}")
    return row


@router.get("/officer/keys/{prefix}/revoke")
async def revoke_confirm(prefix: Prefix, services: ServicesDep, staff: AdminStaff) -> Response:
    """Are you sure? A revoked key stops working at once, for good."""
    row = await or_404(_key(services, prefix))
    own = row.id == staff.session.key_id
    lines = ["It stops working at once, for good, in the API and on these pages; anyone "
             "signed in with it is signed out. Make a new key if they still need one."]
    if own:
        lines.insert(0, "This is the key you are signed in with: you will be signed out.")
    return render(
        "officer_confirm.html", title="Revoke this key?", council=services.settings.council_name,
        staff=staff, nav="keys", heading=f"Revoke the {row.role} key \u201c{row.name}\u201d "
        f"({row.prefix})?", lines=lines, action=f"/officer/keys/{prefix}/revoke",
        button="Revoke key", back="/officer/keys", danger=True, extra=None,
    )


@router.post("/officer/keys/{prefix}/revoke")
async def revoke(prefix: Prefix, request: Request, services: ServicesDep,
                 staff: AdminStaff) -> Response:
    """Revoke a key (again is harmless)."""
    await staff_form(request, staff)
    async with services.db.transaction() as session:
        row = await or_404(key_store.revoke_key(session, services.clock, prefix))
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="revoke key", subject=f"{row.role} key {row.name} ({prefix})")
    return RedirectResponse(f"/officer/keys?revoked={prefix}", 303)
