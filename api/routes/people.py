"""Young people: import (CSV or JSON, all or nothing), list and export (audited), erase
(admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from api.bodies import media_type, people_records
from api.deps import AdminKey, Limit, OfficerKey, Offset, ServicesDep, SessionDep
from api.errors import carevoice_reply
from api.queries import list_people, person_by_ref
from api.schemas import ErasurePublic, ImportPublic, Page, PersonPublic, error_responses
from storage import audit
from storage.campaigns import band_of
from storage.erasure import erase_person
from storage.people import import_people
from storage.subject_access import export_person
from storage.teams import out_of_scope
from surveys.errors import PeopleImportError
from surveys.people import COLUMNS, Cohort

router = APIRouter(prefix="/people", tags=["people"])

_PERSON = {"type": "object", "properties": {name: {"type": "string"} for name in COLUMNS}}
IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "CSV (a header row, then one young person a row), the same as a "
        "multipart `file`, or a JSON list of objects with the CSV's columns.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "application/json": {"schema": {"type": "array", "items": _PERSON}},
        },
    }
}


@router.post(
    "",
    openapi_extra=IMPORT_BODY,
    response_model=ImportPublic,
    responses=error_responses(400, 401, 403, 413, 415, 422),
)
async def import_people_route(
    request: Request, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> ImportPublic | JSONResponse:
    """Add or update young people by council reference; any bad row stops the whole import.
    A team key's rows outside its teams are refused alike whether or not their references
    are held, and the attempt is audited."""
    records = await people_records(request, today=services.clock.now().date())
    first = 1 if media_type(request) == "application/json" else 2
    outside = await out_of_scope(session, caller.scope, records, first_line=first)
    if outside:  # a reply, not a raise: the audit row is committed with it
        await caller.audit(session, services, "import people refused",
                           f"{len(records)} rows, {len(outside)} outside the key's teams")
        return carevoice_reply(PeopleImportError("upload", outside))
    summary = await import_people(session, records, services.clock, first_line=first)
    await caller.audit(session, services, "import people", f"{len(records)} rows")
    return ImportPublic(added=summary.added, updated=summary.updated)


@router.get("", responses=error_responses(401, 403, 422))
async def list_people_route(
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
    cohort: Cohort | None = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PersonPublic]:
    """Young people by council reference, a page at a time (each read is audited)."""
    rows, total = await list_people(
        session, cohort=cohort, team=team, limit=limit, offset=offset, scope=caller.scope
    )
    today = services.clock.now().date()
    await caller.audit(
        session, services, "list people",
        f"{len(rows)} of {total} (offset {offset}, cohort {cohort or 'any'}, team {team or 'any'})",
    )
    await audit.record_each(  # each young person's own "who looked" names this read
        session, services.clock, actor=caller.actor, action="list people",
        refs=[row.council_ref for row in rows], where="a list of young people",
    )
    items = [
        PersonPublic.model_validate(row).model_copy(update={"age_band": band_of(row, today)})
        for row in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{council_ref:path}/export", responses=error_responses(401, 403, 404, 422))
async def export_person_route(
    council_ref: Annotated[str, Path(min_length=1, max_length=64)],
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
) -> dict[str, Any]:
    """Everything held about one young person, for a subject access request (audited).

    Invitation codes and web chat session ids are described, not shown (they are keys);
    officers' notes on safeguarding alerts are included for review before sharing."""
    # 404 outside the key's teams; then the reference as held (`find_by_ref` forgives case)
    council_ref = (await person_by_ref(session, council_ref, caller.scope)).council_ref
    return await export_person(
        session, services.clock, council_ref, actor=caller.actor,
        council=services.settings.council_name, retention=services.retention_policy().describe(),
    )  # fmt: skip


@router.post("/{council_ref:path}/erase", responses=error_responses(401, 403, 404, 409, 422))
async def erase_person_route(
    council_ref: Annotated[str, Path(min_length=1, max_length=64)],
    services: ServicesDep,
    caller: AdminKey,
) -> ErasurePublic:
    """Erase a young person and everything they said; the board's figures stay.

    Every row holding them or their words is deleted; the audit log names them by a keyed
    hash. 409 while a safeguarding alert about them is not yet acknowledged."""
    async with services.db.transaction() as session:
        summary = await erase_person(
            session, services.clock, council_ref, actor=caller.actor,
            hasher=services.ref_hasher(),
        )  # fmt: skip
    await services.db.checkpoint()  # SQLite: the WAL holds the words no more
    return ErasurePublic.model_validate(summary, from_attributes=True)
