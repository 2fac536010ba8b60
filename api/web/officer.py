"""Officer pages `/officer`: requests young people flagged in their answers (an advocate,
to chair, who and where, to talk to their IRO, something private), campaigns and their
progress, the safeguarding alerts queue (acknowledged with a note, never deleted), and
printable invitation letters with QR codes (printing makes new codes: only their hashes
are kept). Everything is within the key's teams.

Reads of identifiable data (alerts name a young person's reference; letters carry codes)
are written to the audit log in the same transaction, as the API does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Annotated, Final

import segno
from babel.dates import format_date
from fastapi import APIRouter, Path, Request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.queries import (
    CampaignView,
    acknowledge_alert,
    campaign_view,
    list_alerts,
    list_campaigns,
    scoped_progress,
)
from api.web.render import render
from api.web.staff import OfficerStaff, Staff, staff_form
from services.container import Services
from services.settings import Settings
from storage import audit
from storage import campaigns as campaign_store
from storage.summaries import flagged_requests
from storage.tables import AuditLogRow, PersonRow, ResponseRow, SafeguardingAlertRow
from surveys.errors import ConflictError, NotFoundError
from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES, direction, html_lang, translations
from surveys.translations import localize

router = APIRouter(include_in_schema=False)

CAMPAIGNS_PER_PAGE: Final = 20
ALERTS_SHOWN: Final = 100
LETTERS_PER_PAGE: Final = 100
NOTE_MAX: Final = 4000
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@dataclass(frozen=True, slots=True)
class CampaignLine:
    """A campaign with how far its invitations got."""

    view: CampaignView
    progress: campaign_store.CampaignProgress


@dataclass(frozen=True, slots=True)
class Letter:
    """One invitation letter: who it is for (staff only), the link and its QR code."""

    ref: str
    link: str
    qr: Markup
    code: str = ""
    first_name: str | None = None
    code_page: str = ""
    language: str = DEFAULT_LANGUAGE  # the young person's: the letter is written in it
    title: str = ""  # the survey's title in that language


@router.get("/officer")
async def officer_home(
    request: Request,
    services: ServicesDep,
    staff: OfficerStaff,
    page: int = 1,
    acknowledged: int | None = None,
    problem: str | None = None,
) -> Response:
    """Flagged requests, campaigns with progress, and the safeguarding alerts queue."""
    page = max(1, min(page, 100_000))
    scope = staff.scope
    async with services.db.transaction() as session:
        views, total = await list_campaigns(
            session, limit=CAMPAIGNS_PER_PAGE, offset=(page - 1) * CAMPAIGNS_PER_PAGE,
            scope=scope,
        )
        lines = [CampaignLine(v, await scoped_progress(session, v.row.id, scope)) for v in views]
        alerts, alert_total = await list_alerts(
            session, unacknowledged=False, limit=ALERTS_SHOWN, offset=0, scope=scope
        )
        _, open_total = await list_alerts(
            session, unacknowledged=True, limit=1, offset=0, scope=scope
        )
        questions = await _questions_asked(session, services, [a for a, _ in alerts])
        flagged = await flagged_requests(
            session, services.catalog, services.clock.now(), scope
        )
        await audit.record(
            session, services.clock, actor=staff.session.actor, action="list alerts",
            subject=f"officer page: {len(alerts)} of {alert_total}",
        )
        await audit.record(
            session, services.clock, actor=staff.session.actor, action="read flagged requests",
            subject=f"officer page: {len(flagged)} responses",
        )
        await audit.record_each(  # each young person's own "who looked" names this read
            session, services.clock, actor=staff.session.actor, action="read flagged requests",
            refs=[f.council_ref for f in flagged], where="the officer page",
        )
    pages = max(1, -(-total // CAMPAIGNS_PER_PAGE))
    return render(
        "officer.html",
        title="Officer",
        council=services.settings.council_name,
        staff=staff,
        campaigns=lines,
        page=page,
        pages=pages,
        alerts=alerts,
        questions=questions,
        alert_total=alert_total,
        open_alerts=open_total,
        acknowledged=acknowledged,
        problem=_problem(problem),
        note_max=NOTE_MAX,
        flagged=flagged,
        now=services.clock.now(),
    )


async def _questions_asked(
    session: AsyncSession, services: Services, alerts: list[SafeguardingAlertRow]
) -> dict[int, str]:
    """Each listed alert's question in plain words (its survey version's wording)."""
    response_ids = {a.response_id for a in alerts if a.response_id and a.question_id}
    if not response_ids:
        return {}
    found = await session.execute(
        select(ResponseRow.id, ResponseRow.survey_version_id).where(
            ResponseRow.id.in_(response_ids)
        )
    )
    versions = {row.id: row.survey_version_id for row in found}
    words: dict[int, str] = {}
    for alert in alerts:
        version = versions.get(alert.response_id or 0)
        if version is None or not alert.question_id:
            continue
        survey = await services.catalog.get(session, version)
        if survey.has_question(alert.question_id):
            words[alert.id] = survey.question(alert.question_id).text
    return words


PROBLEMS: Final = {
    "note": "Please write a note of what was done (up to 4,000 characters).",
    "already": "That alert had already been acknowledged; its note is unchanged.",
    "missing": "There is no such alert.",
}


def _problem(key: str | None) -> str | None:
    return PROBLEMS.get(key or "")


@router.post("/officer/alerts/{alert_id}/acknowledge")
async def acknowledge(
    alert_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Record that a person has dealt with an alert, and how. The alert itself stays."""
    form = await staff_form(request, staff)
    note = form.get("note")
    note = note.strip() if isinstance(note, str) else ""
    if not note or len(note) > NOTE_MAX:
        return RedirectResponse(f"/officer?problem=note#alert-{alert_id}", 303)
    try:
        async with services.db.transaction() as session:
            await acknowledge_alert(
                session, services.clock, alert_id, actor=staff.session.actor, note=note,
                scope=staff.scope,
            )
            await audit.record(
                session, services.clock, actor=staff.session.actor,
                action="acknowledge alert", subject=f"alert {alert_id}",
            )
    except ConflictError:
        return RedirectResponse(f"/officer?problem=already#alert-{alert_id}", 303)
    except NotFoundError:
        return RedirectResponse("/officer?problem=missing#alerts", 303)
    return RedirectResponse(f"/officer?acknowledged={alert_id}#alert-{alert_id}", 303)


def qr_svg(link: str) -> Markup:
    """An inline SVG QR code for a link (no style attributes, so the CSP allows it)."""
    code = segno.make(link, error="m")
    return Markup(code.svg_inline(scale=4, border=4, title="QR code for the link below",
                                  svgclass="qr", lineclass="qr-line"))


PRINT_ACTION: Final = "print invitation letters"


def _printing(campaign_id: int, page: int, invitation: int | None) -> str:
    """How the audit subject of making one page of a campaign's letters (or one reprint)
    starts; how many were made follows."""
    which = f"invitation {invitation}" if invitation is not None else f"page {page}"
    return f"campaign {campaign_id}: letters, {which}:"


async def _last_made(session: AsyncSession, campaign_id: int, page: int,
                     invitation: int | None) -> int:
    """The audit id of the last time these letters were made (0: never)."""
    row = await audit.latest(session, action=PRINT_ACTION,
                             about=_printing(campaign_id, page, invitation))
    return row.id if row is not None else 0


@router.get("/officer/campaigns/{campaign_id}/letters")
async def letters(
    campaign_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff,
    page: int = 1, invitation: int | None = None,
) -> Response:
    """How many letters there are to print (the campaign's unused invitations in your teams,
    or one to reprint: `?invitation=ID`), and the button that prints them (codes are kept
    only hashed, so printing makes new ones)."""
    page = max(1, min(page, 100_000))
    try:
        async with services.db.reader() as session:
            view = await campaign_view(session, campaign_id, staff.scope)
            survey = await services.catalog.get(session, view.row.survey_version_id)
            total = await campaign_store.count_unused(
                session, campaign_id, services.clock.now(), scope=staff.scope,
                invitation_id=invitation,
            )
            made_as = await _last_made(session, campaign_id, page, invitation)
            last = await session.get(AuditLogRow, made_as) if made_as else None
    except NotFoundError:
        return _no_campaign(services.settings.council_name)
    return _letters_page(services, staff, view, survey.title, [], total, page, invitation,
                         made_as=made_as, last_made=last)


@router.post("/officer/campaigns/{campaign_id}/letters")
async def print_letters(
    campaign_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff,
    page: int = 1, invitation: int | None = None,
) -> Response:
    """Invitation letters to print, one per page, each with a new code (the codes of
    earlier letters for the same invitations stop working): name, code, link and QR.

    The form carries when these letters were last made as the officer saw it; if they
    were made since (a reload resending the form, or a colleague), nothing is made and
    the page asks first: new codes would stop the letters already printed working."""
    form = await staff_form(request, staff)
    seen = str(form.get("made_as") or "0")
    page = max(1, min(page, 100_000))
    base = public_base(request, services.settings)
    try:
        async with services.db.transaction() as session:
            view = await campaign_view(session, campaign_id, staff.scope)
            survey = await services.catalog.get(session, view.row.survey_version_id)
            total = await campaign_store.count_unused(
                session, campaign_id, services.clock.now(), scope=staff.scope,
                invitation_id=invitation,
            )
            if invitation is not None and not total:
                raise NotFoundError(f"no usable invitation {invitation}")
            made_as = await _last_made(session, campaign_id, page, invitation)
            if str(made_as) != seen:  # made since this page was shown: ask first
                last = await session.get(AuditLogRow, made_as)
                return _letters_page(services, staff, view, survey.title, [], total, page,
                                     invitation, made_as=made_as, made_before=last,
                                     last_made=last)
            if made_as and form.get("again") != "yes":  # made before: only when ticked
                last = await session.get(AuditLogRow, made_as)
                return _letters_page(services, staff, view, survey.title, [], total, page,
                                     invitation, made_as=made_as, last_made=last,
                                     unconfirmed=True)
            issued = await campaign_store.reprint_letters(
                session, campaign_id, services.clock,
                limit=LETTERS_PER_PAGE, offset=(page - 1) * LETTERS_PER_PAGE,
                scope=staff.scope, invitation_id=invitation,
            )
            refs = [code.council_ref for code in issued]
            found = await session.execute(
                select(PersonRow.council_ref, PersonRow.language).where(
                    PersonRow.council_ref.in_(refs)
                )
            )
            languages = {str(ref): str(language) for ref, language in found.all()}
            made_as = (await audit.record(
                session, services.clock, actor=staff.session.actor, action=PRINT_ACTION,
                subject=f"{_printing(campaign_id, page, invitation)} {len(issued)} made",
            )).id
    except NotFoundError:
        return _no_campaign(services.settings.council_name)
    made = [
        replace(
            letter_for(code, base),
            language=(language := languages.get(code.council_ref) or DEFAULT_LANGUAGE),
            title=localize(survey, language).title,
        )
        for code in issued
    ]
    return _letters_page(services, staff, view, survey.title, made, total, page, invitation,
                         made_as=made_as, last_made=None)


def letter_for(issued: campaign_store.IssuedCode, base: str) -> Letter:
    """A letter's parts for a code just made."""
    link = f"{base}/c/{issued.printed}"
    return Letter(issued.council_ref, link, qr_svg(link), issued.printed, issued.first_name,
                  f"{base}/c")


def public_base(request: Request, settings: Settings) -> str:
    """The address young people reach the server on: CAREVOICE_PUBLIC_URL when set (or
    `serve --host/--port`), else the address this page was reached on."""
    if "public_url" in settings.model_fields_set:
        return settings.public_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def made_count(row: AuditLogRow | None) -> int | None:
    """How many letters an audited making made ("...: 3 made"; None: not said)."""
    found = re.search(r": (\d+) made$", row.subject or "") if row is not None else None
    return int(found[1]) if found else None


def _no_campaign(council: str) -> Response:
    return render("message.html", status_code=404, title="No such campaign",
                  message="There is no campaign with that number.", young=False, council=council)


def _letters_page(
    services: Services, staff: Staff, view: CampaignView, survey_title: str,
    made: list[Letter], total: int, page: int, invitation: int | None = None, *,
    made_as: int = 0, made_before: AuditLogRow | None = None,
    last_made: AuditLogRow | None = None, unconfirmed: bool = False,
) -> Response:
    return render(
        "letters.html",
        status_code=422 if unconfirmed else 200,
        title=f"Letters: {view.row.name}",
        council=services.settings.council_name,
        staff=staff,
        campaign=view,
        survey_title=survey_title,
        letters=made,
        total=total,
        page=page,
        pages=max(1, -(-total // LETTERS_PER_PAGE)),
        per_page=LETTERS_PER_PAGE,
        invitation=invitation,
        made_as=made_as,
        made_before=made_before,
        last_made=last_made,
        last_count=made_count(last_made),
        unconfirmed=unconfirmed,
        closes=view.row.closes_at,
        letter_words={code: translations(code).gettext for code in LANGUAGES},
        letter_dir={code: direction(code) for code in LANGUAGES},
        letter_lang={code: html_lang(code) for code in LANGUAGES},
        closing_day={
            code: format_date(view.row.closes_at, "d MMMM y",
                              locale="en_GB" if code == DEFAULT_LANGUAGE else code)
            for code in LANGUAGES
        },
    )

