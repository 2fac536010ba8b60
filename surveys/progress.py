"""Where a young person is in a survey: the state the engine reads and the store keeps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from surveys.model import AnswerValue


class ResponseStatus(StrEnum):
    """The life of a response: created when opened, started at its first answer."""

    OPEN = "open"  # opened (intro shown) but nothing answered yet
    IN_PROGRESS = "in_progress"  # at least one answer (or skip) recorded
    RETURNED = "returned"  # every shown question answered or skipped


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of one response; the engine returns a new one, never mutates."""

    current: str | None = None  # id of the question awaiting an answer
    history: tuple[str, ...] = ()  # answered or skipped question ids, oldest first
    answers: Mapping[str, AnswerValue] = field(default_factory=lambda: MappingProxyType({}))
    skipped: frozenset[str] = frozenset()
    pending: tuple[str, ...] = ()  # options ticked so far on the current multi question
    status: ResponseStatus = ResponseStatus.OPEN
    checking_in: bool = False  # after a disclosure: asked "carry on, or stop for now?"
    # The current free-text question was answered: asked who may read the words.
    choosing: bool = False
    # Words are "only counted" unless the young person says otherwise (under-13s, or
    # age unknown; set when the response is made).
    private_default: bool = False
    # The young person is a care leaver (by cohort, or 18 or over when the response was
    # made), whatever the survey's audience: adult helplines, "My PA and worker".
    leaver: bool = False
    # Questions answered before the survey was carried on in another chat by first name and
    # birth month (a check a carer could pass): not shown or changed again from any chat.
    sealed: frozenset[str] = frozenset()

    @property
    def finished(self) -> bool:
        return self.status is ResponseStatus.RETURNED

    def sealing_history(self) -> Progress:
        """This progress with every question answered so far sealed (`sealed`)."""
        return replace(self, sealed=self.sealed | frozenset(self.history))

    def with_answer(self, question_id: str, value: AnswerValue | None) -> Progress:
        """Record an answer (or a skip, when value is None) and push it onto the history."""
        answers = dict(self.answers)
        skipped = set(self.skipped)
        if value is None:
            answers.pop(question_id, None)
            skipped.add(question_id)
        else:
            answers[question_id] = value
            skipped.discard(question_id)
        history = (
            (*self.history, question_id)
            if question_id not in self.history
            else (
                *[q for q in self.history if q != question_id],
                question_id,
            )
        )
        return replace(
            self,
            answers=MappingProxyType(answers),
            skipped=frozenset(skipped),
            history=history,
            pending=(),
            status=ResponseStatus.IN_PROGRESS,
        )


def progress_to_json(progress: Progress) -> dict[str, object]:
    """A JSON-safe form of progress, for the store (flags only when set)."""
    state: dict[str, object] = {
        "current": progress.current,
        "history": list(progress.history),
        "answers": {k: list(v) if isinstance(v, tuple) else v for k, v in progress.answers.items()},
        "skipped": sorted(progress.skipped),
        "pending": list(progress.pending),
        "status": str(progress.status),
    }
    for flag in ("checking_in", "choosing", "private_default", "leaver"):
        if getattr(progress, flag):
            state[flag] = True
    if progress.sealed:
        state["sealed"] = sorted(progress.sealed)
    return state


def progress_from_json(data: Mapping[str, object]) -> Progress:
    """Progress back from `progress_to_json`; an empty mapping is a new response."""
    if not data:
        return Progress()
    raw_answers = data.get("answers") or {}
    answers: dict[str, AnswerValue] = {}
    if isinstance(raw_answers, Mapping):
        for key, value in raw_answers.items():
            answers[str(key)] = tuple(str(v) for v in value) if isinstance(value, list) else value
    current = data.get("current")
    return Progress(
        current=str(current) if current is not None else None,
        history=tuple(str(q) for q in _list(data.get("history"))),
        answers=MappingProxyType(answers),
        skipped=frozenset(str(q) for q in _list(data.get("skipped"))),
        pending=tuple(str(q) for q in _list(data.get("pending"))),
        status=ResponseStatus(str(data.get("status", ResponseStatus.OPEN))),
        checking_in=data.get("checking_in") is True,
        choosing=data.get("choosing") is True,
        private_default=data.get("private_default") is True,
        leaver=data.get("leaver") is True,
        sealed=frozenset(str(q) for q in _list(data.get("sealed"))),
    )


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []
