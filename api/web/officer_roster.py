"""Young people, for officers: the list (by team and cohort, audited) and importing a CSV
in two steps: upload, see every row and every fault, then confirm (all or nothing).

Nothing is stored at the preview. The confirm form carries the file back (base64 in a
hidden field, so no server-side state is needed between the steps), and it is checked
again in full before anything is written, in one transaction.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.queries import list_people
from api.web.errors import CsrfRejected, UnstorableText
from api.web.render import render
from api.web.security import csrf_ok
from api.web.staff import STAFF_COOKIE, OfficerStaff, Staff, refuse_unstorable
from storage import audit
from storage.campaigns import band_of
from storage.people import import_people, reference_clashes
from storage.tables import PersonRow
from storage.teams import TeamScope, known_spellings, known_teams, new_teams, out_of_scope
from surveys.errors import ImportFault, PeopleImportError
from surveys.people import (
    AGE_BAND_NAMES,
    COLUMNS,
    Cohort,
    PersonRecord,
    decode_csv,
    numbered_rows,
    parse_people_csv,
    parse_people_rows,
)

router = APIRouter(include_in_schema=False)

PEOPLE_PER_PAGE: Final = 50
MAX_CSV_BYTES: Final = 5_000_000
SOURCE: Final = "upload"
TEMPLATE_CSV: Final = (
    ",".join(COLUMNS) + "\r\n"
    "AB1234,in_care,2014-05-17,,North,2026-12-15,Sam\r\n"
    "AB1235,care_leaver,,18-21,Care Leavers,,\r\n"
)


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One row of the file as read, what it will do, and its faults."""

    line: int
    cells: dict[str, str]
    record: PersonRecord | None
    age_band: str | None
    action: str  # "add", "update" or "fix"
    faults: list[ImportFault]


@router.get("/officer/young-people")
async def people_page(
    request: Request, services: ServicesDep, staff: OfficerStaff,
    team: str = "", cohort: str = "", page: int = 1, added: int | None = None,
    updated: int | None = None, find: str = "",
) -> Response:
    """Young people by council reference, filtered by team and cohort, or found by their
    reference or first name (audited; what was looked for is not written down)."""
    find = find.strip()[:64]
    page = max(1, min(page, 100_000))
    cohort_value = cohort if cohort in {c.value for c in Cohort} else None
    team_value = team[:64] or None
    async with services.db.transaction() as session:
        rows, total = await list_people(
            session, cohort=cohort_value, team=team_value, limit=PEOPLE_PER_PAGE,
            offset=(page - 1) * PEOPLE_PER_PAGE, scope=staff.scope, find=find,
        )
        teams = await known_teams(session, staff.scope)
        await audit.record(
            session, services.clock, actor=staff.session.actor, action="list people",
            subject=f"people page: {len(rows)} of {total} (team {team_value or 'any'}, "
            f"cohort {cohort_value or 'any'}{', a search' if find else ''})",
        )
        await audit.record_each(  # each young person's own "who looked" names this read
            session, services.clock, actor=staff.session.actor, action="list people",
            refs=[row.council_ref for row in rows], where="the young people page",
        )
    today = services.clock.now().date()
    return render(
        "officer_roster.html", title="Young people", council=services.settings.council_name,
        staff=staff, people=[(p, band_of(p, today)) for p in rows], total=total, page=page,
        pages=max(1, -(-total // PEOPLE_PER_PAGE)), teams=teams, team=team_value or "",
        cohort=cohort_value or "", cohorts=[c.value for c in Cohort], added=added,
        updated=updated, columns=COLUMNS, age_bands=AGE_BAND_NAMES, problem=None, find=find,
    )


@router.get("/officer/young-people/template.csv")
async def template_csv(staff: OfficerStaff) -> Response:
    """An example file with every column, to fill in."""
    return Response(
        TEMPLATE_CSV, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="young-people.csv"'},
    )


async def _checked_form(request: Request, *, files: int) -> FormData:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CSV_BYTES * 2:
        raise CsrfRejected("That file is too large: up to 5 MB at a time. Nothing was saved.")
    form = await request.form(max_files=files, max_fields=10, max_part_size=MAX_CSV_BYTES * 2)
    if not csrf_ok(request.cookies.get(STAFF_COOKIE), "staff", form.get("csrf")):
        await form.close()  # an uploaded file's temporary copy
        raise CsrfRejected("This form was out of date. Nothing was changed: please try again.")
    try:
        return refuse_unstorable(form)
    except UnstorableText:
        await form.close()
        raise


@router.post("/officer/young-people/preview")
async def preview(request: Request, services: ServicesDep, staff: OfficerStaff) -> Response:
    """Read an uploaded CSV and show every row and every fault; nothing is saved."""
    form = await _checked_form(request, files=1)
    upload = form.get("file")
    data = await upload.read(MAX_CSV_BYTES + 1) if isinstance(upload, UploadFile) else b""
    await form.close()
    if not data:
        return await _again(request, services, staff, "Choose a CSV file to upload.")
    if len(data) > MAX_CSV_BYTES:
        return await _again(request, services, staff, "That file is larger than 5 MB. "
                            "Split it into smaller files and import each.")
    try:  # UTF-8 with or without a BOM, UTF-16 or Windows-1252, as the API and CLI read
        text = decode_csv(data, source=SOURCE).lstrip("\ufeff")
    except PeopleImportError:
        return await _again(request, services, staff, "That file isn't text we can read. In "
                            "Excel, save it as \u201cCSV UTF-8 (Comma delimited)\u201d and try "
                            "again.")
    return await _preview_page(services, staff, text)


@router.post("/officer/young-people/import")
async def confirm_import(request: Request, services: ServicesDep, staff: OfficerStaff) -> Response:
    """Import the previewed file: every row, or (if anything is wrong now) none."""
    form = await _checked_form(request, files=0)
    try:
        text = base64.b64decode(str(form.get("file_b64") or ""), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return await _again(request, services, staff, "The file didn't come back whole. "
                            "Please upload it again.")
    today = services.clock.now().date()
    try:
        records = parse_people_csv(text, source=SOURCE, today=today)
    except PeopleImportError:
        return await _preview_page(services, staff, text)
    async with services.db.transaction() as session:
        outside = await out_of_scope(session, staff.scope, records, first_line=2)
        if outside:
            faulty = True
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="import people refused",
                               subject=f"{len(records)} rows (web), {len(outside)} outside "
                               "the key's teams")
        elif await reference_clashes(session, records, first_line=2):
            faulty = True
        elif await new_teams(session, records) and form.get("new_teams") != "yes":
            return await _preview_page(services, staff, text, unconfirmed=True)
        else:
            faulty = False
            summary = await import_people(session, records, services.clock)
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="import people", subject=f"{len(records)} rows (web)")
    if faulty:
        return await _preview_page(services, staff, text)
    return RedirectResponse(
        f"/officer/young-people?added={summary.added}&updated={summary.updated}", 303
    )


async def _again(request: Request, services: ServicesDep, staff: Staff, problem: str) -> Response:
    async with services.db.reader() as session:
        teams = await known_teams(session, staff.scope)
    return render(
        "officer_roster.html", status_code=422, title="Young people",
        council=services.settings.council_name, staff=staff, people=[], total=None, page=1,
        pages=1, teams=teams, team="", cohort="", cohorts=[c.value for c in Cohort],
        added=None, updated=None, columns=COLUMNS, age_bands=AGE_BAND_NAMES, problem=problem,
    )


async def _refusals(
    session: AsyncSession, scope: TeamScope, records: list[PersonRecord], lines: list[int]
) -> list[ImportFault]:
    """Rows outside the key's teams, then clashes of capitals on the other rows only (a
    clash would name a reference held outside them)."""
    outside = await out_of_scope(session, scope, records, lines=lines)
    refused = {fault.line for fault in outside}
    clashes = await reference_clashes(session, records, lines=lines)
    return outside + [fault for fault in clashes if fault.line not in refused]


async def _preview_page(
    services: ServicesDep, staff: Staff, text: str, *, unconfirmed: bool = False
) -> Response:
    """Every row as read, its faults, and any team the file would make (to confirm)."""
    today = services.clock.now().date()
    file_faults: list[ImportFault] = []
    try:
        parse_people_csv(text, source=SOURCE, today=today)
    except PeopleImportError as error:
        file_faults = error.faults
    numbered = numbered_rows(text)  # the lines of the file, as the import reads them
    by_line: dict[int, list[ImportFault]] = {}
    for fault in file_faults:
        by_line.setdefault(fault.line, []).append(fault)
    records: list[tuple[int, PersonRecord]] = []
    for line, row in numbered:
        try:
            records.append((line, parse_people_rows([row], source=SOURCE, today=today,
                                                    first_line=line)[0]))
        except PeopleImportError:
            continue
    async with services.db.reader() as session:
        spelt = await known_spellings(session, [r for _, r in records])  # "north" is North
        records = [(line, record) for (line, _), record in zip(records, spelt, strict=True)]
        existing = set()
        refs = [r.council_ref for _, r in records]
        for start in range(0, len(refs), 500):
            existing |= set((await session.scalars(
                select(PersonRow.council_ref).where(PersonRow.council_ref.in_(
                    refs[start : start + 500]))
            )).all())
        checked, at = [r for _, r in records], [line for line, _ in records]
        made = await new_teams(session, checked)
        for fault in await _refusals(session, staff.scope, checked, at):
            by_line.setdefault(fault.line, []).append(fault)
    parsed = dict(records)
    rows = []
    for line, cells in numbered:
        record = parsed.get(line)
        faults = by_line.get(line, [])
        action = "fix" if faults or record is None else (
            "update" if record.council_ref in existing else "add")
        rows.append(PreviewRow(line, cells, record, record.band_on(today) if record else None,
                               action, faults))
    shown = {line for line, _ in numbered}  # faults of no row shown: the header's, the file's
    header_faults = [f for line, faults in by_line.items() if line not in shown for f in faults]
    fix = sum(1 for r in rows if r.action == "fix")
    ok = not header_faults and not fix and bool(rows)
    return render(
        "officer_roster_preview.html", status_code=200 if ok and not unconfirmed else 422,
        new_teams=made, unconfirmed=unconfirmed,
        title="Check the import", council=services.settings.council_name, staff=staff,
        rows=rows, header_faults=header_faults, ok=ok, fix=fix,
        adding=sum(1 for r in rows if r.action == "add"),
        updating=sum(1 for r in rows if r.action == "update"),
        file_b64=base64.b64encode(text.encode("utf-8")).decode("ascii") if ok else "",
        columns=COLUMNS,
    )
