"""Campaigns, for officers: the list (newest by opening date), a new campaign with a count
of who matches (live with `officer.js`, a "Count" button without JavaScript), and one
campaign's page: its progress and invitations (invite one more, revoke with a
confirmation, reprint a letter, read what a young person said).

A key for some teams counts, invites and sees only the young people in its teams.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, QueryParams
from starlette.responses import JSONResponse, RedirectResponse, Response

from api.deps import ServicesDep
from api.queries import (
    campaign_view,
    invitation_by_id,
    list_campaigns,
    list_invitations,
    person_by_ref,
    scoped_progress,
)
from api.web.officer_forms import (
    Problem,
    form_text,
    or_404,
    parse_day,
    parse_uk_moment,
    uk_input,
)
from api.web.officer_returns import ROUTE_TEXT
from api.web.render import render
from api.web.staff import OfficerStaff, Staff, staff_form
from services.container import Services
from storage import asking, audit
from storage import campaigns as campaign_store
from storage.campaign_closing import TeamCannotClose, close_campaign, closing_plan, may_close
from storage.conversations import carry_on_locked
from storage.hand_returns import record_hand_return
from storage.reach import Reach
from storage.rolling import (
    DEFAULT_DAYS_BEFORE,
    MAX_DAYS_BEFORE,
    NO_END,
    RollingCampaigns,
    create_rolling_campaign,
)
from storage.tables import (
    CampaignRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
    SurveyVersionRow,
)
from storage.teams import TeamScope, known_teams
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.people import AGE_BAND_NAMES, Cohort
from surveys.reach_texts import SAID_NOT_NOW

router = APIRouter(include_in_schema=False)

CAMPAIGNS_PER_PAGE: Final = 20
INVITATIONS_PER_PAGE: Final = 100
DEFAULT_OPEN: Final = timedelta(days=14)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@dataclass
class CampaignForm:
    """What an officer filled in (as typed, so the form shows it again) and its faults."""

    name: str = ""
    survey: str = ""
    cohort: str = ""
    age_bands: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    review_from: str = ""
    review_to: str = ""
    opens: str = ""
    closes: str = ""
    max_reminders: str = "2"
    target: str = ""
    rolling: bool = False  # invite each young person `days_before` each review
    days_before: str = str(DEFAULT_DAYS_BEFORE)
    once: str = ""  # the form's one-time token: posted again, it leads to the campaign made
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def read(cls, data: FormData | QueryParams) -> CampaignForm:
        def one(name: str, limit: int = 200) -> str:
            value = data.get(name)
            return " ".join(value.split())[:limit] if isinstance(value, str) else ""

        def many(name: str) -> list[str]:
            return [v.strip()[:64] for v in data.getlist(name) if isinstance(v, str) and v.strip()]

        return cls(
            name=one("name"), survey=one("survey", 64), cohort=one("cohort", 16),
            age_bands=many("age_band"), teams=many("team"), review_from=one("review_from", 20),
            review_to=one("review_to", 20), opens=one("opens", 20), closes=one("closes", 20),
            max_reminders=one("max_reminders", 4) or "2", target=one("target", 6),
            rolling=one("rolling", 8) == "yes",
            days_before=one("days_before", 4) or str(DEFAULT_DAYS_BEFORE),
            once=one("once", 64),
        )


@dataclass(frozen=True, slots=True)
class Checked:
    """A campaign form that passed every check."""

    wanted: campaign_store.CohortFilter
    teams: tuple[str, ...]
    opens_at: datetime
    closes_at: datetime
    max_reminders: int
    target_rate: float | None


def check(form: CampaignForm, now: datetime, scope: TeamScope, *, creating: bool) -> Checked | None:
    """The form's values, or None with `form.problems` saying what to fix."""
    problems = form.problems
    if creating and not form.name:
        problems.append(("name", "Give the campaign a name, e.g. \u201cReview consultation: "
                         "North, spring\u201d."))
    if creating and not form.survey:
        problems.append(("survey", "Choose the survey to send."))
    cohort = form.cohort if form.cohort in {c.value for c in Cohort} else None
    if form.cohort and cohort is None:
        problems.append(("cohort-any", "Choose in care, care leavers, or both."))
    bad_bands = [b for b in form.age_bands if b not in AGE_BAND_NAMES]
    if bad_bands:
        problems.append(("age-band-0", f"Unknown age band {bad_bands[0]!r}: choose from "
                         f"{', '.join(AGE_BAND_NAMES)}."))
    outside = [t for t in form.teams if not scope.sees_team(t)]
    if outside:
        problems.append(("team-0", f"{outside[0]} is not one of your teams ({scope.label()})."))
    days: dict[str, date | None] = {}
    for name, raw, what in (("review_from", form.review_from, "Reviews from"),
                            ("review_to", form.review_to, "Reviews to")):
        try:
            days[name] = parse_day(raw)
        except ValueError:
            problems.append((name, f"{what}: write a date as DD/MM/YYYY or YYYY-MM-DD."))
            days[name] = None
    if days["review_from"] and days["review_to"] and days["review_from"] > days["review_to"]:
        problems.append(("review_to", "The review window ends before it starts."))
    if form.rolling and (form.review_from or form.review_to):
        problems.append(("review_from", "A rolling campaign invites before every review: "
                         "leave the review dates empty."))
    if form.rolling and not (
        form.days_before.isdigit() and 1 <= int(form.days_before) <= MAX_DAYS_BEFORE
    ):
        problems.append(("days_before", f"Days before the review: a whole number from 1 to "
                         f"{MAX_DAYS_BEFORE}."))
    opens_at: datetime | None = now
    closes_at: datetime | None = None
    try:
        opens_at = parse_uk_moment(form.opens) or now
    except ValueError:
        problems.append(("opens", "Opens: choose a date and time."))
    try:
        closes_at = parse_uk_moment(form.closes)
    except ValueError:
        problems.append(("closes", "Closes: choose a date and time."))
    if opens_at is not None and closes_at is None and not form.closes:
        closes_at = NO_END if form.rolling else opens_at + DEFAULT_OPEN
    if opens_at and closes_at and closes_at <= opens_at:
        problems.append(("closes", "The campaign must close after it opens."))
    elif closes_at and closes_at <= now:
        problems.append(("closes", "That closing time has passed: invitations would never work."))
    reminders = form.max_reminders
    if not reminders.isdigit() or not 0 <= int(reminders) <= 10:
        problems.append(("max_reminders", "Reminders: a whole number from 0 to 10."))
    target: float | None = None
    if form.target:
        try:
            target = float(form.target.rstrip("%")) / 100
        except ValueError:
            target = -1
        if not 0 < target <= 1:
            problems.append(("target", "Target: a percentage from 1 to 100, e.g. 30."))
    if problems or opens_at is None or closes_at is None:
        return None
    wanted = campaign_store.within_scope(campaign_store.CohortFilter(
        cohort=cohort, age_bands=tuple(form.age_bands), teams=tuple(form.teams),
        review_from=days["review_from"], review_to=days["review_to"],
    ), scope)  # a team key: none ticked is all of its teams, never every team
    return Checked(wanted, wanted.teams, opens_at, closes_at, int(reminders), target)


async def matching(
    session: AsyncSession, scope: TeamScope, checked: Checked
) -> list[PersonRow]:
    """The young people a campaign would invite: the filter, within the chosen teams (or
    every team the key sees)."""
    people = await campaign_store.select_people(session, checked.wanted, checked.opens_at.date())
    chosen = set(checked.teams)
    return [
        p for p in people
        if scope.sees_team(p.team) and (not chosen or p.team in chosen)
    ]


async def _surveys(session: AsyncSession, services: Services) -> list[SurveyVersionRow]:
    return await services.catalog.latest_rows(session)


async def _form_page(
    services: Services, staff: Staff, form: CampaignForm, *, match_text: str | None = None,
    status: int = 200,
) -> Response:
    async with services.db.reader() as session:
        surveys = await _surveys(session, services)
        teams = await known_teams(session, staff.scope)
    now = services.clock.now()
    return render(
        "officer_campaign_new.html", status_code=status, title="New campaign",
        council=services.settings.council_name, staff=staff, form=form, surveys=surveys,
        teams=teams, age_bands=AGE_BAND_NAMES, cohorts=[c.value for c in Cohort],
        match_text=match_text, opens_hint=uk_input(now),
        closes_hint=uk_input(now + DEFAULT_OPEN), reminder_cap=services.asking_cap().reminders,
    )


@router.get("/officer/campaigns")
async def campaigns_page(
    services: ServicesDep, staff: OfficerStaff, page: int = 1
) -> Response:
    """Campaigns, newest by opening date, each with its progress (your teams' part)."""
    page = max(1, min(page, 100_000))
    async with services.db.reader() as session:
        views, total = await list_campaigns(
            session, limit=CAMPAIGNS_PER_PAGE, offset=(page - 1) * CAMPAIGNS_PER_PAGE,
            scope=staff.scope,
        )
        lines = [(v, await scoped_progress(session, v.row.id, staff.scope)) for v in views]
    return render(
        "officer_campaigns.html", title="Campaigns", council=services.settings.council_name,
        staff=staff, campaigns=lines, page=page, total=total,
        pages=max(1, -(-total // CAMPAIGNS_PER_PAGE)), now=services.clock.now(),
    )


@router.get("/officer/campaigns/new")
async def new_campaign(services: ServicesDep, staff: OfficerStaff) -> Response:
    """The form for a new campaign (reminders at most what the council allows)."""
    reminders = min(2, services.asking_cap().reminders)
    form = CampaignForm(max_reminders=str(reminders), once=secrets.token_urlsafe(24))
    return await _form_page(services, staff, form)


@router.get("/officer/campaigns/count")
async def count_matching(request: Request, services: ServicesDep, staff: OfficerStaff) -> Response:
    """How many young people the filters match (JSON, for the live count)."""
    form = CampaignForm.read(request.query_params)
    checked = check(form, services.clock.now(), staff.scope, creating=False)
    if checked is None:
        return JSONResponse({"matched": None, "text": form.problems[0][1]})
    async with services.db.reader() as session:
        people = await matching(session, staff.scope, checked)
        text = await _matched_text(session, services, people, form.survey)
    return JSONResponse({"matched": len(people), "text": text})


async def _matched_text(session: AsyncSession, services: Services,
                        people: list[PersonRow], survey: str) -> str:
    """How many match, how many of them already have an open invitation to the survey,
    and how many the asking cap holds back for now."""
    if not people:
        return "No young people match these choices."
    said = f"{len(people)} young {'person matches' if len(people) == 1 else 'people match'}."
    already = await campaign_store.open_to_survey(
        session, [p.id for p in people], survey, services.clock.now()
    ) if survey else 0
    if already:
        said += (f" {already} of them already {'has' if already == 1 else 'have'} an open "
                 "invitation to this survey in another campaign.")
    cap = services.asking_cap()
    if not cap.on:
        return said
    asked = await asking.asked_counts(session, [p.id for p in people], cap,
                                      services.clock.now())
    held = sum(1 for p in people if asked[p.id] >= cap.surveys)
    if held:
        said += (f" Not invited now, {held} of them: {cap.reason} (the campaign's page will "
                 "list them; inviting again later reaches them).")
    return said


@router.post("/officer/campaigns")
async def create_campaign(request: Request, services: ServicesDep, staff: OfficerStaff) -> Response:
    """Count who matches ("count"), or create the campaign and invite them ("create")."""
    data = await staff_form(request, staff)
    form = CampaignForm.read(data)
    counting = data.get("action") == "count"
    now = services.clock.now()
    checked = check(form, now, staff.scope, creating=not counting)
    if checked is None:
        return await _form_page(services, staff, form, status=422)
    try:
        return await _count_or_create(services, staff, form, checked, counting=counting)
    except IntegrityError:  # the same form twice at once: the first one made it
        async with services.db.reader() as session:
            made = await _made_by(session, form.once) if form.once else None
        if made is None:
            raise
        return RedirectResponse(f"/officer/campaigns/{made}?again=true", 303)


async def _count_or_create(
    services: Services, staff: Staff, form: CampaignForm, checked: Checked, *, counting: bool
) -> Response:
    """The count, or the campaign made and its invitations issued, in one transaction."""
    match_text: str | None = None
    async with services.db.transaction() as session:
        made = None if counting else await _made_by(session, form.once)
        if made is not None:  # the same form again (Back, then Create): nothing new
            return RedirectResponse(f"/officer/campaigns/{made}?again=true", 303)
        people = await matching(session, staff.scope, checked)
        if counting:
            match_text = await _matched_text(session, services, people, form.survey)
        elif not people:
            form.problems.append(("cohort-any", "No young people match these choices, so "
                                  "there is no one to invite. Widen the choices."))
            match_text = await _matched_text(session, services, people, form.survey)
        elif form.rolling:
            return await _create_rolling(session, services, staff, form, checked)
        else:
            try:
                campaign = await campaign_store.create_campaign(
                    session, services.catalog, services.clock, name=form.name,
                    survey_key=form.survey, opens_at=checked.opens_at,
                    closes_at=checked.closes_at, max_reminders=checked.max_reminders,
                    target_rate=checked.target_rate, audience=checked.wanted,
                )
            except NotFoundError:
                form.problems.append(("survey", "That survey isn't there any more: choose one."))
                return await _form_page(services, staff, form, status=422)
            except campaign_store.SurveyMisfitError as error:
                form.problems.append(("survey", f"That survey does not fit: {error.reason}."))
                return await _form_page(services, staff, form, status=422)
            except ValidationError as error:
                form.problems.append(("cohort-any", f"{str(error)[:1].upper()}{str(error)[1:]}."))
                return await _form_page(services, staff, form, status=422)
            campaign.form_token = form.once or None
            issued = await campaign_store.issue_invitations(
                session, campaign, people, services.clock, cap=services.asking_cap()
            )
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="issue invitations",
                               subject=f"campaign {campaign.id}: {issued.issued} (web)")
            return RedirectResponse(
                f"/officer/campaigns/{campaign.id}?created={issued.issued}", 303
            )
    return await _form_page(services, staff, form, match_text=match_text,
                            status=200 if counting else 422)


async def _create_rolling(
    session: AsyncSession, services: Services, staff: Staff, form: CampaignForm,
    checked: Checked,
) -> Response:
    """A standing campaign: each matching young person is invited `days_before` each of
    their reviews (`storage.rolling`); those due now are invited at once."""
    try:
        campaign = await create_rolling_campaign(
            session, services.catalog, services.clock, name=form.name,
            survey_key=form.survey, wanted=checked.wanted, days_before=int(form.days_before),
            opens_at=checked.opens_at, closes_at=checked.closes_at,
            max_reminders=checked.max_reminders, target_rate=checked.target_rate,
        )
    except NotFoundError:
        form.problems.append(("survey", "That survey isn't there any more: choose one."))
        return await _form_page(services, staff, form, status=422)
    except campaign_store.SurveyMisfitError as error:
        form.problems.append(("survey", f"That survey does not fit: {error.reason}."))
        return await _form_page(services, staff, form, status=422)
    except ValidationError as error:
        form.problems.append(("cohort-any", f"{str(error)[:1].upper()}{str(error)[1:]}."))
        return await _form_page(services, staff, form, status=422)
    campaign.form_token = form.once or None
    scan = await RollingCampaigns(services.db, services.clock).scan_campaign(
        session, campaign.id
    )
    await audit.record(session, services.clock, actor=staff.session.actor,
                       action="issue invitations",
                       subject=f"campaign {campaign.id}: {scan.invited} (web, rolling)")
    return RedirectResponse(f"/officer/campaigns/{campaign.id}?created={scan.invited}", 303)


async def _made_by(session: AsyncSession, once: str) -> int | None:
    """The campaign a form with this one-time token already made (None: not yet)."""
    if not once:
        return None
    return await session.scalar(select(CampaignRow.id).where(CampaignRow.form_token == once))


def invitation_status(row: InvitationRow, now: datetime) -> str:
    """Where an invitation got to, in words."""
    if row.revoked_at is not None:
        return "revoked"
    if row.returned_at is not None:
        return "returned"
    if row.declined_at is not None:
        return SAID_NOT_NOW
    if row.used_at is not None and row.expires_at > now and carry_on_locked(row):
        return "started; locked in a new chat after wrong answers: print a new letter"
    if row.started_at is not None:
        return "started"
    if row.expires_at <= now:
        return "expired"
    return "delivered" if row.delivered_at is not None else "not yet delivered"


@router.get("/officer/campaigns/{campaign_id}")
async def campaign_page(
    campaign_id: Id, services: ServicesDep, staff: OfficerStaff, page: int = 1,
    created: int | None = None, revoked: str | None = None, invited: str | None = None,
    problem: str | None = None, returned: int | None = None, sent: str | None = None,
    closed: bool = False, again: bool = False,
) -> Response:
    """One campaign: progress, and its invitations by council reference (audited)."""
    page = max(1, min(page, 100_000))
    async with services.db.transaction() as session:
        view = await or_404(campaign_view(session, campaign_id, staff.scope))
        progress = await scoped_progress(session, campaign_id, staff.scope)
        rows, total = await list_invitations(
            session, campaign_id, limit=INVITATIONS_PER_PAGE,
            offset=(page - 1) * INVITATIONS_PER_PAGE, scope=staff.scope,
        )
        found = await session.execute(
            select(ResponseRow.invitation_id, ResponseRow.id).where(
                ResponseRow.invitation_id.in_([r.id for r, _ in rows]))
        ) if rows else None
        responses = {invitation: response for invitation, response in found} if found else {}
        survey_title = (await services.catalog.get(session, view.row.survey_version_id)).title
        not_invited = await asking.held_by_reason(session, campaign_id, staff.scope)
        held = await asking.held_people(session, campaign_id, staff.scope)
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="list invitations",
                           subject=f"campaign {campaign_id}: {len(rows)} of {total} (web)")
    now = services.clock.now()
    return render(
        "officer_campaign.html", title=view.row.name, council=services.settings.council_name,
        staff=staff, campaign=view, survey_title=survey_title, progress=progress,
        invitations=[(r, ref, invitation_status(r, now), responses.get(r.id)) for r, ref in rows],
        total=total, page=page, pages=max(1, -(-total // INVITATIONS_PER_PAGE)), now=now,
        created=created, revoked=revoked, invited=invited, problem=PROBLEMS.get(problem or ""),
        returned=returned, closed_now=closed, not_invited=not_invited, held=held, again=again,
        reminder_cap=services.asking_cap(),
        sent=SendSummary.parse(sent), telegram=services.settings.telegram_token is not None,
        problem_at="send-h" if problem == "no_telegram" else "council_ref",
        quiet_hours=(f"{services.settings.quiet_start_hour:02d}:00 to "
                     f"{services.settings.quiet_end_hour:02d}:00"),
    )


PROBLEMS: Final = {
    "ref": "There is no young person with that reference in your teams.",
    "closed": "This campaign has closed: make a new one to invite more young people.",
    "already": "That young person already has an invitation to this campaign.",
    "misfit": "That young person is not one this campaign is for (its teams, cohort, ages or "
    "review dates, above): make a campaign for them.",
    "deleting": "Not invited: that young person has asked for their information to be "
    "deleted, and the request waits (Requests and erasure).",
    "erased": "That young person's record was erased; they can't be invited.",
    "asked": "Not invited: that young person has already been asked as often as the council "
    "allows for now (see \u201cNot invited\u201d below). Try again later.",
    "no_telegram": "Telegram is not set up for this council (no bot token), so nothing was "
    "sent: print their letters or give them their links.",
    "team_close": "This campaign also reaches young people outside your teams: a key for "
    "every team (a manager's) or an admin key closes it.",
}


@router.get("/officer/campaigns/{campaign_id}/close")
async def close_confirm(campaign_id: Id, services: ServicesDep, staff: OfficerStaff) -> Response:
    """Are you sure? What closing now does, in numbers, before anything changes."""
    async with services.db.reader() as session:
        view = await or_404(campaign_view(session, campaign_id, staff.scope))
        if view.row.closes_at <= services.clock.now():
            return RedirectResponse(f"/officer/campaigns/{campaign_id}", 303)
        if not may_close(view.row, staff.scope):
            return RedirectResponse(f"/officer/campaigns/{campaign_id}?problem=team_close", 303)
        plan = await closing_plan(session, campaign_id, services.clock)
    said = [
        (plan.unopened, f"{plan.unopened} invitation{'s' if plan.unopened != 1 else ''} not "
         "yet opened will be withdrawn: their letters and links stop working, and they don't "
         "count towards how often a young person may be asked."),
        (plan.started, f"{plan.started} young {'person' if plan.started == 1 else 'people'} "
         "who started but did not finish can no longer finish; what they answered is kept."),
        (plan.finished, f"{plan.finished} returned: kept, and counted by the board as before."),
        (plan.waiting_messages, f"{plan.waiting_messages} Telegram "
         f"message{'s' if plan.waiting_messages != 1 else ''} not yet sent (invitations and "
         "reminders) will not go."),
    ]
    lines = [text for n, text in said if n] or ["No one has been invited to it yet."]
    lines.append("This cannot be undone: to ask young people again, make a new campaign.")
    return render(
        "officer_confirm.html", title="Close this campaign now?",
        council=services.settings.council_name, staff=staff, nav="campaigns",
        heading=f"Close \u201c{view.row.name}\u201d now?", lines=lines,
        action=f"/officer/campaigns/{campaign_id}/close", button="Close the campaign now",
        back=f"/officer/campaigns/{campaign_id}", danger=True, extra=None,
    )


@router.post("/officer/campaigns/{campaign_id}/close")
async def close(
    campaign_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Close the campaign now (one already closed is said so, and nothing changes)."""
    await staff_form(request, staff)
    try:
        async with services.db.transaction() as session:
            await or_404(campaign_view(session, campaign_id, staff.scope))
            done = await close_campaign(session, campaign_id, services.clock, scope=staff.scope)
            await audit.record(
                session, services.clock, actor=staff.session.actor, action="close campaign",
                subject=f"campaign {campaign_id}: {done.unopened} withdrawn",
            )  # fmt: skip
    except TeamCannotClose:
        return RedirectResponse(f"/officer/campaigns/{campaign_id}?problem=team_close", 303)
    except ConflictError:
        return RedirectResponse(f"/officer/campaigns/{campaign_id}?problem=closed", 303)
    return RedirectResponse(f"/officer/campaigns/{campaign_id}?closed=true", 303)


@router.post("/officer/campaigns/{campaign_id}/invite")
async def invite_one(
    campaign_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Invite one more young person, by council reference (e.g. new into care)."""
    data = await staff_form(request, staff)
    ref = form_text(data, "council_ref", 64)
    here = f"/officer/campaigns/{campaign_id}"
    async with services.db.transaction() as session:
        view = await or_404(campaign_view(session, campaign_id, staff.scope))
        if view.row.closes_at <= services.clock.now():
            return RedirectResponse(f"{here}?problem=closed#invite", 303)
        try:
            person = await person_by_ref(session, ref, staff.scope)
        except NotFoundError:
            return RedirectResponse(f"{here}?problem=ref#invite", 303)
        if person.erased_at is not None:
            return RedirectResponse(f"{here}?problem=erased#invite", 303)
        summary = await campaign_store.issue_invitations(
            session, view.row, [person], services.clock, cap=services.asking_cap()
        )
        if summary.not_matching:  # another team, cohort or age than the campaign's
            return RedirectResponse(f"{here}?problem=misfit#invite", 303)
        if dict(summary.held).get(asking.DELETING_REASON):
            return RedirectResponse(f"{here}?problem=deleting#invite", 303)
        if summary.held:  # asked enough lately: held, and listed on the page
            return RedirectResponse(f"{here}?problem=asked#invite", 303)
        if not summary.issued:
            return RedirectResponse(f"{here}?problem=already#invite", 303)
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="issue invitations", subject=f"campaign {campaign_id}: 1 (web)")
    return RedirectResponse(f"{here}?invited={person.council_ref}#invitations", 303)


@router.post("/officer/campaigns/{campaign_id}/send")
async def send_on_telegram(
    campaign_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Queue the campaign's invitations to the young people in the officer's teams who are
    linked on Telegram; the bot sends them (keeping quiet hours). Audited."""
    await staff_form(request, staff)
    here = f"/officer/campaigns/{campaign_id}"
    async with services.db.reader() as session:
        view = await or_404(campaign_view(session, campaign_id, staff.scope))
    if view.row.closes_at <= services.clock.now():
        return RedirectResponse(f"{here}?problem=closed#send", 303)
    if services.settings.telegram_token is None:
        return RedirectResponse(f"{here}?problem=no_telegram#send", 303)
    reach = Reach(services.db, services.clock, cap=services.asking_cap())
    try:
        summary = await reach.queue_invitations(campaign_id, scope=staff.scope)
    except (NotFoundError, ValidationError):  # closed (or gone) since the check above
        return RedirectResponse(f"{here}?problem=closed#send", 303)
    async with services.db.transaction() as session:
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="queue invitations",
                           subject=f"campaign {campaign_id}: {summary.queued} (web)")
    sent = "-".join(str(n) for n in (
        summary.queued, summary.already_queued, summary.already_started,
        summary.not_linked, summary.not_reachable,
    ))
    return RedirectResponse(f"{here}?sent={sent}#send", 303)


@dataclass(frozen=True, slots=True)
class SendSummary:
    """What "Send on Telegram" did, read back from the page's address."""

    queued: int
    already_queued: int
    already_started: int
    not_linked: int
    not_reachable: int

    @classmethod
    def parse(cls, text: str | None) -> SendSummary | None:
        parts = (text or "").split("-")
        if len(parts) != 5 or not all(p.isdigit() and len(p) < 8 for p in parts):
            return None
        return cls(*(int(p) for p in parts))


async def _invitation(
    session: AsyncSession, invitation_id: int, scope: TeamScope
) -> tuple[InvitationRow, str]:
    return await invitation_by_id(session, invitation_id, scope)


@router.get("/officer/invitations/{invitation_id}/revoke")
async def revoke_confirm(
    invitation_id: Id, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Are you sure? Revoking stops the link working for good."""
    async with services.db.reader() as session:
        row, ref = await or_404(_invitation(session, invitation_id, staff.scope))
        view = await or_404(campaign_view(session, row.campaign_id, staff.scope))
    return render(
        "officer_confirm.html", title="Revoke this invitation?",
        council=services.settings.council_name, staff=staff, nav="campaigns",
        heading=f"Revoke the invitation for {ref}?",
        lines=[f"Campaign: {view.row.name}.",
               "The link and QR code in their letter will stop working at once, for good. "
               "Answers they already gave are kept.",
               "If their letter was lost, revoke it; they can't be invited to this campaign "
               "again, so make a new campaign for them if they still need to be asked."],
        action=f"/officer/invitations/{invitation_id}/revoke", button="Revoke invitation",
        back=f"/officer/campaigns/{row.campaign_id}#invitations", danger=True, extra=None,
    )


@router.post("/officer/invitations/{invitation_id}/revoke")
async def revoke(
    invitation_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Revoke an invitation (again is harmless)."""
    await staff_form(request, staff)
    async with services.db.transaction() as session:
        row, ref = await or_404(_invitation(session, invitation_id, staff.scope))
        await campaign_store.revoke_invitation_id(session, invitation_id, services.clock)
        await audit.record(session, services.clock, actor=staff.session.actor,
                           action="revoke invitation", subject=f"{ref}, campaign {row.campaign_id}")
    return RedirectResponse(
        f"/officer/campaigns/{row.campaign_id}?revoked={ref}#invitations", 303
    )


@router.get("/officer/invitations/{invitation_id}/returned")
async def hand_return_form(
    invitation_id: Id, services: ServicesDep, staff: OfficerStaff, problem: str | None = None
) -> Response:
    """Record that this young person's form came back on paper, by email or another way."""
    async with services.db.reader() as session:
        row, ref = await or_404(_invitation(session, invitation_id, staff.scope))
        view = await or_404(campaign_view(session, row.campaign_id, staff.scope))
    return render(
        "officer_hand_return.html", status_code=422 if problem else 200,
        title="Record a form returned by hand", council=services.settings.council_name,
        staff=staff, invitation=row, ref=ref, campaign=view, routes=ROUTE_TEXT,
        today=uk_input(services.clock.now())[:10], problem=problem,
    )


@router.post("/officer/invitations/{invitation_id}/returned")
async def hand_return(
    invitation_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Mark the form returned (return rates and the scorecard count it)."""
    data = await staff_form(request, staff)
    try:
        day = parse_day(form_text(data, "returned_on", 20))
    except ValueError:
        day = None
    if day is None:
        return await hand_return_form(invitation_id, services, staff,
                                      problem="Write the day it came back as DD/MM/YYYY.")
    try:
        async with services.db.transaction() as session:
            row = await or_404(record_hand_return(
                session, services.clock, invitation_id, route=form_text(data, "route", 16),
                returned_on=day, scope=staff.scope,
            ))
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="record hand return",
                               subject=f"invitation {invitation_id} ({row.returned_by})")
    except (ValidationError, ConflictError) as error:
        text = str(error)
        return await hand_return_form(invitation_id, services, staff,
                                      problem=text[0].upper() + text[1:] + ".")
    return RedirectResponse(f"/officer/campaigns/{row.campaign_id}?returned={invitation_id}"
                            "#invitations", 303)
