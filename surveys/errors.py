"""Errors carevoice raises on purpose, so callers can catch them by meaning.

    Exception
    └── CarevoiceError               base of every carevoice error
        ├── SurveyDefinitionError    a survey definition is wrong; lists every fault
        ├── PeopleImportError        rows of an import are wrong; nothing was imported
        ├── InvitationError          an invitation code is unknown, used, expired, revoked
        ├── NotFoundError            no such survey, campaign, person, key
        ├── ConflictError            a duplicate, or a clash with what is stored
        ├── PeriodError              a period that is not "2017-18" or "2017-18 Q1"
        │                            (in surveys.insights.periods; also a ValueError)
        ├── UnavailableError         the database cannot be opened or reached
        └── ValidationError          other input that cannot be accepted
            └── InvalidParameter     a bad query parameter (api.errors)

Add new classes under `CarevoiceError` (or a subclass) and extend the drawing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from surveys.i18n import N_


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing wrong in a definition: where (`questions[3].choices`, line) and what."""

    location: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (f"line {self.line}" if self.line else "", self.location) if part
        )
        return f"{where}: {self.message}" if where else self.message


class CarevoiceError(Exception):
    """Base class of every error carevoice raises on purpose."""


class SurveyDefinitionError(CarevoiceError):
    """A survey definition (YAML file or stored copy) is wrong; `faults` lists every fault."""

    def __init__(self, file: str, faults: Iterable[Fault]) -> None:
        self.file = file
        self.faults: list[Fault] = list(faults)
        super().__init__(self.file, self.faults)

    def __str__(self) -> str:
        count = len(self.faults)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.file}: {count} {noun} in this survey definition:"]
        lines.extend(f"  - {fault}" for fault in self.faults)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ImportFault:
    """One bad cell in an import: the line (1 is the header), the field and what is wrong."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


def what_needs_fixing(faults: Iterable[ImportFault]) -> str:
    """"the header and 2 rows need fixing", "1 row needs fixing": line 1 is the header."""
    lines = {f.line for f in faults}
    rows = len(lines - {1})
    parts = (["the header"] if 1 in lines else []) + (
        [f"{rows} row{'s' if rows != 1 else ''}"] if rows else []
    )
    verb = "need" if len(parts) > 1 or rows > 1 else "needs"
    return f"{' and '.join(parts) or 'nothing'} {verb} fixing"


class PeopleImportError(CarevoiceError):
    """An import of young people had bad rows; nothing was imported."""

    def __init__(self, source: str, faults: Iterable[ImportFault]) -> None:
        self.source = source
        self.faults: list[ImportFault] = list(faults)
        super().__init__(self.source, self.faults)

    def __str__(self) -> str:
        lines = [f"{self.source}: nothing imported; {what_needs_fixing(self.faults)}:"]
        lines.extend(f"  - {fault}" for fault in self.faults)
        return "\n".join(lines)


class InvitationError(CarevoiceError):
    """An invitation code cannot be used. `reason` is one of: unknown, replaced, used,
    started, locked, expired, revoked, closed, not_open. The message is kind and says nothing
    about anyone."""

    MESSAGES = {  # noqa: RUF012
        "unknown": N_("Sorry, I don't recognise that code. Please check the code on your letter, "
        "or ask your worker for a new one."),
        "replaced": N_("This link was replaced by a newer letter, so it doesn't work any more. "
        "Anything you answered is kept: use the code on your newest letter to carry on, or "
        "ask your worker."),
        "used": N_("That link has already been used, and there is nothing more to answer on it. "
        "If someone writes back to you, it shows where you answered: on that phone or "
        "computer, or in that chat. Ask your worker if you'd like a new one."),
        "started": N_("You started this chat on another phone or browser. To carry on here, "
        "ask your worker for a new letter: its new code carries on where you were."),
        "locked": N_("That didn't match too many times, so this link is paused to keep your "
        "answers safe. Ask your worker for a new letter: its new code carries on where you "
        "were."),
        "expired": N_("Sorry, that link has run out. Ask your worker and they can send a new one."),
        "revoked": N_("Sorry, that link doesn't work any more. Ask your worker for a new one."),
        "closed": N_("Thanks for coming! This survey has closed now. Ask your worker if you'd "
        "still like to have your say."),
        "not_open": N_("This survey isn't open yet. Please come back a bit later."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES.get(reason, self.MESSAGES["unknown"]))


class NotFoundError(CarevoiceError):
    """Something asked for by id or key does not exist."""


class ConflictError(CarevoiceError):
    """The request clashes with what is stored (a duplicate, or a change made elsewhere)."""


class UnavailableError(CarevoiceError):
    """The database cannot be opened or reached (a wrong URL, a server that is down)."""


class ValidationError(CarevoiceError):
    """Input that cannot be accepted, with a message for the person who gave it."""
