"""Requests young people made of a person (erase my data, talk to me), for officers:
open ones first, resolved with a note; and erasure, for admins, always after a page that
says what will go and what stays. Erasure calls `storage.erasure.erase_person`, the same
path as the API and the command line, and resolves the young person's open erasure
requests in the same transaction."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.queries import list_requests_in_scope, person_by_ref, request_in_scope
from api.web.officer_forms import form_text, or_404
from api.web.render import render
from api.web.staff import AdminStaff, OfficerStaff, staff_form
from storage import audit
from storage.erasure import ErasureStillDue, erase_person, resolve_request
from surveys.errors import ConflictError, NotFoundError

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
REQUESTS_SHOWN: Final = 200
NOTE_MAX: Final = 4000
KIND_TEXT: Final = {"erasure": "Delete my information", "talk": "Talk to me"}
PROBLEMS: Final = {
    "note": "Write a note of what was done (up to 4,000 characters).",
    "already": "That request had already been resolved; its note is unchanged.",
    "ref": "There is no young person with that reference in your teams.",
    "erase_first": "A request to delete their information is done by erasing them (an "
    "administrator does it, and it is then marked done). Not erasing them? Decline it, "
    "writing why: they must be told, and may complain to the Information Commissioner.",
}


@router.get("/officer/requests")
async def requests_page(
    services: ServicesDep, staff: OfficerStaff, resolved: int | None = None,
    erased: int | None = None, problem: str | None = None, recorded: int | None = None,
) -> Response:
    """Open requests first (oldest waiting first), then those resolved (audited)."""
    async with services.db.transaction() as session:
        waiting, open_total = await list_requests_in_scope(
            session, kind=None, open_only=True, limit=REQUESTS_SHOWN, offset=0,
            scope=staff.scope,
        )
        every, total = await list_requests_in_scope(
            session, kind=None, open_only=False, limit=REQUESTS_SHOWN, offset=0,
            scope=staff.scope,
        )
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="list requests", subject=f"requests page: {total}")
    done = [(r, ref) for r, ref in every if r.resolved_at is not None]
    return render(
        "officer_requests.html", title="Requests and erasure",
        council=services.settings.council_name, staff=staff, waiting=list(reversed(waiting)),
        open_total=open_total, done=done, kinds=KIND_TEXT, resolved=resolved, erased=erased,
        problem=PROBLEMS.get(problem or ""), note_max=NOTE_MAX, recorded=recorded,
    )


@router.post("/officer/requests/{request_id}/resolve")
async def resolve(request_id: Id, request: Request, services: ServicesDep,
                  staff: OfficerStaff) -> Response:
    """Mark a request done, with a note of what was done."""
    form = await staff_form(request, staff)
    async with services.db.reader() as session:
        await or_404(request_in_scope(session, request_id, staff.scope))
    note = form.get("note")
    note = note.strip() if isinstance(note, str) else ""
    if not note or len(note) > NOTE_MAX:
        return RedirectResponse(f"/officer/requests?problem=note#request-{request_id}", 303)
    try:
        async with services.db.transaction() as session:
            await or_404(request_in_scope(session, request_id, staff.scope))
            await resolve_request(session, services.clock, request_id,
                                  actor=staff.session.actor, note=note,
                                  decline=form.get("decline") == "yes")
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="resolve request", subject=f"request {request_id}")
    except ErasureStillDue:
        return RedirectResponse(
            f"/officer/requests?problem=erase_first#request-{request_id}", 303)
    except ConflictError:
        return RedirectResponse(f"/officer/requests?problem=already#request-{request_id}", 303)
    return RedirectResponse(f"/officer/requests?resolved={request_id}", 303)


@router.get("/officer/erasure")
async def erasure_confirm(
    services: ServicesDep, staff: AdminStaff, ref: str = "", request: int | None = None
) -> Response:
    """Step one: say what erasing this young person removes and keeps; nothing yet."""
    ref = ref.strip()[:64]
    if not ref:
        return RedirectResponse("/officer/requests#erase", 303)
    async with services.db.reader() as session:
        try:
            person = await person_by_ref(session, ref, staff.scope)
        except NotFoundError:
            return RedirectResponse("/officer/requests?problem=ref#erase", 303)
    lines = [
        "This removes their first name, date of birth (their age band is kept), their chat "
        "links, and every word they wrote. It cannot be undone.",
        "What boards count stays: their choices and scores, so past figures don't change. "
        "Their safeguarding alerts stay, as a record that they were raised and acted on, but "
        "without their words, your notes on them or anything that leads back to them: copy "
        "what you need into their case record first.",
        "Their open \u201cdelete my information\u201d requests are marked done with this.",
    ]
    if person.erased_at is not None:
        lines.insert(0, "Their record was erased before; doing it again is harmless.")
    extra = {"ref": person.council_ref} | ({"request": str(request)} if request else {})
    return render(
        "officer_confirm.html", title="Erase this young person?",
        council=services.settings.council_name, staff=staff, nav="requests",
        heading=f"Erase {person.council_ref}?", lines=lines, action="/officer/erasure",
        button=f"Erase {person.council_ref}", back="/officer/requests", danger=True,
        extra=extra,
    )


@router.post("/officer/erasure")
async def erase(request: Request, services: ServicesDep, staff: AdminStaff) -> Response:
    """Step two: erase (which resolves their open erasure requests) in one transaction."""
    form = await staff_form(request, staff)
    ref = form_text(form, "ref", 64)
    actor = staff.session.actor
    async with services.db.transaction() as session:
        try:
            # the reference as held: the one they may see (`find_by_ref` forgives case)
            ref = (await person_by_ref(session, ref, staff.scope)).council_ref
        except NotFoundError:
            return RedirectResponse("/officer/requests?problem=ref#erase", 303)
        await erase_person(  # resolves requests; audits under a keyed hash, never the ref
            session, services.clock, ref, actor=actor, hasher=services.ref_hasher()
        )
    await services.db.checkpoint()  # SQLite: the WAL holds the words no more
    # the ref stays out of the address: browser history and proxies keep addresses
    return RedirectResponse("/officer/requests?erased=1", 303)
