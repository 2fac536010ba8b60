"""Survey translations, for officers: each survey's languages with how many strings are
missing, a survey's PO file to send a translator, and the translator's file read back in
two steps (upload and see what would be added or changed; then confirm, stored as a new
version of the survey: responses keep the version they started with).

As with the people import, the confirm form carries the file back (base64), and it is
checked again in full before anything is stored. The work is `surveys.translations`,
shared with `carevoice surveys export-strings | import-strings`.

Surveys are shared by every team, so storing a translation needs a key for every team (or
an admin key); a key for some teams may download files for a translator but not import.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.web.errors import CsrfRejected
from api.web.render import render
from api.web.security import csrf_ok
from api.web.staff import STAFF_COOKIE, OfficerStaff, Staff
from storage import audit
from surveys.errors import NotFoundError
from surveys.i18n import LANGUAGES
from surveys.model import Survey
from surveys.translations import (
    PoCheck,
    check_po,
    export_po,
    missing,
    source_strings,
    translatable_languages,
)

router = APIRouter(include_in_schema=False)

MAX_PO_BYTES: Final = 500_000
"""Well under the app's body limit (1 MB), base64 in the confirm form included; a
survey's PO file is about 10 KB."""
PAGE: Final = "/officer/translations"
EVERY_TEAM_NEEDED: Final = (
    "Surveys are shared by every team, so only a key for every team (a manager's) or an "
    "admin key can import a translation. Send the file to your manager to import."
)


async def _survey(services: ServicesDep, key: str) -> Survey | None:
    async with services.db.reader() as session:
        try:
            row = await services.catalog.latest(session, key[:100])
        except NotFoundError:
            return None
        return await services.catalog.get(session, row.id)


@router.get(PAGE)
async def translations_page(
    services: ServicesDep,
    staff: OfficerStaff,
    stored: str = "",
    version: int | None = None,
    unchanged: bool = False,
) -> Response:
    """Every survey (newest version) and each shipped language's missing strings."""
    return await _page(services, staff, stored=stored[:100], version=version, unchanged=unchanged)


async def _page(
    services: ServicesDep,
    staff: Staff,
    *,
    status_code: int = 200,
    stored: str = "",
    version: int | None = None,
    unchanged: bool = False,
    problems: list[str] | None = None,
) -> Response:
    languages = translatable_languages()
    async with services.db.reader() as session:
        rows = await services.catalog.latest_rows(session)
        surveys = [(row, await services.catalog.get(session, row.id)) for row in rows]
    table = [
        (
            row,
            survey,
            len(source_strings(survey)),
            {code: len(missing(survey, code)) for code in languages},
        )
        for row, survey in surveys
    ]
    return render(
        "officer_translations.html",
        status_code=status_code,
        title="Translations",
        council=services.settings.council_name,
        staff=staff,
        table=table,
        languages=languages,
        names=LANGUAGES,
        stored=stored,
        version=version,
        unchanged=unchanged,
        problems=problems or [],
        max_kb=MAX_PO_BYTES // 1000,
        may_import=staff.scope.every_team,
    )


@router.get(PAGE + "/{key}/{language}.po")
async def download(key: str, language: str, services: ServicesDep, staff: OfficerStaff) -> Response:
    """A survey's words as a PO file for a translator (audited)."""
    survey = await _survey(services, key)
    if survey is None or language not in translatable_languages():
        return Response("No such survey or language.", status_code=404)
    data = export_po(survey, language)
    async with services.db.transaction() as session:
        await audit.record(
            session,
            services.clock,
            actor=staff.session.actor,
            action="export survey strings",
            subject=f"{survey.key} v{survey.version} [{language}]",
        )
    return Response(
        data,
        media_type="text/x-gettext-translation; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{survey.key}-{language}.po"'},
    )


async def _checked_form(request: Request, *, files: int) -> FormData:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PO_BYTES * 3:
        raise CsrfRejected(
            "That file is too large: a survey's PO file is much smaller. Nothing was changed."
        )
    form = await request.form(max_files=files, max_fields=10, max_part_size=MAX_PO_BYTES * 3)
    if not csrf_ok(request.cookies.get(STAFF_COOKIE), "staff", form.get("csrf")):
        await form.close()
        raise CsrfRejected("This form was out of date. Nothing was changed: please try again.")
    return form


async def _check(
    services: ServicesDep, key: str, language: str, data: bytes
) -> tuple[Survey | None, PoCheck]:
    survey = await _survey(services, key)
    if survey is None:
        return None, PoCheck(["Choose one of the surveys listed."])
    return survey, check_po(survey, language, data, max_bytes=MAX_PO_BYTES)


@router.post(PAGE + "/preview")
async def preview(request: Request, services: ServicesDep, staff: OfficerStaff) -> Response:
    """Read a translator's PO file and show what importing it would do; nothing is stored."""
    form = await _checked_form(request, files=1)
    if not staff.scope.every_team:
        await form.close()
        return await _page(services, staff, status_code=403, problems=[EVERY_TEAM_NEEDED])
    key, language = str(form.get("survey") or ""), str(form.get("language") or "")
    upload = form.get("file")
    data = await upload.read(MAX_PO_BYTES + 1) if isinstance(upload, UploadFile) else b""
    await form.close()
    survey, checked = await _check(services, key, language, data)
    if survey is None or checked.problems:
        return await _page(services, staff, status_code=422, problems=checked.problems)
    return _preview_page(services, staff, survey, language, checked, data)


def _preview_page(
    services: ServicesDep,
    staff: Staff,
    survey: Survey,
    language: str,
    checked: PoCheck,
    data: bytes,
) -> Response:
    assert checked.survey is not None and checked.report is not None
    before = survey.translations.get(language, {})
    after = checked.survey.translations.get(language, {})
    source = source_strings(survey)
    return render(
        "officer_translations_preview.html",
        title="Check the translation",
        council=services.settings.council_name,
        staff=staff,
        survey=survey,
        language=language,
        language_name=LANGUAGES.get(language, language),
        added=[(k, source[k], after[k]) for k in checked.added],
        changed=[(k, source[k], before[k], after[k]) for k in checked.changed],
        report=checked.report,
        file_b64=base64.b64encode(data).decode("ascii"),
    )


@router.post(PAGE + "/import")
async def confirm(request: Request, services: ServicesDep, staff: OfficerStaff) -> Response:
    """Store the previewed file's words as a new version of the survey (checked again);
    a file that changes nothing stores nothing and says so."""
    form = await _checked_form(request, files=0)
    if not staff.scope.every_team:
        return await _page(services, staff, status_code=403, problems=[EVERY_TEAM_NEEDED])
    key, language = str(form.get("survey") or ""), str(form.get("language") or "")
    try:
        data = base64.b64decode(str(form.get("file_b64") or ""), validate=True)
    except binascii.Error:
        return await _page(
            services,
            staff,
            status_code=422,
            problems=["The file didn't come back whole. Please upload it again."],
        )
    _, checked = await _check(services, key, language, data)
    if checked.problems or checked.survey is None:
        return await _page(services, staff, status_code=422, problems=checked.problems)
    async with services.db.transaction() as session:
        registered = await services.catalog.register(session, checked.survey)
        if not registered.created:
            return RedirectResponse(
                f"{PAGE}?stored={registered.row.key}&version={registered.row.version}"
                "&unchanged=true",
                303,
            )
        await audit.record(
            session,
            services.clock,
            actor=staff.session.actor,
            action="import survey strings",
            subject=f"{registered.row.key} v{registered.row.version} [{language}]: "
            f"{len(checked.added)} added, {len(checked.changed)} changed",
        )
    return RedirectResponse(
        f"{PAGE}?stored={registered.row.key}&version={registered.row.version}", 303
    )
