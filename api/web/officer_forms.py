"""Small helpers the officer pages share: reading form fields, UK dates and times, and
turning a not-found into the same 404 page whether a thing is missing or out of scope."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import UTC, date, datetime
from typing import Final, TypeVar

from starlette.datastructures import FormData

from api.web.errors import NotFoundPage
from api.web.render import UK
from surveys.errors import NotFoundError

T = TypeVar("T")
Problem = tuple[str, str]  # (the field's id, what to do), listed at the top of a form
_UK_DAY: Final = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def form_text(form: FormData, name: str, limit: int = 200) -> str:
    """A text field, trimmed and cut to `limit` characters ("" when absent)."""
    value = form.get(name)
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def fields(form: FormData, name: str, limit: int = 64) -> list[str]:
    """Every value of a repeated field (ticked boxes), trimmed, without blanks."""
    found = (" ".join(v.split())[:limit] for v in form.getlist(name) if isinstance(v, str))
    return [v for v in found if v]


def parse_day(raw: str) -> date | None:
    """A date as YYYY-MM-DD (what date inputs send) or DD/MM/YYYY; None if blank.
    ValueError if it is neither."""
    raw = raw.strip()
    if not raw:
        return None
    match = _UK_DAY.fullmatch(raw)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(raw)


def parse_uk_moment(raw: str) -> datetime | None:
    """A local UK time from a datetime-local input ("2026-12-02T09:00") or a date alone
    (taken as its start), as an aware UTC datetime; None if blank; ValueError if neither."""
    raw = raw.strip()
    if not raw:
        return None
    if "T" in raw or " " in raw:
        local = datetime.fromisoformat(raw.replace(" ", "T"))
        if local.tzinfo is not None:
            return local.astimezone(UTC)
    else:
        day = parse_day(raw)
        assert day is not None
        local = datetime(day.year, day.month, day.day)
    return local.replace(tzinfo=UK).astimezone(UTC)


def uk_input(moment: datetime) -> str:
    """A moment as a datetime-local input's value in UK time."""
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M")


async def or_404(work: Awaitable[T]) -> T:
    """The result, or the not-found page if the store says there is no such thing."""
    try:
        return await work
    except NotFoundError:
        raise NotFoundPage(
            "There is nothing here, or it belongs to a team you don't work with."
        ) from None
