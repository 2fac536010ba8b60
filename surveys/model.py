"""Survey definitions as frozen domain objects.

A survey is loaded from YAML (see `surveys.loader`) into these types; nothing here knows
about YAML, databases or channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from surveys.i18n import N_


class QuestionKind(StrEnum):
    """What sort of answer a question takes."""

    INFO = "info"  # a message only; moves on without an answer
    CHOICE = "choice"  # one of several options
    MULTI = "multi"  # several options, then "done"
    SCALE = "scale"  # 1 to 5 (five labels, emoji first) or 0 to 10 (eleven labels)
    YESNO = "yesno"  # yes or no
    TEXT = "text"  # free text up to max_length characters


class Form(StrEnum):
    """The kind of form a survey stands in for, as boards count them."""

    CONSULTATION = "consultation"
    FEEDBACK = "feedback"
    WELLBEING = "wellbeing"
    SURVEY = "survey"


class Audience(StrEnum):
    """Who a survey is written for."""

    CHILD = "child"  # 8 to 12
    YOUNG_PERSON = "young_person"  # 13 to 17
    CARE_LEAVER = "care_leaver"  # 16 to 25


AUDIENCE_AGES: Mapping[Audience, tuple[int, int]] = {
    Audience.CHILD: (8, 12),
    Audience.YOUNG_PERSON: (13, 17),
    Audience.CARE_LEAVER: (16, 25),
}


class Theme(StrEnum):
    """What a question is about; board figures are grouped by it."""

    HOME = "home"
    SCHOOL = "school"
    CONTACT = "contact"
    HEALTH = "health"
    REVIEW = "review"
    WORKER = "worker"
    WELLBEING = "wellbeing"
    MONEY = "money"
    WORK = "work"
    HOUSING = "housing"
    FRIENDS = "friends"
    GENERAL = "general"


class Operator(StrEnum):
    """How a `show_if` condition compares an earlier answer."""

    EQUALS = "equals"  # the answer is this option id / value
    IN = "in"  # the answer is one of these
    NOT_IN = "not_in"  # the answer is none of these
    INCLUDES = "includes"  # a multi answer includes this option id
    ANSWERED = "answered"  # the question was answered (not skipped)
    AT_LEAST = "at_least"  # a scale answer is at least this number
    AT_MOST = "at_most"  # a scale answer is at most this number


class Flag(StrEnum):
    """A request a young person makes in their answers that a person must act on before
    their review; shown first on their summary and listed across children for officers."""

    ADVOCATE = "advocate"  # wants an advocate
    CHAIR = "chair"  # wants to chair their meeting
    MEETING = "meeting"  # who they want at their meeting, and where
    TALK_TO_IRO = "talk_to_iro"  # wants to talk to their IRO
    TALK_TO_WORKER = "talk_to_worker"  # wants their worker or PA to get in touch
    PRIVATE = "private"  # wants something kept private


FLAG_TEXT: Mapping[Flag, str] = {
    Flag.ADVOCATE: "Wants an advocate",
    Flag.CHAIR: "Wants to chair their meeting",
    Flag.MEETING: "Who they want at their meeting, and where",
    Flag.TALK_TO_IRO: "Wants to talk to their IRO",
    Flag.TALK_TO_WORKER: "Wants their worker or PA to get in touch",
    Flag.PRIVATE: "Wants something kept private",
}


AnswerValue = str | int | bool | tuple[str, ...]
"""An answer: an option id (choice), option ids (multi), 1-5 or 0-10 (scale), bool (yesno),
text."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on an earlier answer; all conditions of a question must hold."""

    question: str
    operator: Operator
    value: AnswerValue | tuple[AnswerValue, ...] | None = None


@dataclass(frozen=True, slots=True)
class AlertRule:
    """An answer that is itself a disclosure ("No" to "Do you feel safe where you live?"):
    it raises a safeguarding alert of `category` (a `RiskCategory` value), as words do."""

    condition: Condition  # on the question's own answer
    category: str = "unsafe"


@dataclass(frozen=True, slots=True)
class Choice:
    """An option of a choice or multi question; `id` is what buttons send back."""

    id: str
    label: str
    flag: Flag | None = None  # choosing this option raises the flag
    picture: str | None = None  # a symbol's name (api/static/pictures/<name>.svg)


@dataclass(frozen=True, slots=True)
class Question:
    """One step of a survey."""

    id: str
    kind: QuestionKind
    text: str
    choices: tuple[Choice, ...] = ()
    skippable: bool = True
    show_if: tuple[Condition, ...] = ()
    sensitive: bool = False
    theme: Theme = Theme.GENERAL
    max_length: int = 1000
    scale_labels: tuple[str, ...] = ()  # five labels for 1..5, emoji first
    help: str | None = None
    flag: Flag | None = None  # raised by `yes`, any words, or any option (see `flags_raised`)
    picture: str | None = None  # a symbol's name (api/static/pictures/<name>.svg)
    alert_if: AlertRule | None = None  # an answer that raises a safeguarding alert

    @property
    def answerable(self) -> bool:
        return self.kind is not QuestionKind.INFO

    @property
    def scale_values(self) -> range:
        """The numbers a scale question takes: 1..5, or 0..10 with eleven labels."""
        return range(0, 11) if len(self.scale_labels) == 11 else range(1, 6)

    def scale_label(self, value: int) -> str:
        """The label of a scale answer (the number itself if out of range)."""
        values = self.scale_values
        return self.scale_labels[value - values.start] if value in values else str(value)

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    @property
    def flagged(self) -> bool:
        """Whether any answer to this question can raise a flag."""
        return self.flag is not None or any(c.flag is not None for c in self.choices)

    def flags_raised(self, value: AnswerValue | None) -> tuple[Flag, ...]:
        """The flags an answer raises: the question's own when answered yes (yesno), with
        words (text), or at all (choice, multi, scale); and each chosen option's."""
        if value is None or value == "" or value == ():
            return ()
        raised: list[Flag] = []
        said_yes = value is True or value == "yes"
        if self.flag is not None and (self.kind is not QuestionKind.YESNO or said_yes):
            raised.append(self.flag)
        chosen = value if isinstance(value, tuple) else (value,)
        for item in chosen:
            option = self.choice(item) if isinstance(item, str) else None
            if option is not None and option.flag is not None and option.flag not in raised:
                raised.append(option.flag)
        return tuple(raised)


@dataclass(frozen=True, slots=True)
class Survey:
    """A versioned survey definition."""

    key: str
    version: int
    title: str
    form: Form
    audience: Audience
    intro: str
    thanks: str
    questions: tuple[Question, ...]
    anonymous: bool = False
    description: str = ""
    easy: bool = False  # for the youngest and those who read little: pictures, read aloud
    stands_in_for: tuple[str, ...] = ()  # survey keys this easy survey replaces for them
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)
    """language -> translation key -> words (see `surveys.translations`)."""
    _index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    _localized: dict[str, Survey] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {q.id: i for i, q in enumerate(self.questions)})
        object.__setattr__(self, "_localized", {})

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError if there is none."""
        return self.questions[self._index[question_id]]

    def position(self, question_id: str) -> int:
        return self._index[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._index


DEFAULT_SCALE_LABELS: tuple[str, ...] = (
    N_("😞 Really bad"),
    N_("🙁 Not good"),
    N_("😐 OK"),
    N_("🙂 Good"),
    N_("😀 Really good"),
)

SHARE_QUOTES_QUESTION = "share_quotes"
"""A yes/no question with this id asks consent to quote the young person's words (no name)."""
