"""A young person's own link, `/talk/<token>`: a message at any time, not tied to a survey
("something's wrong", "good news", "talk to my worker"), and their worker's replies.

A token that names no link is a guess: it is counted against the address like an unknown
invitation code (`surveys.throttle`, the `codes` guard), and an address over its limit
waits (429 and Retry-After) even with a right token.

The first browser to open the link (after a short notice) is theirs: it alone shows the
conversation, so a letter found by someone else reveals nothing. Any browser can still
send a message: a child reaching out is never turned away. Messages go through the
safeguarding net (`storage.contact`); words are never logged.

`worker_words` also puts replies (and "you said, we did" at the end of a survey) into the
survey chat, `/c/<code>`, for the young person linked to that browser.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from api.clients import client_address
from api.deps import ServicesDep
from api.web.browser_language import browser_language
from api.web.errors import CSRF_YOUNG, CsrfRejected
from api.web.render import render
from api.web.security import csrf_ok, csrf_token, new_nonce, new_token, set_cookie
from api.web.staff import read_form
from services.container import Services
from storage import replies, statements
from storage.contact import Contact, ContactKind, LinkOwner
from storage.invitation_codes import session_hash
from storage.tables import ChannelLinkRow, PersonRow
from surveys.errors import NotFoundError, ValidationError
from surveys.failures import describe
from surveys.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    format_number,
    gettext_for,
    ngettext_for,
    normalize_language,
)

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

TALK_COOKIE: Final = "cv_talk"
COOKIE_DAYS: Final = 365
UNKNOWN: Final = N_(
    "This link doesn't work. It may be an old one: ask your worker for a new link. "
    "If you need help now, call Childline free on 0800 1111."
)
NOT_SENT: Final = N_(
    "Sorry, something went wrong on our side and your message was not sent. Please go back "
    "and try again in a minute. If you need help now, call Childline free on 0800 1111."
)
KIND_LABELS: Final = {
    ContactKind.WRONG: N_("Something's wrong"),
    ContactKind.GOOD_NEWS: N_("Good news"),
    ContactKind.TALK: N_("Talk to my worker"),
}
TALK_TITLE: Final = N_("Message your worker")
LINK_UNUSABLE: Final = N_("This link can't be used")
WAIT_TITLE: Final = N_("Please wait a little")
SORRY: Final = N_("Sorry")
A_REPLY: Final = N_("💬 A reply from your worker:\n{text}")
SAID_AND_DONE: Final = N_("📣 You said: {said}\n✅ We did: {did}")


@dataclass(frozen=True, slots=True)
class WorkerWords:
    """Something a worker or the council said, shown in a young person's chat."""

    who: str
    text: str
    kind: str


def _browser(sid: str | None) -> str | None:
    return hashlib.sha256(sid.encode()).hexdigest() if sid else None


async def worker_words(
    services: Services, sid: str, finished_response: int | None
) -> tuple[list[WorkerWords], list[WorkerWords], list[str]]:
    """For the survey chat: replies not yet shown to the young person linked to this
    browser (before the messages), statements if they just finished (after), and the
    replies shown before, which the page keeps in view (`replies.shown_web_replies`)."""
    async with services.db.reader() as session:  # the usual case: nothing new, no write
        person_id = await session.scalar(
            select(ChannelLinkRow.person_id).where(
                ChannelLinkRow.channel == "web", ChannelLinkRow.address == session_hash(sid)
            )
        )
        waiting = person_id is not None and await replies.web_replies_waiting(session, person_id)
        shown = (
            await replies.shown_web_replies(session, person_id) if person_id is not None else []
        )
    if person_id is None:
        return [], [], []
    language = await language_of(services, person_id)
    _ = gettext_for(language)
    new: list[str] = []
    if waiting:
        async with services.db.transaction() as session:
            new = await replies.take_web_replies(session, person_id, services.clock)
    before = [WorkerWords("bot", _(A_REPLY).format(text=text), "reply") for text in new]
    kept = [_(A_REPLY).format(text=text) for text in shown]
    after: list[WorkerWords] = []
    if finished_response is not None:
        said = await statements.take_at_end(services.db, services.clock, finished_response)
        words = [s.words(language) for s in said]  # in their language, where written
        after = [
            WorkerWords("bot", _(SAID_AND_DONE).format(said=you, did=we), "statement")
            for you, we in words
        ]
    return before, after, kept


def _contact(services: Services) -> Contact:
    return Contact(services.db, services.clock, services.conversations)


async def language_of(services: Services, person_id: int) -> str:
    """The language a young person reads (English if none is set)."""
    async with services.db.reader() as session:
        language = await session.scalar(
            select(PersonRow.language).where(PersonRow.id == person_id)
        )
    return normalize_language(language) or DEFAULT_LANGUAGE


def _wait_page(wait: int, council: str, language: str) -> Response:
    """429: this address tried too many links that do not exist (in the browser's
    language: nobody is known yet)."""
    minutes = max(1, round(wait / 60))
    ngettext = ngettext_for(language)
    message = ngettext(
        "Too many links that don't work were tried from here. Please wait {minutes} minute "
        "and open your link again. If you need help now, call Childline free on 0800 1111.",
        "Too many links that don't work were tried from here. Please wait {minutes} minutes "
        "and open your link again. If you need help now, call Childline free on 0800 1111.",
        minutes,
    )
    response = render(
        "chat_message.html",
        status_code=429,
        language=language,
        title=gettext_for(language)(WAIT_TITLE),
        message=message.format(minutes=format_number(minutes, language)),
        council=council,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _too_many(request: Request, services: Services) -> Response | None:
    wait = services.throttles.codes.wait(client_address(request))
    if not wait:
        return None
    return _wait_page(wait, services.settings.council_name, browser_language(request))


def _guessed(request: Request, services: Services) -> Response:
    """A token that names no link: count the guess, say so kindly."""
    services.throttles.codes.miss(client_address(request))
    return _gone(services.settings.council_name, browser_language(request))


def _gone(council: str, language: str) -> Response:
    _ = gettext_for(language)
    return render(
        "chat_message.html",
        status_code=404,
        language=language,
        title=_(LINK_UNUSABLE),
        message=_(UNKNOWN),
        council=council,
    )


@router.get("/talk/{token}")
async def talk(token: str, request: Request, services: ServicesDep, sent: int = 0) -> Response:
    """The young person's own page: send a message; their conversation if this is their
    browser; a short notice the first time."""
    council = services.settings.council_name
    if (waiting := _too_many(request, services)) is not None:
        return waiting
    sid = request.cookies.get(TALK_COOKIE)
    fresh = sid is None
    sid = sid or new_token()
    try:
        owner = await _contact(services).open_link(token, _browser(sid))
        thread = await _thread(services, owner)
    except NotFoundError:
        return _guessed(request, services)
    except Exception as error:  # logged without a traceback: it may hold their words
        log.error("talk page failed: %s", describe(error))
        return _gone(council, browser_language(request))
    language = await language_of(services, owner.person_id)
    _ = gettext_for(language)
    response = render(
        "talk.html",
        language=language,
        title=_(TALK_TITLE),
        council=council,
        token=token,
        csrf=csrf_token(sid, "talk"),
        nonce=new_nonce(),
        owner=owner,
        thread=thread,
        kinds=[(str(k), _(label)) for k, label in KIND_LABELS.items()],
        sent=sent in (1, 2),
        helped=sent == 2,
        help_text=await services.conversations.help_reply(owner.person_id, language),
        problem=request.query_params.get("problem"),
    )
    if fresh:
        set_cookie(response, request, TALK_COOKIE, sid, path="/talk/", max_age=COOKIE_DAYS * 86_400)
    return response


async def _thread(services: Services, owner: LinkOwner) -> list[replies.ThreadItem]:
    if not owner.this_browser:
        return []
    async with services.db.transaction() as session:
        items = await replies.thread(session, owner.person_id)
        await replies.mark_web_replies_shown(session, owner.person_id, services.clock)
    return items


@router.post("/talk/{token}")
async def talk_post(token: str, request: Request, services: ServicesDep) -> Response:
    """Make this browser theirs (the notice's button), or send a message."""
    form = await read_form(request)
    sid = request.cookies.get(TALK_COOKIE)
    if sid is None or not csrf_ok(sid, "talk", form.get("csrf")):
        raise CsrfRejected(CSRF_YOUNG, young=True)
    if (waiting := _too_many(request, services)) is not None:
        return waiting
    contact = _contact(services)
    try:
        owner = await contact.open_link(token, _browser(sid))
        if form.get("action") == "bind":
            await contact.bind_link(owner.link_id, _browser(sid) or "")
            return RedirectResponse(f"/talk/{token}", 303)
        kind = form.get("kind")
        if kind not in {str(k) for k in ContactKind}:
            return RedirectResponse(f"/talk/{token}?problem=kind#send", 303)
        key = form.get("key")
        done = await contact.send(
            owner.person_id,
            ContactKind(str(kind)),
            str(form.get("text") or "")[:8000],
            channel="web",
            message_key=f"talk:{key}" if isinstance(key, str) and 0 < len(key) <= 64 else None,
        )
    except NotFoundError:
        return _guessed(request, services)
    except ValidationError:
        return RedirectResponse(f"/talk/{token}?problem=text#send", 303)
    except Exception as error:  # logged without a traceback: it may hold their words
        log.error("talk message failed: %s", describe(error))
        language = browser_language(request)
        return render(
            "chat_message.html",
            status_code=500,
            language=language,
            title=gettext_for(language)(SORRY),
            message=gettext_for(language)(NOT_SENT),
            council=services.settings.council_name,
        )
    return RedirectResponse(f"/talk/{token}?sent={2 if done.alert_ids else 1}#sent", 303)
