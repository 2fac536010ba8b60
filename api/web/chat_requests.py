"""What a young person can ask of a person from the web chat: a copy of their data.

`POST /c/{code}/my-data` (a button under the chat) first asks "do you want a copy?" (a
tap by mistake files nothing); confirmed, it records a subject access request for the
officer workspace (`/officer/people`) and tells them honestly what happens next.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import ServicesDep
from api.web.chat import CHANNEL, CHAT_COOKIE, language_of_code
from api.web.errors import CSRF_YOUNG, CsrfRejected
from api.web.render import render
from api.web.security import csrf_ok
from api.web.staff import read_form
from storage.invitation_codes import session_hash
from storage.reach import Reach, RequestKind, RequestOutcome
from surveys.i18n import N_, gettext_for

router = APIRouter(include_in_schema=False)


ACCESS_DONE: Final = N_(
    "We've asked the participation team at {council} for a copy of everything we hold "
    "about you. They have one month to get it to you (the law says so). A person will "
    "check it first, then give it to you through your worker or PA, or ask how you'd "
    "like it. We can't show it on this page, because someone else could see it here."
)
ACCESS_ALREADY: Final = N_(
    "You've already asked for a copy of your data, and the team has it. They have one month "
    "from when you asked."
)
NOTHING_HELD: Final = N_(
    "This page isn't linked to you yet, so we hold nothing from it. To ask what the council "
    "holds about you, ask your worker."
)
YOUR_DATA: Final = N_("Your data")
ACCESS_ASK: Final = N_(
    "Do you want a copy of everything {council} holds about you from this chat and your "
    "records? A person in the participation team will get it ready and send it to you."
)
ACCESS_YES: Final = N_("Yes, ask for a copy")


def access_done(council: str, language: str | None = None) -> str:
    """What happens after asking for their data, in plain words."""
    return gettext_for(language)(ACCESS_DONE).format(council=council)


@router.post("/c/{code}/my-data")
async def ask_for_my_data(code: str, request: Request, services: ServicesDep) -> Response:
    """Record a request for a copy of everything held about the young person."""
    form = await read_form(request)
    sid = request.cookies.get(CHAT_COOKIE)
    if sid is None or not csrf_ok(sid, "chat", form.get("csrf")):
        raise CsrfRejected(CSRF_YOUNG, young=True)
    council = services.settings.council_name
    language = await language_of_code(services, code)
    _ = gettext_for(language)
    if form.get("confirm") != "yes":  # asked first: a tap by mistake files nothing
        confirm = {"action": f"/c/{code}/my-data", "csrf": form.get("csrf"), "label": _(ACCESS_YES)}
        return render(
            "message.html", language=language, title=_(YOUR_DATA), council=council,
            message=_(ACCESS_ASK).format(council=council), young=True, back=f"/c/{code}",
            confirm=confirm,
        )  # fmt: skip
    outcome = await Reach(services.db, services.clock).request(
        RequestKind.ACCESS, CHANNEL, session_hash(sid)
    )
    message = {
        RequestOutcome.CREATED: access_done(council, language),
        RequestOutcome.ALREADY_OPEN: _(ACCESS_ALREADY),
        RequestOutcome.NOT_LINKED: _(NOTHING_HELD),
    }[outcome]
    return render(
        "message.html", language=language, title=_(YOUR_DATA), message=message,
        council=council, young=True, back=f"/c/{code}",
    )  # fmt: skip
