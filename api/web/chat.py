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

import asyncio
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from babel import Locale
from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import FileResponse, RedirectResponse, Response

from api.clients import client_address
from api.deps import ServicesDep
from api.web.browser_language import browser_language
from api.web.errors import CSRF_YOUNG, CsrfRejected
from api.web.render import render
from api.web.security import csrf_ok, csrf_token, new_nonce, new_token, set_cookie
from api.web.staff import read_form
from api.web.stores import ChatFlash, web_state
from api.web.talk import worker_words
from services.container import Services
from storage.catalog import easy_alternatives
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
from storage.tables import (
    CampaignRow,
    ChannelLinkRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
    SurveyVersionRow,
)
from surveys import reach_texts
from surveys.engine import MAX_INPUT_CHARS, Command, Option, Prompt, PromptKind, UserInput
from surveys.errors import InvitationError
from surveys.failures import describe
from surveys.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    Gettext,
    format_number,
    gettext_for,
    ngettext_for,
    normalize_language,
    number_group,
    translations,
)
from surveys.insights.periods import uk_date
from surveys.model import QuestionKind, Survey
from surveys.people import age_band, age_on, wants_easy
from surveys.speech import AudioFormat, SpeechUnavailable, digest, speakable, spoken_question
from surveys.translations import localize

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

CHANNEL: Final = "web"
CHAT_COOKIE: Final = "cv_chat"
CHAT_COOKIE_DAYS: Final = 180
MAX_CODE: Final = 64
MAX_TYPED: Final = 40
ECHO: Final = {
    Command.HELP_NOW: N_("I need help now"),
    Command.STOP: N_("Stop for now"),
    Command.BACK: N_("Go back"),
    Command.REPEAT: N_("Carry on"),
    Command.NOT_NOW: reach_texts.NOT_NOW_LABEL,
}
TERMS: Final = (
    # a word a child may not know, explained in words the first time the page shows it
    (
        N_("IRO"),
        N_(
            "your Independent Reviewing Officer: the person who makes sure your plan is "
            "right for you and runs your review meetings"
        ),
    ),
)
_SID: Final = re.compile(r"[A-Za-z0-9_-]+")
_HEX: Final = re.compile(r"[0-9a-f]{24}")
ICONS: Final = {"yes": "👍", "no": "👎"}
PIN_PROBLEM: Final = N_("A PIN is {rule}, or leave it empty.")
SOMETHING_WRONG: Final = N_(
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
    audio: str | None = None  # the read-aloud file's address, without its extension


@dataclass(frozen=True, slots=True)
class Choice:
    """An answer button or tick box."""

    id: str
    label: str
    icon: str
    index: int
    selected: bool  # ticked or marked: the answer given before, or the question's default
    before: bool = False  # the answer they gave before (after going back), not a default


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
    limit: str  # max_length as the young person's language writes it: "1,000"
    group: str  # the mark between thousands in that language, for the counter: ","


@dataclass(frozen=True, slots=True)
class ReadAloud:
    """What the page offers to hear: the formats to list, and whether it plays by itself."""

    formats: tuple[tuple[str, str], ...]  # (extension, media type), the smallest first
    autoplay: bool
    off: bool  # the survey reads aloud but this server cannot (espeak-ng is missing)


def _audio_url(code: str, survey: Survey | None, text: str, language: str) -> str | None:
    """Where the read-aloud of `text` is served, if it is words of the (English) survey
    in `language`."""
    if survey is None:
        return None
    key = digest(text)
    return f"/c/{code}/audio/{key}" if key in speakable(survey, language) else None


def _read_aloud(services: Services, survey: Survey | None, language: str) -> ReadAloud | None:
    """What to offer: nothing, a kind note (no audio here, or no voice for the language:
    never English audio for words in another language), or the formats to play."""
    cache = services.audio()
    easy = survey is not None and survey.easy
    if cache is None:
        return ReadAloud((), False, off=True) if easy else None
    if not cache.speaker.speaks(language):
        return ReadAloud((), False, off=True) if survey is not None else None
    formats = [(cache.speaker.format.value, cache.speaker.format.media_type)]
    if cache.speaker.format is not AudioFormat.WAV:  # for browsers without Opus
        formats.append((AudioFormat.WAV.value, AudioFormat.WAV.media_type))
    return ReadAloud(tuple(formats), autoplay=easy, off=False)


FACES: Final = ("face-1", "face-2", "face-3", "face-4", "face-5")
"""Big faces for the easy survey's 1 to 5 scales (OpenMoji, api/static/pictures)."""
THUMBS: Final = {"yes": "yes", "no": "no"}


@dataclass(frozen=True, slots=True)
class Pictures:
    """The easy survey's symbols for the question on screen: its own, and each option's."""

    question: str | None
    options: dict[str, str]


def _pictures(survey: Survey | None, question: Question | None) -> Pictures | None:
    """Pictures for an easy survey's question (None for other surveys)."""
    if survey is None or not survey.easy or question is None:
        return None
    if not survey.has_question(question.id):
        return None
    asked = survey.question(question.id)
    options: dict[str, str] = {c.id: c.picture for c in asked.choices if c.picture}
    if asked.kind is QuestionKind.SCALE and len(asked.scale_values) == len(FACES):
        options = {str(v): face for v, face in zip(asked.scale_values, FACES, strict=True)}
    elif asked.kind is QuestionKind.YESNO:
        options = dict(THUMBS)
    return Pictures(asked.picture, options)


def _choice(option: Option, index: int, kind: QuestionKind | None, *, answered: bool) -> Choice:
    """A button or tick box; `answered` says the question has an answer from before (so a
    selected option is "your answer before", not just the default, such as the most private
    choice of who may read their words, marked the first time it is asked)."""
    label, icon = option.label, ""
    if kind is QuestionKind.SCALE and " " in label and not label[0].isalnum():
        icon, label = label.split(" ", 1)
    elif kind is QuestionKind.YESNO:
        icon = ICONS.get(option.id, "")
    return Choice(option.id, label, icon, index, option.selected, option.selected and answered)


def _question(prompt: Prompt, survey: Survey | None, language: str) -> Question:
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
        choices=tuple(
            _choice(o, i, prompt.question_kind, answered=prompt.previous is not None)
            for i, o in enumerate(answers, 1)
        ),
        commands=commands,
        max_length=max_length,
        preselected=prompt.question_kind is QuestionKind.MULTI and any(o.selected for o in answers),
        limit=format_number(max_length, language),
        group=number_group(language),
    )


def _bubbles(
    flash: ChatFlash,
    _: Gettext,
    survey: Survey | None = None,
    speak: bool = False,
    language: str = DEFAULT_LANGUAGE,
) -> list[Bubble]:
    """The chat's messages; `survey` is the English one, read aloud in `language`."""
    turn = flash.turn
    echo = _(flash.echo) if flash.echo and flash.echo in ECHO.values() else flash.echo
    said = [r.display for r in turn.recorded] or ([echo] if echo else [])
    out = [Bubble("you", text) for text in said]
    for p in turn.prompts:
        audio = None
        if speak and survey is not None:
            text = p.text
            if p.kind is PromptKind.QUESTION and p.question_id and survey.has_question(
                p.question_id
            ):
                asked = localize(survey, language).question(p.question_id)
                text = spoken_question(asked, language)  # with its options
            audio = _audio_url(flash.code, survey, text, language)
        out.append(Bubble("bot", p.text, str(p.kind), audio))
    return out


_KEEP: Final = (PromptKind.INTRO, PromptKind.HELP, PromptKind.CHECK_IN)


def explain_terms(texts: list[str], _: Gettext) -> list[str]:
    """Each term in `TERMS` explained, once a page, under the message it first appears in
    ("“IRO” means your Independent Reviewing Officer: ...")."""
    out = list(texts)
    for term, meaning in TERMS:
        word = re.compile(rf"\b{re.escape(_(term))}\b")
        for i, text in enumerate(out):
            if word.search(text):
                said = _("“{term}” means {meaning}.").format(term=_(term), meaning=_(meaning))
                out[i] = f"{text}\n{said}"
                break
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
    language = turn.language
    _ = gettext_for(language)
    found = await _survey_of(services, turn.response_id)
    survey = localize(found, language) if found is not None else None
    before, after, kept = await worker_words(
        services, sid, turn.response_id if turn.finished else None
    )
    asked = next((p for p in reversed(turn.prompts) if p.kind is PromptKind.QUESTION), None)
    question = _question(asked, survey, language) if asked is not None else None
    read_aloud = _read_aloud(services, survey, language)
    speak = read_aloud is not None and not read_aloud.off
    bubbles = [*before, *_bubbles(flash, _, found, speak, language), *after]
    # the intro stays on the page (folded) once the turn that said it has gone
    said_intro = any(p.kind is PromptKind.INTRO for p in turn.prompts)
    about = survey.intro if survey is not None and not said_intro else ""
    mine = [b if isinstance(b, Bubble) and b.who == "bot" else None for b in bubbles]
    explained = explain_terms([about, *(b.text if b else "" for b in mine)], _)
    about = explained[0]
    bubbles = [
        replace(m, text=text) if m is not None else b
        for b, m, text in zip(bubbles, mine, explained[1:], strict=True)
    ]
    draft = flash.draft or ""
    if not draft and question is not None and question.kind == str(QuestionKind.TEXT):
        draft = asked.previous if asked is not None and isinstance(asked.previous, str) else ""
    response = render(
        "chat.html",
        language=language,
        title=survey.title if survey else _("Your chat"),
        about=about,
        worker_replies=kept,
        languages=LANGUAGES,
        language_nonce=new_nonce(),
        council=services.settings.council_name,
        code=code,
        csrf=csrf_token(sid, "chat"),
        nonce=new_nonce(),
        help_nonce=new_nonce(),
        bubbles=bubbles,
        question=question,
        read_aloud=read_aloud,
        easy=survey is not None and survey.easy,
        pictures=_pictures(survey, question),
        draft=draft,
        finished=turn.finished,
        can_carry_on=question is None and not turn.finished and turn.response_id is not None,
        helped=any(p.kind is PromptKind.HELP for p in turn.prompts),
        checking_in=any(p.kind is PromptKind.CHECK_IN for p in turn.prompts),
    )
    _set_chat_cookie(response, request, sid)  # each visit keeps it for another 180 days
    return response


def _invitation_page(
    error: InvitationError, council: str, language: str | None = None
) -> Response:
    _ = gettext_for(language)
    return render(
        "chat_message.html",
        status_code=404 if error.reason == "unknown" else 410,
        language=language,
        title=_("This link can't be used"),
        message=_(str(error)),
        council=council,
    )


WAIT_TITLE: Final = N_("Please wait a little")


def _wait_page(wait: int, council: str, language: str) -> Response:
    """429: this address tried too many links that do not exist (no young person is known
    here: in the browser's language)."""
    minutes = max(1, round(wait / 60))
    ngettext = ngettext_for(language)
    message = ngettext(
        "Too many links that don't work were tried from here. Please wait {minutes} minute "
        "and open your link again. If it still doesn't work, ask the person who gave it to "
        "you for a new one.",
        "Too many links that don't work were tried from here. Please wait {minutes} minutes "
        "and open your link again. If it still doesn't work, ask the person who gave it to "
        "you for a new one.",
        minutes,
    )
    response = render(
        "chat_message.html", status_code=429, language=language,
        title=gettext_for(language)(WAIT_TITLE),
        message=message.format(minutes=format_number(minutes, language)),
        council=council,
    )  # fmt: skip
    response.headers["Retry-After"] = str(wait)
    return response


def _count_miss(request: Request, services: Services, error: InvitationError) -> None:
    """A code that names no invitation is a guess: count it against the address."""
    if error.reason == "unknown":
        services.throttles.codes.miss(client_address(request))


def _trouble_page(council: str, language: str | None = None) -> Response:
    _ = gettext_for(language)
    return render(
        "chat_message.html", status_code=500, language=language, title=_("Sorry"),
        message=_(SOMETHING_WRONG), council=council,
    )


# ----- reading the invitation before consent ---------------------------------------------


@dataclass(frozen=True, slots=True)
class _Peek:
    used: bool
    revoked: bool
    expires_at: datetime
    title: str
    language: str
    easy: bool = False  # they will be asked an easy survey: the easy-read notice first


async def _peek(services: Services, code: str, language: str | None = None) -> _Peek | None:
    """The invitation's state, read only: consent comes before the code is used; the title
    in `language` if given, else in the young person's."""
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
                    PersonRow.language,
                    CampaignRow.survey_version_id,
                    PersonRow.easy_read,
                    PersonRow.age_band,
                    PersonRow.date_of_birth,
                    InvitationRow.age_band,
                    SurveyVersionRow.key,
                )
                .join(PersonRow, PersonRow.id == InvitationRow.person_id)
                .join(CampaignRow, CampaignRow.id == InvitationRow.campaign_id)
                .join(SurveyVersionRow, SurveyVersionRow.id == CampaignRow.survey_version_id)
                .where(InvitationRow.code_hash == code_hash(code))
            )
        ).first()
    if row is None:
        return None
    used_at, revoked_at, expires_at, title, theirs, version_id = row[:6]
    easy_read, band, born, invited_band, survey_key = row[6:]
    band = invited_band or band
    if born is not None:
        band = age_band(age_on(born, uk_date(services.clock.now())))
    easy = wants_easy(easy_read, band) and bool(easy_alternatives().get(survey_key))
    if easy:  # the easy survey's own title ("My meeting"), as the chat will show
        async with services.db.reader() as session:
            found = (
                await session.execute(
                    select(SurveyVersionRow.id, SurveyVersionRow.title)
                    .where(SurveyVersionRow.key.in_(easy_alternatives()[survey_key]))
                    .order_by(SurveyVersionRow.version.desc())
                    .limit(1)
                )
            ).first()
        if found is not None:
            version_id, title = found
    language = language or theirs or DEFAULT_LANGUAGE
    if language != DEFAULT_LANGUAGE:
        async with services.db.reader() as session:
            survey = await services.catalog.get(session, version_id)
        title = localize(survey, language).title
    return _Peek(used_at is not None, revoked_at is not None, expires_at, title, language, easy)


def _consent_page(
    request: Request,
    services: Services,
    code: str,
    sid: str | None,
    title: str,
    pin_error: str | None = None,
    language: str | None = None,
    easy: bool = False,
) -> Response:
    fresh = sid is None
    sid = sid or new_token()
    response = render(
        "consent.html",
        status_code=422 if pin_error else 200,
        language=language,
        title=title,
        council=services.settings.council_name,
        keeping=services.retention_policy().describe(language),
        code=code,
        csrf=csrf_token(sid, "chat"),
        nonce=new_nonce(),
        pin_error=pin_error,
        languages=LANGUAGES,
        easy=easy,
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
    peek = await _peek(services, code)
    language = peek.language if peek is not None else DEFAULT_LANGUAGE
    _ = gettext_for(language)
    if ask is ResumeAsk.NONE:
        raise InvitationError("started")
    fresh = sid is None
    sid = sid or new_token()
    now = services.clock.now()
    waiting = refused is not None and refused.wait_until is not None
    problem = None
    if refused is not None:
        problem = _refusal(refused, now, language)
    response = render(
        "resume.html",
        status_code=429 if waiting else 422 if refused else 200,
        language=language,
        title=_("Carry on"),
        council=services.settings.council_name,
        code=code,
        csrf=csrf_token(sid, "chat"),
        nonce=new_nonce(),
        ask=str(ask),
        months=_months(language),
        problem=problem,
        waiting=waiting,
    )
    if waiting and refused is not None and refused.wait_until is not None:
        seconds = max(1, int((refused.wait_until - now).total_seconds()))
        response.headers["Retry-After"] = str(seconds)
    if fresh:
        _set_chat_cookie(response, request, sid)
    return response


def _months(language: str) -> tuple[str, ...]:
    """January to December in the young person's language (Babel's CLDR names)."""
    locale = Locale.parse("en_GB" if language == DEFAULT_LANGUAGE else language)
    names = locale.months["stand-alone"]["wide"]
    return tuple(str(names[n]) for n in range(1, 13))


def _refusal(refused: ResumeRefused, now: datetime, language: str) -> str:
    words = translations(language)
    if refused.wait_until is not None:
        minutes = max(1, -(-int((refused.wait_until - now).total_seconds()) // 60))
        return words.ngettext(
            "That didn't match, too many times. To keep your answers safe, please wait "
            "{n} minute and try again.",
            "That didn't match, too many times. To keep your answers safe, please wait "
            "{n} minutes and try again.",
            minutes,
        ).format(n=minutes)
    tries = refused.tries_left
    return words.ngettext(
        "That doesn't match. You can try {n} more time.",
        "That doesn't match. You can try {n} more times.",
        tries,
    ).format(n=tries)


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
        return _invitation_page(error, council, await language_of_code(services, code))
    except Exception as error:  # logged without a traceback: it may hold their words
        log.error("web chat page failed: %s", describe(error))
        return _trouble_page(council)


async def _show(request: Request, services: Services, code: str) -> Response:
    sid = _chat_sid(request)
    if sid:
        # the intro and the help card survive a reload (kept for the next one); anything
        # else is shown once, and a later visit says "welcome back"
        flashes, now = web_state(request).chat, services.clock.now()
        flash = flashes.peek(sid, now)
        if flash is not None and not any(p.kind in _KEEP for p in flash.turn.prompts):
            flash = flashes.pop(sid, now)
        if flash is not None and flash.code == code:
            if await _still_linked(services, sid):
                return await _chat_page(request, services, code, sid, flash)
            flashes.pop(sid, now)  # erased since (maybe by another worker): show nothing
    wait = services.throttles.codes.wait(client_address(request))
    if wait:
        return _wait_page(wait, services.settings.council_name, browser_language(request))
    peek = await _peek(services, code)
    if peek is None:
        raise await services.conversations.unknown_code(code)  # a guess, or an old letter
    if peek.revoked:
        raise InvitationError("revoked")
    if not peek.used:
        if peek.expires_at <= services.clock.now():
            raise InvitationError("expired")
        chosen = normalize_language(request.query_params.get("lang"))
        if chosen is not None and chosen != peek.language:  # chosen on the notice itself
            peek = await _peek(services, code, chosen) or peek
        return _consent_page(
            request, services, code, sid, peek.title, language=peek.language, easy=peek.easy
        )
    if not sid:
        return await _resume_page(request, services, code, sid)
    try:
        turn = await services.conversations.redeem(code, channel=CHANNEL, address=_address(sid))
    except InvitationError as error:
        if error.reason != "started":
            raise
        return await _resume_page(request, services, code, sid)
    return await _chat_page(request, services, code, sid, ChatFlash(code, turn))


@router.get("/c/{code}/audio/{name}")
async def chat_audio(code: str, name: str, request: Request, services: ServicesDep) -> Response:
    """Words of the survey this chat is answering, read aloud (made the first time)."""
    key, _, extension = name.partition(".")
    cache, sid = services.audio(), _chat_sid(request)
    try:
        fmt = AudioFormat(extension)
    except ValueError:
        fmt = None
    if cache is None or sid is None or fmt is None or not _HEX.fullmatch(key):
        return Response("Not found", status_code=404, media_type="text/plain")
    linked = await _linked_survey(services, _address(sid))
    try:
        path = None
        if linked is not None:
            survey, language = linked
            path = await asyncio.to_thread(cache.get, survey, language, key, fmt)
    except SpeechUnavailable as error:
        log.warning("read-aloud failed: %s", error)
        return Response("Not available", status_code=503, media_type="text/plain")
    if path is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type=fmt.media_type)


async def _still_linked(services: Services, sid: str) -> bool:
    """Whether this browser's chat is still linked to a young person (erasure unlinks)."""
    async with services.db.reader() as session:
        found = await session.scalar(select(ChannelLinkRow.id).where(
            ChannelLinkRow.channel == CHANNEL, ChannelLinkRow.address == _address(sid)))
    return found is not None


async def _linked_survey(services: Services, address: str) -> tuple[Survey, str] | None:
    """The (English) survey of the response this web chat is answering (its newest, if
    unsure), and the young person's language."""
    async with services.db.reader() as session:
        link = (
            await session.execute(
                select(ChannelLinkRow.person_id, ChannelLinkRow.response_id, PersonRow.language)
                .join(PersonRow, PersonRow.id == ChannelLinkRow.person_id)
                .where(ChannelLinkRow.channel == CHANNEL, ChannelLinkRow.address == address)
            )
        ).first()
        if link is None:
            return None
        person_id, response_id, language = link
        language = normalize_language(language) or DEFAULT_LANGUAGE
        query = select(ResponseRow.survey_version_id).where(ResponseRow.person_id == person_id)
        if response_id is not None:
            query = query.where(ResponseRow.id == response_id)
        version = await session.scalar(query.order_by(ResponseRow.id.desc()).limit(1))
        if version is None:
            return None
        return await services.catalog.get(session, version), language


@router.post("/c/{code}")
async def chat_post(code: str, request: Request, services: ServicesDep) -> Response:
    """One answer, button or command; then back to the page (post-redirect-get)."""
    council = services.settings.council_name
    form = await read_form(request)
    sid = _chat_sid(request)
    if not csrf_ok(sid, "chat", form.get("csrf")) or sid is None:
        reach = Reach(services.db, services.clock)
        if form.get("action") == "start" and sid is not None and (
            await reach.owns_code(code, CHANNEL, _address(sid))
        ):
            # "Yes, start" again from a notice shown before this browser's chat began (the
            # Back button, a second click): its token was for the session id started with
            return RedirectResponse(f"/c/{code}", 303)
        raise CsrfRejected(CSRF_YOUNG, young=True)
    if form.get("action") == "start":
        wait = services.throttles.codes.wait(client_address(request))
        if wait:
            return _wait_page(wait, council, browser_language(request))
    # Starting a chat, or carrying one on in this browser, binds it to a session id of our
    # making, never one the browser brought (which someone could have planted to read along)
    binding = form.get("action") in ("start", "resume")
    given, sid = sid, (new_token() if binding else sid)
    try:
        flash = await _apply(services, code, sid, form)
    except BadPin:
        peek = await _peek(services, code)
        title = peek.title if peek else "Your chat"
        language = peek.language if peek else DEFAULT_LANGUAGE
        problem = gettext_for(language)(PIN_PROBLEM).format(rule=PIN_RULE)
        return _consent_page(request, services, code, given, title, problem, language)
    except ResumeRefused as refused:
        return await _resume_page(request, services, code, given, refused)
    except InvitationError as error:
        _count_miss(request, services, error)
        if error.reason == "started" and form.get("action") == "start":
            try:
                return await _resume_page(request, services, code, given)
            except InvitationError as locked:  # too many wrong answers: a new letter
                error = locked
        return _invitation_page(error, council, await language_of_code(services, code))
    except NotLinkedError:
        flash = None
    except Exception as error:  # logged without a traceback: it may hold their words
        log.error("web chat answer failed: %s", describe(error))
        return _trouble_page(council)
    if flash is not None:
        web_state(request).chat.put(sid, flash, services.clock.now())
    helped = flash is not None and any(p.kind is PromptKind.HELP for p in flash.turn.prompts)
    # the help stays in view
    response = RedirectResponse(f"/c/{code}#help" if helped else f"/c/{code}", 303)
    if sid != given:
        _set_chat_cookie(response, request, sid)
    return response


async def language_of_code(services: Services, code: str) -> str:
    """The language of the young person an invitation code was made for (English if none)."""
    try:
        peek = await _peek(services, code)
    except Exception:  # an error page must still show
        return DEFAULT_LANGUAGE
    return peek.language if peek is not None else DEFAULT_LANGUAGE


async def _apply(services: Services, code: str, sid: str, form: FormData) -> ChatFlash | None:
    address = _address(sid)
    if form.get("action") == "language":  # the language control, at any point
        chosen = normalize_language(form.get("language"))
        if chosen is None:
            return None
        turn = await services.conversations.set_language(
            chosen, channel=CHANNEL, address=address
        )
        return ChatFlash(code, turn)
    if form.get("action") == "start":  # the privacy notice's "Yes, start"
        pin = form.get("pin")
        pin = pin.strip() if isinstance(pin, str) else ""
        if pin and not valid_pin(pin):
            raise BadPin
        turn = await services.conversations.redeem(
            code, channel=CHANNEL, address=address, pin=pin or None,
            language=normalize_language(form.get("language")),
        )  # fmt: skip
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
    if typed and not turn.recorded and any(p.kind is PromptKind.REPROMPT for p in turn.prompts):
        echo = None  # a refused answer is not shown as something they said; it stays in the box
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
