"""The alert an officer acts on: `/officer/alerts/{id}` (the young person's own words, the
question, who and when in UK time, what they were told, the history; add a note,
acknowledge with a note of the action taken, or send it to the duty team now; reply to
the young person on their channel, whether or not they finished the survey) and
`/officer/alerts/{id}/response` (the whole response). Officer's Telegram messages link
here. Every read is audited.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from api.deps import ServicesDep
from api.queries import alert_in_scope
from api.web.render import render
from api.web.staff import OfficerStaff, Staff, staff_form
from services.container import Services
from storage import alert_views, audit, replies
from storage import alerts as alert_store
from surveys.errors import ConflictError, NotFoundError, ValidationError

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOTE_MAX: Final = 4000
EVENT_WORDS: Final = {
    "raised": "Alert raised",
    "joined": "Asked for help again",
    "more": "Wrote more",
    "notified": "Officer told",
    "escalated": "Escalated to the duty team",
    "note": "Note",
    "acknowledged": "Acknowledged",
}
PROBLEMS: Final = {
    "note": "Please write a note of what was done (up to 4,000 characters).",
    "already": "This alert had already been acknowledged; your note was not saved as the "
    "acknowledgement. Add it as a note instead.",
    "duty": "No duty team is set (CAREVOICE_DUTY_CHAT_IDS), so nothing was sent. Ring them "
    "and add a note of it.",
    "reply": "Write the reply first (up to 2,000 characters).",
    "erased": "That young person's data has been erased, so no reply can go to them.",
}
DONE: Final = {"note": "Your note is saved in the alert's history.",
               "acknowledged": "Alert acknowledged. Your note of what was done is saved.",
               "duty": "Sent to the duty team on Telegram, with your note in the history. It "
               "is still waiting for someone to acknowledge it.",
               "reply": "Reply saved. It goes to them on the channel they used; until it reaches "
               "them you can withdraw it below.",
               "unsent": "Reply saved, but carevoice cannot send it on the channel they used. "
               "Tell them another way; the reply is kept below."}


def _missing(council: str) -> Response:
    return render("message.html", status_code=404, title="No such alert",
                  message="There is no alert with that number.", young=False, council=council)


@router.get("/officer/alerts/{alert_id}")
async def alert_page(
    alert_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff,
    problem: str | None = None, done: str | None = None,
) -> Response:
    """One safeguarding alert, everything needed to act on it."""
    try:
        async with services.db.transaction() as session:
            await alert_in_scope(session, alert_id, staff.scope)
            detail = await alert_views.alert_detail(session, services.catalog, alert_id)
            sent = await replies.replies_to_alert(session, detail.alert)
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="read alert", subject=f"alert {alert_id}")
    except NotFoundError:
        return _missing(services.settings.council_name)
    zone = services.settings.timezone
    return render(
        "officer_alert.html",
        title=f"Alert {alert_id}",
        council=services.settings.council_name,
        staff=staff,
        d=detail,
        a=detail.alert,
        when=lambda at: alert_views.local_time(at, zone),
        event_words=EVENT_WORDS,
        problem=PROBLEMS.get(problem or ""),
        done=DONE.get(done or ""),
        note_max=NOTE_MAX,
        escalate_after=services.settings.alert_escalate_after,
        duty_team=len(services.conversations.policy.duty),
        replies=sent,
        max_reply=replies.MAX_REPLY,
        uk=lambda at: alert_views.local_time(at, zone) if at else "",
    )


@router.post("/officer/alerts/{alert_id}/actions")
async def alert_action(
    alert_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Add a note, acknowledge with a note of the action taken, or send it to the duty team
    now with a note of why."""
    form = await staff_form(request, staff)
    note = form.get("note")
    note = note.strip() if isinstance(note, str) else ""
    here = f"/officer/alerts/{alert_id}"
    if not note or len(note) > NOTE_MAX:
        return RedirectResponse(f"{here}?problem=note#act", 303)
    action = form.get("action")
    if action == "duty":
        return await _to_duty(services, staff, alert_id, note)
    acknowledging = action == "acknowledge"
    try:
        async with services.db.transaction() as session:
            await alert_in_scope(session, alert_id, staff.scope)
            if acknowledging:
                await alert_store.acknowledge(session, services.clock.now(), alert_id,
                                              actor=staff.session.actor, note=note)
            else:
                await alert_store.add_note(session, services.clock.now(), alert_id,
                                           actor=staff.session.actor, note=note)
            await audit.record(
                session, services.clock, actor=staff.session.actor,
                action="acknowledge alert" if acknowledging else "note on alert",
                subject=f"alert {alert_id}",
            )
    except ConflictError:
        return RedirectResponse(f"{here}?problem=already#act", 303)
    except NotFoundError:
        return _missing(services.settings.council_name)
    return RedirectResponse(f"{here}?done={'acknowledged' if acknowledging else 'note'}#history",
                            303)


async def _to_duty(services: Services, staff: Staff, alert_id: int, note: str) -> Response:
    here = f"/officer/alerts/{alert_id}"
    try:
        async with services.db.transaction() as session:
            await alert_in_scope(session, alert_id, staff.scope)
            await alert_store.send_to_duty(
                session, services.clock.now(), alert_id, actor=staff.session.actor,
                note=note, policy=services.conversations.policy,
            )  # fmt: skip
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="send alert to duty team", subject=f"alert {alert_id}")
    except ValidationError:
        return RedirectResponse(f"{here}?problem=duty#act", 303)
    except NotFoundError:
        return _missing(services.settings.council_name)
    return RedirectResponse(f"{here}?done=duty#history", 303)


@router.post("/officer/alerts/{alert_id}/reply")
async def reply_to_alert(
    alert_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """Write back to the young person who raised an alert, on the channel they used, even
    if they left the survey unfinished (audited; the words are never logged)."""
    form = await staff_form(request, staff)
    text = form.get("text")
    here = f"/officer/alerts/{alert_id}"
    try:
        async with services.db.transaction() as session:
            await alert_in_scope(session, alert_id, staff.scope)
            written = await replies.write_reply(
                session, services.clock, actor=staff.session.actor,
                text=text if isinstance(text, str) else "", alert_id=alert_id,
            )  # fmt: skip
    except NotFoundError:
        return _missing(services.settings.council_name)
    except ValidationError as error:
        problem = "erased" if isinstance(error, replies.ErasedError) else "reply"
        return RedirectResponse(f"{here}?problem={problem}#reply", 303)
    done = "reply" if written.undelivered is None else "unsent"
    return RedirectResponse(f"{here}?done={done}#reply", 303)


@router.get("/officer/alerts/{alert_id}/response")
async def alert_response_page(
    alert_id: Id, request: Request, services: ServicesDep, staff: OfficerStaff
) -> Response:
    """The whole response an alert came from, answer by answer."""
    try:
        async with services.db.transaction() as session:
            await alert_in_scope(session, alert_id, staff.scope)
            view = await alert_views.alert_response(session, services.catalog, alert_id)
            await audit.record(session, services.clock, actor=staff.session.actor,
                               action="read response",
                               subject=f"response {view.response_id} (alert {alert_id})")
    except NotFoundError:
        return render("message.html", status_code=404, title="No response",
                      message="There is no such alert in your teams, or it did not come from "
                      "a survey response.", young=False, council=services.settings.council_name)
    zone = services.settings.timezone
    return render(
        "officer_alert_response.html",
        title=f"Response {view.response_id}",
        council=services.settings.council_name,
        staff=staff,
        view=view,
        alert_id=alert_id,
        when=lambda at: alert_views.local_time(at, zone),
    )
