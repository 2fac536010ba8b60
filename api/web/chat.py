"""The web chat, `/c/<invitation code>`: the survey engine in plain HTML forms.

A web session id (random, in the HttpOnly cookie `cv_chat`, kept for 180 days) is the
chat's address on channel "web" (stored as its SHA-256), so closing the tab and coming
back carries on. The first visit shows a short privacy notice (with an optional PIN to
choose); its button redeems the code. The same link opened in another browser or on a
new phone asks for that PIN, or the young person's first name and birth month, before
it carries on (throttled). `/c` is where a code from a letter is typed. Each answer is a
POST carrying the form's random message key (a double submit is recorded once), then a
redirect to the page (post-redirect-get). With JavaScript on, `chat.js` sends the same
forms with fetch and adds the new messages to the page instead of reloading it.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.clients import client_address
from api.deps import ServicesDep
from api.web.errors import CSRF_YOUNG, CsrfRejected
from api.web.render import render
from api.web.security import csrf_ok, csrf_token, new_nonce, new_token, set_cookie
from api.web.staff import read_form
from api.web.stores import ChatFlash, web_state
from api.web.talk import worker_words
from carevoice.wiring import Services
from storage.conversations import NotLinkedError, ResumeAsk, ResumeCheck, ResumeRefused
from storage.invitation_codes import (
    PIN_RULE,
    code_hash,
    display,
    is_short_code,
    session_hash,
    valid_pin,
)
from storage.reach import Reach
from storage.tables import CampaignRow, InvitationRow, ResponseRow, SurveyVersionRow
from surveys import reach_texts
from surveys.engine import MAX_INPUT_CHARS, Command, Option, Prompt, PromptKind, UserInput
from surveys.errors import InvitationError
from surveys.failures import describe
from surveys.model import QuestionKind, Survey

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

CHANNEL: Final = "web"
CHAT_COOKIE: Final = "cv_chat"
CHAT_COOKIE_DAYS: Final = 180
MAX_CODE: Final = 64
MAX_TYPED: Final = 40
ECHO: Final = {
    Command.HELP_NOW: "I need help now",
    Command.STOP: "Stop for now",
    Command.BACK: "Go back",
    Command.REPEAT: "Carry on",
    Command.NOT_NOW: reach_texts.NOT_NOW_LABEL,
}
_SID: Final = re.compile(r"[A-Za-z0-9_-]+")
ICONS: Final = {"yes": "👍", "no": "👎"}
PIN_PROBLEM: Final = f"A PIN is {PIN_RULE}, or leave it empty."
MONTHS: Final = tuple(calendar.month_name[1:])
SOMETHING_WRONG: Final = (
    "Sorry, something went wrong on our side. Your answers so far are safe. "
    "Please try again in a minute by opening your link again."
)


# ----- what the page shows -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bubble:
    """One message in the chat: from the young person ("you") or from us ("bot")."""

    who: str
    text: str
    kind: str = "you"


@dataclass(frozen=True, slots=True)
class Choice:
    """An answer button or tick box."""

    id: str
    label: str
    icon: str
    index: int
    selected: bool


@dataclass(frozen=True, slots=True)
class Question:
    """The question waiting for an answer, as the form shows it."""

    id: str
    kind: str
    number: int | None
    total: int | None
    choices: tuple[Choice, ...]
    commands: tuple[Option, ...]
    max_length: int
    preselected: bool


def _choice(option: Option, index: int, kind: QuestionKind | None) -> Choice:
    label, icon = option.label, ""
    if kind is QuestionKind.SCALE and " " in label and not label[0].isalnum():
        icon, label = label.split(" ", 1)
    elif kind is QuestionKind.YESNO:
        icon = ICONS.get(option.id, "")
    return Choice(option.id, label, icon, index, option.selected)


def _question(prompt: Prompt, survey: Survey | None) -> Question:
    answers = [o for o in prompt.options if o.command is None]
    commands = tuple(o for o in prompt.options if o.command is not None)
    max_length = MAX_INPUT_CHARS
    if survey is not None and prompt.question_id and survey.has_question(prompt.question_id):
        max_length = min(max_length, survey.question(prompt.question_id).max_length)
    return Question(
        id=prompt.question_id or "",
        kind=str(prompt.question_kind or ""),
        number=prompt.number,
        total=prompt.total,
        choices=tuple(_choice(o, i, prompt.question_kind) for i, o in enumerate(answers, 1)),
        commands=commands,
        max_length=max_length,
        preselected=any(o.selected for o in answers),
    )


def _bubbles(flash: ChatFlash) -> list[Bubble]:
    turn = flash.turn
    said = [r.display for r in turn.recorded] or ([flash.echo] if flash.echo else [])
    out = [Bubble("you", text) for text in said]
    out += [Bubble("bot", p.text, str(p.kind)) for p in turn.prompts]
    return out


async def _survey_of(services: Services, response_id: int | None) -> Survey | None:
    if response_id is None:
        return None
    async with services.db.reader() as session:
        version = await session.scalar(
            select(ResponseRow.survey_version_id).where(ResponseRow.id == response_id)
        )
        return None if version is None else await services.catalog.get(session, version)


async def _chat_page(
    request: Request, services: Services, code: str, sid: str, flash: ChatFlash
) -> Response:
    turn = flash.turn
    survey = await _survey_of(services, turn.response_id)
    before, after = await worker_words(services, sid, turn.response_id if turn.finished else None)
    asked = next((p for p in reversed(turn.prompts) if p.kind is PromptKind.QUESTION), None)
    question = _question(asked, survey) if asked is not None else None
    response = render(
        "chat.html",
        title=survey.title if survey else "Your chat",
        council=services.settings.council_name,
        code=code,
        csrf=csrf_token(sid, "chat"),
        nonce=new_nonce(),
        help_nonce=new_nonce(),
        bubbles=[*before, *_bubbles(flash), *after],
        question=question,
        draft=flash.draft or "",
        finished=turn.finished,
        can_carry_on=question is None and not turn.finished and turn.response_id is not None,
        helped=any(p.kind is PromptKind.HELP for p in turn.prompts),
        checking_in=any(p.kind is PromptKind.CHECK_IN for p in turn.prompts),
    )
    _set_chat_cookie(response, request, sid)  # each visit keeps it for another 180 days
    return response


def _invitation_page(error: InvitationError, council: str) -> Response:
    return render(
        "chat_message.html",
        status_code=404 if error.reason == "unknown" else 410,
        title="This link can't be used",
        message=str(error),
        council=council,
    )


def _wait_page(wait: int, council: str) -> Response:
    """429: this address tried too many links that do not exist."""
    minutes = max(1, round(wait / 60))
    response = render(
        "chat_message.html", status_code=429, title="Please wait a little",
        message=f"Too many links that don't work were tried from here. Please wait {minutes} "
        f"minute{'s' if minutes != 1 else ''} and open your link again. If it still doesn't "
        "work, ask the person who gave it to you for a new one.",
        council=council,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _count_miss(request: Request, services: Services, error: InvitationError) -> None:
    """A code that names no invitation is a guess: count it against the address."""
    if error.reason == "unknown":
        services.throttles.codes.miss(client_address(request))


def _trouble_page(council: str) -> Response:
    return render(
        "chat_message.html", status_code=500, title="Sorry", message=SOMETHING_WRONG,
        council=council,
    )


# ----- reading the invitation before consent ---------------------------------------------


@dataclass(frozen=True, slots=True)
class _Peek:
    used: bool
    revoked: bool
    expires_at: datetime
    title: str


async def _peek(services: Services, code: str) -> _Peek | None:
    """The invitation's state, read only: consent comes before the code is used."""
    if not code or len(code) > MAX_CODE:
        return None
    async with services.db.reader() as session:
        row = (
            await session.execute(
                select(
                    InvitationRow.used_at,
                    InvitationRow.revoked_at,
                    InvitationRow.expires_at,
                    SurveyVersionRow.title,
                )
                .join(CampaignRow, CampaignRow.id == InvitationRow.campaign_id)
                .join(SurveyVersionRow, SurveyVersionRow.id == CampaignRow.survey_version_id)
                .where(InvitationRow.code_hash == code_hash(code))
            )
        ).first()
    if row is None:
        return None
    used_at, revoked_at, expires_at, title = row
    return _Peek(used_at is not None, revoked_at is not None, expires_at, title)


def _consent_page(
    request: Request,
    services: Services,
    code: str,
    sid: str | None,
    title: str,
    pin_error: str | None = None,
) -> Response:
    fresh = sid is None
    sid = sid or new_token()
    response = render(
        "consent.html",
        status_code=422 if pin_error else 200,
        title=title,
        council=services.settings.council_name,
        keeping=services.retention_policy().describe(),
        code=code,
        csrf=csrf_token(sid, "chat"),
        nonce=new_nonce(),
        pin_error=pin_error,
    )
    if fresh:
        _set_chat_cookie(response, request, sid)
    return response


def _chat_sid(request: Request) -> str | None:
    """The chat cookie's session id; one that could not have come from us counts as none."""
    sid = request.cookies.get(CHAT_COOKIE)
    return sid if sid and len(sid) <= MAX_CODE and _SID.fullmatch(sid) else None


def _set_chat_cookie(response: Response, request: Request, sid: str) -> None:
    set_cookie(
        response, request, CHAT_COOKIE, sid, path="/c/", max_age=CHAT_COOKIE_DAYS * 86_400
    )


async def _resume_page(
    request: Request,
    services: Services,
    code: str,
    sid: str | None,
    refused: ResumeRefused | None = None,
) -> Response:
    """The check to carry on a started link in this browser (another phone, a new one)."""
    ask = await services.conversations.resume_check(code)
    if ask is ResumeAsk.NONE:
        raise InvitationError("started")
    fresh = sid is None
    sid = sid or new_token()
    now = services.clock.now()
    waiting = refused is not None and refused.wait_until is not None
    problem = None
    if refused is not None:
        problem = _refusal(refused, now)
    response = render(
        "resume.html",
        status_code=429 if waiting else 422 if refused else 200,
        title="Carry on",
        council=services.settings.council_name,
        code=code,
        csrf=csrf_token(sid, "chat"),
        nonce=new_nonce(),
        ask=str(ask),
        months=MONTHS,
        problem=problem,
        waiting=waiting,
    )
    if waiting and refused is not None and refused.wait_until is not None:
        seconds = max(1, int((refused.wait_until - now).total_seconds()))
        response.headers["Retry-After"] = str(seconds)
    if fresh:
        _set_chat_cookie(response, request, sid)
    return response


def _refusal(refused: ResumeRefused, now: datetime) -> str:
    if refused.wait_until is not None:
        minutes = max(1, -(-int((refused.wait_until - now).total_seconds()) // 60))
        return (
            "That didn't match, too many times. To keep your answers safe, please wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again."
        )
    tries = refused.tries_left
    return f"That doesn't match. You can try {tries} more time{'s' if tries != 1 else ''}."


def _address(sid: str) -> str:
    """The chat's address in the database: the hash of the session id, never the id."""
    return session_hash(sid)


# ----- routes ----------------------------------------------------------------------------


@router.get("/c")
async def code_entry(services: ServicesDep, code: str | None = None) -> Response:
    """Where a young person types the code from their letter; a good one opens the chat."""
    council = services.settings.council_name
    if code is not None and is_short_code(code[:MAX_TYPED]):
        return RedirectResponse(f"/c/{display(code)}", 303)
    problem = None
    if code is not None:
        problem = "That isn't a code we know. It has 12 letters and numbers, like K7MQ-2X9P-H3TD."
    return render(
        "code_entry.html",
        status_code=422 if problem else 200,
        title="Type your code",
        council=council,
        problem=problem,
    )


@router.get("/c/{code}")
async def chat(code: str, request: Request, services: ServicesDep) -> Response:
    """The chat: the privacy notice first, then the question waiting for an answer."""
    council = services.settings.council_name
    try:
        return await _show(request, services, code)
    except InvitationError as error:
        _count_miss(request, services, error)
        return _invitation_page(error, council)
    except Exception as error:  # logged without a traceback: it may hold their words
        log.error("web chat page failed: %s", describe(error))
        return _trouble_page(council)


async def _show(request: Request, services: Services, code: str) -> Response:
    sid = _chat_sid(request)
    if sid:
        flash = web_state(request).chat.pop(sid, services.clock.now())
        if flash is not None and flash.code == code:
            return await _chat_page(request, services, code, sid, flash)
    wait = services.throttles.codes.wait(client_address(request))
    if wait:
        return _wait_page(wait, services.settings.council_name)
    peek = await _peek(services, code)
    if peek is None:
        raise InvitationError("unknown")
    if peek.revoked:
        raise InvitationError("revoked")
    if not peek.used:
        if peek.expires_at <= services.clock.now():
            raise InvitationError("expired")
        return _consent_page(request, services, code, sid, peek.title)
    if not sid:
        return await _resume_page(request, services, code, sid)
    try:
        turn = await services.conversations.redeem(code, channel=CHANNEL, address=_address(sid))
    except InvitationError as error:
        if error.reason != "started":
            raise
        return await _resume_page(request, services, code, sid)
    return await _chat_page(request, services, code, sid, ChatFlash(code, turn))


@router.post("/c/{code}")
async def chat_post(code: str, request: Request, services: ServicesDep) -> Response:
    """One answer, button or command; then back to the page (post-redirect-get)."""
    council = services.settings.council_name
    form = await read_form(request)
    sid = _chat_sid(request)
    if not csrf_ok(sid, "chat", form.get("csrf")) or sid is None:
        raise CsrfRejected(CSRF_YOUNG, young=True)
    if form.get("action") == "start":
        wait = services.throttles.codes.wait(client_address(request))
        if wait:
            return _wait_page(wait, council)
    try:
        flash = await _apply(services, code, sid, form)
    except BadPin:
        peek = await _peek(services, code)
        title = peek.title if peek else "Your chat"
        return _consent_page(request, services, code, sid, title, PIN_PROBLEM)
    except ResumeRefused as refused:
        return await _resume_page(request, services, code, sid, refused)
    except InvitationError as error:
        _count_miss(request, services, error)
        if error.reason == "started" and form.get("action") == "start":
            return await _resume_page(request, services, code, sid)
        return _invitation_page(error, council)
    except NotLinkedError:
        flash = None
    except Exception as error:  # logged without a traceback: it may hold their words
        log.error("web chat answer failed: %s", describe(error))
        return _trouble_page(council)
    if flash is not None:
        web_state(request).chat.put(sid, flash, services.clock.now())
        if any(p.kind is PromptKind.HELP for p in flash.turn.prompts):
            return RedirectResponse(f"/c/{code}#help", 303)  # the help stays in view
    return RedirectResponse(f"/c/{code}", 303)


async def _apply(services: Services, code: str, sid: str, form: FormData) -> ChatFlash | None:
    address = _address(sid)
    if form.get("action") == "start":  # the privacy notice's "Yes, start"
        pin = form.get("pin")
        pin = pin.strip() if isinstance(pin, str) else ""
        if pin and not valid_pin(pin):
            raise BadPin
        turn = await services.conversations.redeem(
            code, channel=CHANNEL, address=address, pin=pin or None
        )
        await Reach(services.db, services.clock).record_consent(CHANNEL, address)
        return ChatFlash(code, turn)
    if form.get("action") == "resume":  # the carry-on check on a new phone or browser
        check = ResumeCheck(
            pin=_text(form, "pin", 6),
            first_name=_text(form, "first_name", 64),
            birth_month=_month(form.get("birth_month")),
        )
        turn = await services.conversations.resume(code, check, channel=CHANNEL, address=address)
        return ChatFlash(code, turn)
    parsed = parse_input(form)
    if parsed is None:
        return None
    user_input, echo = parsed
    nonce = _text(form, "key", 64)
    turn = await services.conversations.handle(
        user_input,
        channel=CHANNEL,
        address=address,
        message_key=f"web:{nonce}" if nonce else None,
    )
    if turn.duplicate:
        return None
    typed = user_input.text if user_input.option is None and user_input.command is None else None
    draft = typed if typed and not turn.recorded and _is_text_question(form) else None
    return ChatFlash(code, turn, echo, draft)


class BadPin(Exception):
    """The PIN chosen on the privacy notice is not 4 to 6 numbers."""


def _month(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    return None


def _text(form: FormData, name: str, limit: int) -> str | None:
    value = form.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        return None
    return value


def _is_text_question(form: FormData) -> bool:
    return form.get("kind") == str(QuestionKind.TEXT)


def parse_input(form: FormData) -> tuple[UserInput, str | None] | None:
    """What a chat form sent, as the engine's input, and what to show as the young
    person's message if no answer is recorded. Tick boxes arrive as their numbers."""
    question = _text(form, "question", 64)
    command = _command(form.get("command"))
    if command is Command.DONE:
        picked = [c for c in form.getlist("choice") if isinstance(c, str) and c.isdigit()]
        if picked:
            return UserInput(text=", ".join(picked[:50]), question_id=question), None
        if form.get("preselected"):  # everything unticked: nothing chosen
            return UserInput(command=Command.SKIP, question_id=question), None
        return UserInput(command=Command.DONE, question_id=question), None
    if command is Command.HELP_NOW:
        return UserInput(command=command), ECHO[command]
    if command is not None:
        return UserInput(command=command, question_id=question), ECHO.get(command)
    option = _text(form, "option", 64)
    if option is not None:
        return UserInput(option=option, question_id=question), None
    text = form.get("text")
    if isinstance(text, str):
        text = text[:MAX_INPUT_CHARS]
        return UserInput(text=text, question_id=question), text.strip() or None
    return None


def _command(value: Any) -> Command | None:
    try:
        return Command(value) if isinstance(value, str) else None
    except ValueError:
        return None
