"""Officer pages for the loop back to young people, `/officer/replies`:

- messages young people sent at any time (newest first, unread first), each answered in
  plain words; replies go back on the channel they used;
- a reply to a returned response (the worker answers what the child said);
- "you said, we did" statements: publish for a cohort and/or a survey, withdraw;
- a young person's own link (`/talk/<token>`), shown once with its QR code;
- `/officer/reviews/{campaign}`: a rolling campaign, per child, whether the form came
  back before the review.

Every read of a young person's words or reference is written to the audit log in the
same transaction, as the API does. Replies are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final

from fastapi import Path, Request
from fastapi.routing import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.queries import issuable, message_in_scope, person_by_ref, response_in_scope
from api.web.officer import qr_svg
from api.web.render import render
from api.web.staff import CouncilOfficerStaff, OfficerStaff, Staff, staff_form
from services.container import Services
from storage import audit, replies, statements
from storage.campaigns import get_campaign
from storage.contact import LABELS, issue_contact_link, live_contact_link
from storage.rolling import review_report, rolling_settings
from storage.statements import StatementFault
from storage.tables import (
    CampaignRow,
    ContactMessageRow,
    PersonRow,
    ReplyRow,
    ResponseRow,
    RollingCampaignRow,
    SurveyVersionRow,
)
from storage.teams import TeamScope
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES
from surveys.insights.periods import UK_TZ as UK
from surveys.people import Cohort

router = APIRouter(include_in_schema=False)
TRANSLATED: Final = {k: v for k, v in LANGUAGES.items() if k != DEFAULT_LANGUAGE}
"""The languages a "you said, we did" statement can also be written in."""

MESSAGES_SHOWN: Final = 50
RESPONSES_SHOWN: Final = 30
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
PROBLEMS: Final = {
    "reply": "Write the reply first (up to 2,000 characters).",
    "missing": "That message or response no longer exists.",
    "erased": "That young person's data has been erased.",
    "statement": (
        "Write both parts of the statement (up to 600 characters each), and both parts "
        "of any translation."
    ),
    "ref": "No active young person has that reference.",
    "withdraw": "That reply has already reached them (or is being sent this minute), so it "
    "cannot be withdrawn. Tell them another way if it was a mistake.",
}


@dataclass(frozen=True, slots=True)
class MessageLine:
    row: ContactMessageRow
    ref: str
    label: str
    replies: list[replies.ReplyStatus]


@dataclass(frozen=True, slots=True)
class ResponseLine:
    id: int
    ref: str
    title: str
    channel: str
    returned_at: datetime | None
    replies: list[replies.ReplyStatus]


def _redirect(anchor: str, *, path: str = "/officer/replies", **query: object) -> RedirectResponse:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return RedirectResponse(f"{path}{'?' + params if params else ''}#{anchor}", 303)


@router.get("/officer/replies")
async def replies_home(
    request: Request,
    services: ServicesDep,
    staff: OfficerStaff,
    done: str | None = None,
    problem: str | None = None,
) -> Response:
    """Messages from young people, responses to answer, and "you said, we did"."""
    return await _replies_page(services, staff, done=done, problem=PROBLEMS.get(problem or ""))


async def _replies_page(
    services: Services, staff: Staff, *, done: str | None = None, problem: str | None = None,
    typed: dict[str, str] | None = None, fault: StatementFault | None = None,
) -> Response:
    """The page; after a statement is refused, with what was typed and why, by its field."""
    async with services.db.transaction() as session:
        messages = await _messages(session, staff.scope)
        responses = await _responses(session, staff.scope)
        published = await statements.published(session)
        surveys = {  # by title, as officers know them (two can share a title: whose it is)
            row.key: f"{row.title} ({row.audience.replace('_', ' ')})"
            for row in sorted(await services.catalog.latest_rows(session),
                              key=lambda row: (row.title, row.key))
        }
        rolling = (
            await session.execute(
                select(CampaignRow.id, CampaignRow.name, RollingCampaignRow.days_before)
                .join(RollingCampaignRow, RollingCampaignRow.campaign_id == CampaignRow.id)
                .order_by(CampaignRow.opens_at.desc())
            )
        ).all()
        await audit.record(
            session, services.clock, actor=staff.session.actor, action="read messages",
            subject=f"replies page: {len(messages)} messages, {len(responses)} responses",
        )  # fmt: skip
        await audit.record_each(  # each young person's own "who looked" names this read
            session, services.clock, actor=staff.session.actor, action="read messages",
            refs=[m.ref for m in messages] + [r.ref for r in responses],
            where="the messages and replies page",
        )
    return render(
        "officer_replies.html",
        title="Messages and replies",
        status_code=422 if fault else 200,
        typed=typed or {},
        fault=fault,
        fault_text=str(fault)[:1].upper() + str(fault)[1:] + "." if fault else "",
        council=services.settings.council_name,
        staff=staff,
        messages=messages,
        responses=responses,
        statements=published,
        surveys=surveys,
        cohorts=[c.value for c in Cohort],
        translated=TRANSLATED,
        rolling=rolling,
        done=done,
        problem=problem,
        max_reply=replies.MAX_REPLY,
        uk=uk_time,
    )


def uk_time(moment: datetime | None) -> str:
    """A time as officers read it: UK local time, e.g. "5 Jan 2026, 14:05"."""
    if moment is None:
        return ""
    return moment.astimezone(UK).strftime("%-d %b %Y, %H:%M")


async def _messages(session: AsyncSession, scope: TeamScope) -> list[MessageLine]:
    rows = await session.execute(
        select(ContactMessageRow, PersonRow.council_ref)
        .join(PersonRow, PersonRow.id == ContactMessageRow.person_id)
        .where(PersonRow.erased_at.is_(None), scope.people(PersonRow.team))
        .order_by(ContactMessageRow.read_at.is_not(None), ContactMessageRow.id.desc())
        .limit(MESSAGES_SHOWN)
    )
    lines = []
    for row, ref in rows.all():
        label = next((v for k, v in LABELS.items() if str(k) == row.kind), row.kind)
        lines.append(
            MessageLine(row, ref, label, await replies.replies_to(
                session, contact_message_id=row.id))
        )  # fmt: skip
    return lines


async def _responses(
    session: AsyncSession, scope: TeamScope, *, response_id: int | None = None
) -> list[ResponseLine]:
    rows = await session.execute(
        select(
            ResponseRow.id,
            PersonRow.council_ref,
            SurveyVersionRow.title,
            ResponseRow.channel,
            ResponseRow.returned_at,
        )
        .join(PersonRow, PersonRow.id == ResponseRow.person_id)
        .join(SurveyVersionRow, SurveyVersionRow.id == ResponseRow.survey_version_id)
        .where(
            PersonRow.erased_at.is_(None),
            PersonRow.status == "active",
            scope.people(PersonRow.team),
            # the list: returned ones; one asked for by number may be unfinished (a reply
            # to a young person who pressed "I need help now" and left)
            ResponseRow.returned_at.is_not(None) if response_id is None
            else ResponseRow.id == response_id,
        )
        .order_by(ResponseRow.returned_at.desc(), ResponseRow.id.desc())
        .limit(RESPONSES_SHOWN)
    )
    return [
        ResponseLine(rid, ref, title, channel, back, await replies.replies_to(
            session, response_id=rid))
        for rid, ref, title, channel, back in rows.all()
    ]  # fmt: skip


async def _reply(
    request: Request,
    services: ServicesDep,
    staff: OfficerStaff,
    anchor: str,
    *,
    response_id: int | None = None,
    contact_message_id: int | None = None,
) -> Response:
    form = await staff_form(request, staff)
    text = form.get("text")
    path = f"/officer/replies/responses/{response_id}" if response_id else "/officer/replies"
    try:
        async with services.db.transaction() as session:
            if response_id is not None:
                await response_in_scope(session, response_id, staff.scope)
            if contact_message_id is not None:
                await message_in_scope(session, contact_message_id, staff.scope)
            written = await replies.write_reply(
                session,
                services.clock,
                actor=staff.session.actor,
                text=text if isinstance(text, str) else "",
                response_id=response_id,
                contact_message_id=contact_message_id,
            )
    except NotFoundError:
        return _redirect(anchor, problem="missing")
    except ValidationError as error:
        problem = "erased" if isinstance(error, replies.ErasedError) else "reply"
        return _redirect(anchor, path=path, problem=problem)
    # a reply carevoice cannot deliver (a paper return, the demo) must not read as sent
    return _redirect(anchor, path=path, done="reply" if written.undelivered is None else "unsent")


@router.post("/officer/replies/messages/{message_id}/reply")
async def reply_to_message(
    message_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Answer a message; it goes back on the channel the young person used."""
    return await _reply(
        request, services, staff, f"message-{message_id}", contact_message_id=message_id
    )


@router.get("/officer/replies/responses/{response_id}")
async def response_reply_page(
    response_id: Id,
    request: Request,
    services: ServicesDep,
    staff: OfficerStaff,
    done: str | None = None,
    problem: str | None = None,
) -> Response:
    """One response (returned, or left unfinished, e.g. after "I need help now"): the
    replies so far and a box to answer the young person."""
    async with services.db.transaction() as session:
        line = next(iter(await _responses(session, staff.scope, response_id=response_id)), None)
        if line is not None:
            await audit.record(
                session, services.clock, actor=staff.session.actor, action="read replies",
                subject=f"response {response_id}",
            )  # fmt: skip
    if line is None:
        return render(
            "message.html",
            status_code=404,
            title="No such response",
            message="There is no response with that number.",
            young=False,
            council=services.settings.council_name,
        )
    return render(
        "officer_reply.html",
        title=f"Reply: {line.title}",
        council=services.settings.council_name,
        staff=staff,
        response=line,
        max_reply=replies.MAX_REPLY,
        uk=uk_time,
        done=done,
        problem=PROBLEMS.get(problem or ""),
    )


@router.post("/officer/replies/responses/{response_id}/reply")
async def reply_to_response(
    response_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Answer what a young person said in a survey."""
    return await _reply(
        request, services, staff, f"response-{response_id}", response_id=response_id
    )


@router.post("/officer/replies/{reply_id}/withdraw")
async def withdraw(
    reply_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Take back a reply that has not reached the young person yet (audited)."""
    await staff_form(request, staff)
    async with services.db.transaction() as session:
        row = await session.get(ReplyRow, reply_id)
        person = await session.get(PersonRow, row.person_id) if row is not None else None
        if row is None or person is None or not staff.scope.sees_team(person.team):
            return _redirect("responses", problem="missing")
        if row.response_id is not None:
            anchor, path = "replies", f"/officer/replies/responses/{row.response_id}"
        else:
            anchor, path = f"message-{row.contact_message_id}", "/officer/replies"
        try:
            await replies.withdraw_reply(
                session, services.clock, reply_id=reply_id, actor=staff.session.actor
            )
        except ConflictError:
            return _redirect(anchor, path=path, problem="withdraw")
    return _redirect(anchor, path=path, done="reply_withdrawn")


@router.post("/officer/replies/messages/{message_id}/read")
async def mark_read(
    message_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Mark a message read without replying (e.g. answered by phone)."""
    await staff_form(request, staff)
    async with services.db.transaction() as session:
        row = await session.get(ContactMessageRow, message_id)
        person = await session.get(PersonRow, row.person_id) if row is not None else None
        if row is None or person is None or not staff.scope.sees_team(person.team):
            return _redirect("messages", problem="missing")
        if row.read_at is None:
            row.read_at, row.read_by = services.clock.now(), staff.session.actor[:100]
            await audit.record(
                session, services.clock, actor=staff.session.actor, action="mark message read",
                subject=f"message {message_id}",
            )  # fmt: skip
    return _redirect(f"message-{message_id}", done="read")


@router.post("/officer/statements")
async def publish_statement(
    request: Request, services: ServicesDep, staff: CouncilOfficerStaff
) -> Response:
    """Publish a "you said, we did" statement."""
    form = await staff_form(request, staff)
    typed = {name: value[:2000] for name, value in form.multi_items()
             if isinstance(value, str) and name != "csrf"}

    def field(name: str) -> str:
        return typed.get(name, "")

    try:
        async with services.db.transaction() as session:
            made = await statements.publish(
                session,
                services.clock,
                actor=staff.session.actor,
                you_said=field("you_said"),
                we_did=field("we_did"),
                cohort=field("cohort") or None,
                survey_key=field("survey") or None,
                theme=field("theme") or None,
                translations={
                    language: (field(f"you_said_{language}"), field(f"we_did_{language}"))
                    for language in TRANSLATED
                },
            )
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="publish statement", subject=f"statement {made.id}")
    except StatementFault as fault:  # the page again: what they typed, and why, by the field
        return await _replies_page(services, staff, typed=typed, fault=fault)
    except ValidationError:
        return _redirect("statements", problem="statement")
    return _redirect("statements", done="published")


@router.post("/officer/statements/{statement_id}/withdraw")
async def withdraw_statement(
    statement_id: Id, request: Request, services: ServicesDep, staff: CouncilOfficerStaff
) -> Response:
    """Stop showing a statement (it is kept)."""
    await staff_form(request, staff)
    try:
        async with services.db.transaction() as session:
            await statements.withdraw(session, statement_id, services.clock)
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="withdraw statement", subject=f"statement {statement_id}")
    except NotFoundError:
        return _redirect("statements", problem="missing")
    return _redirect("statements", done="withdrawn")


def _replace_link_first(services: Services, staff: Staff, ref: str, made: datetime) -> Response:
    """They have a link that works: say what a new one does before making it."""
    return render(
        "officer_confirm.html", title="Replace their link?",
        council=services.settings.council_name, staff=staff, nav="overview",
        heading=f"{ref} already has a link",
        lines=[f"It was made {uk_time(made)} and still works.",
               "A new link stops that one working at once: if they still have it, they can "
               "keep using it. Make a new one only if it was lost or someone else has it."],
        action="/officer/contact-links", button="Make a new link", back="/officer/replies#links",
        danger=True, extra={"council_ref": ref, "replace": "yes"},
    )


@router.post("/officer/contact-links")
async def contact_link(request: Request, services: ServicesDep, staff: OfficerStaff) -> Response:
    """Make a young person's own link (any earlier one stops working); shown once."""
    form = await staff_form(request, staff)
    ref = form.get("council_ref")
    ref = ref.strip() if isinstance(ref, str) else ""
    try:
        async with services.db.transaction() as session:
            # the reference as held: the one they may see (`find_by_ref` forgives case)
            ref = (await person_by_ref(session, ref, staff.scope)).council_ref
            live = await live_contact_link(session, ref)
            if live is not None and form.get("replace") != "yes":
                return _replace_link_first(services, staff, ref, live.created_at)
            token = await issue_contact_link(session, ref, services.clock)
            await audit.record(
                session, services.clock, actor=staff.session.actor,
                action="issue contact link", subject=f"person {ref}",
            )  # fmt: skip
    except (NotFoundError, ValidationError):
        return _redirect("links", problem="ref")
    link = f"{services.settings.public_url.rstrip('/')}/talk/{token}"
    return render(
        "officer_contact.html",
        title="A young person's own link",
        council=services.settings.council_name,
        staff=staff,
        ref=ref,
        link=link,
        qr=qr_svg(link),
    )


@router.get("/officer/reviews/{campaign_id}")
async def reviews(
    campaign_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff, page: int = 1
) -> Response:
    """A rolling campaign: per young person and review, did the form come back before it."""
    page = max(1, min(page, 100_000))
    per_page = 200
    try:
        async with services.db.transaction() as session:
            await issuable(session, campaign_id, staff.scope)  # another team's: no such one
            campaign = await get_campaign(session, campaign_id)
            settings = await rolling_settings(session, campaign_id)
            lines, total = await review_report(
                session, campaign_id, services.clock, limit=per_page, offset=(page - 1) * per_page,
                scope=staff.scope,
            )
            await audit.record(
                session, services.clock, actor=staff.session.actor, action="read review report",
                subject=f"campaign {campaign_id}: {len(lines)} rows",
            )  # fmt: skip
    except (NotFoundError, ValidationError):
        return render(
            "message.html",
            status_code=404,
            title="No such rolling campaign",
            message="There is no rolling campaign with that number.",
            young=False,
            council=services.settings.council_name,
        )
    summary: dict[str, int] = {}
    for line in lines:
        summary[str(line.outcome)] = summary.get(str(line.outcome), 0) + 1
    return render(
        "officer_reviews.html",
        title=f"Reviews: {campaign.name}",
        council=services.settings.council_name,
        staff=staff,
        campaign=campaign,
        days_before=settings.days_before if settings else None,
        lines=lines,
        summary=summary,
        total=total,
        page=page,
        pages=max(1, -(-total // per_page)),
        uk=uk_time,
    )
