"""The conversation engine: one survey, one young person, one input at a time.

Channel-agnostic and pure. `open_survey` greets and asks the first (or current) question;
`advance` takes the stored `Progress` and a `UserInput` and returns a `Step`: the new
progress, the events the store must commit, and the prompts a channel renders. Nothing
here does I/O; the store (`storage.conversations`) applies the events in one transaction.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from surveys import reach_texts, safeguarding
from surveys.conditions import holds, is_shown
from surveys.i18n import DEFAULT_LANGUAGE, N_, Gettext, format_number, gettext_for
from surveys.model import AnswerValue, Audience, Flag, Question, QuestionKind, Survey
from surveys.progress import Progress, ResponseStatus
from surveys.safeguarding.detection import MODEL_PHRASE_ID
from surveys.sentiment import YouthLexicon

MAX_INPUT_CHARS = 4096
"""Longest input looked at; a text answer is also held to its question's max_length."""


class Command(StrEnum):
    """Controls a young person can use at any question (buttons or slash commands)."""

    BACK = "back"
    SKIP = "skip"
    DONE = "done"  # finish a multi question
    STOP = "stop"  # pause; the same question comes back next time
    HELP_NOW = "help_now"  # "I need help now"
    REPEAT = "repeat"  # show the current question again
    NOT_NOW = "not_now"  # not this survey, not now: paused, and never reminded about it


class PromptKind(StrEnum):
    """Why a prompt is being shown, so channels can style it."""

    INTRO = "intro"
    INFO = "info"
    QUESTION = "question"
    REPROMPT = "reprompt"
    HELP = "help"
    CHECK_IN = "check_in"  # after help: carry on, or stop for now? (options are commands)
    NOTICE = "notice"
    THANKS = "thanks"


@dataclass(frozen=True, slots=True)
class UserInput:
    """What arrived: typed text, or the id of a button (and the question it belonged to)."""

    text: str | None = None
    option: str | None = None
    question_id: str | None = None
    command: Command | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """A button. `command` is set for controls (skip, back, done)."""

    id: str
    label: str
    selected: bool = False
    command: Command | None = None


@dataclass(frozen=True, slots=True)
class Prompt:
    """Something to say. Question prompts carry their options and whether typing is allowed."""

    kind: PromptKind
    text: str
    question_id: str | None = None
    question_kind: QuestionKind | None = None
    options: tuple[Option, ...] = ()
    allow_text: bool = False
    number: int | None = None  # this question's position among the answerable ones
    total: int | None = None
    previous: AnswerValue | None = None  # the answer given before (after going back)


@dataclass(frozen=True, slots=True)
class AnswerRecorded:
    """An answer to commit. `value` None means skipped; `text` is set for free text."""

    question_id: str
    value: AnswerValue | None
    text: str | None = None
    private: bool = False  # free text "only counted" (until the young person chooses)


@dataclass(frozen=True, slots=True)
class VisibilityChosen:
    """The young person chose who may read their words to a free-text question:
    `private` is "only count it, don't show my words to anyone"."""

    question_id: str
    private: bool


@dataclass(frozen=True, slots=True)
class RiskFlagged:
    """Free text showed a sign of risk, or the young person asked for help now."""

    category: str
    phrase_id: str
    question_id: str | None


@dataclass(frozen=True, slots=True)
class SaidMore:
    """Words typed after a disclosure, while asked whether to carry on: kept with the alert.
    `risk`: what only the model found in them, for a new alert if none is still open."""

    text: str
    question_id: str | None
    risk: tuple[RiskFlagged, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseStarted:
    """The first answer of a response arrived."""


@dataclass(frozen=True, slots=True)
class ResponseReturned:
    """The last question was answered: the form is returned."""


@dataclass(frozen=True, slots=True)
class ResponsePaused:
    """The young person said stop; answers so far are kept."""


@dataclass(frozen=True, slots=True)
class ResponseDeclined:
    """The young person said "not now": paused, and no reminders for this invitation."""


Event = (
    AnswerRecorded
    | VisibilityChosen
    | RiskFlagged
    | SaidMore
    | ResponseStarted
    | ResponseReturned
    | ResponsePaused
    | ResponseDeclined
)

SHARED = "shared"
PRIVATE = "private"
"""The ids of the two buttons asking who may read an answer's words."""


@dataclass(frozen=True, slots=True)
class Step:
    """The engine's answer to one input."""

    progress: Progress
    events: tuple[Event, ...]
    prompts: tuple[Prompt, ...]

    @property
    def alerts(self) -> tuple[RiskFlagged, ...]:
        return tuple(e for e in self.events if isinstance(e, RiskFlagged))


class HelpText(Protocol):
    """The help reply, in a language (`surveys.safeguarding.help_reply`); one that takes an
    `audience` keyword is told the survey's, so care leavers get adult helplines."""

    def __call__(self, language: str = ...) -> str: ...


YES_WORDS = frozenset(
    {"yes", "y", "yeah", "yep", "yea", "ye", "yh", "ya", "yup", "ok", "okay", "sure", "👍", "ie",
     "do", "oes", "nam"}
)
NO_WORDS = frozenset({"no", "n", "nope", "nah", "na", "not really", "👎", "naddo", "nac oes", "لا"})
_WORD_RE = re.compile(r"[^\W_]", re.UNICODE)
_SPLIT_RE = re.compile(r"[,;/&]|\band\b")
_NUMBERS_RE = re.compile(r"\d+(?:\s+\d+)+")


@dataclass(frozen=True, slots=True)
class Engine:
    """Walks a young person through a survey. Stateless; safe to share."""

    help_text: HelpText = safeguarding.help_reply
    language: str = DEFAULT_LANGUAGE
    typed_only: bool = False  # a channel with no buttons (the terminal): hints say "type"

    def speaking(self, language: str | None, channel: str | None = None) -> Engine:
        """This engine, saying its own words (reprompts, buttons) in `language`, and its
        hints in the words of `channel` ("type" where there are no buttons to tap); survey
        words come from the survey given (`surveys.translations.localize`)."""
        language = language or DEFAULT_LANGUAGE
        typed_only = channel in TYPED_CHANNELS if channel is not None else self.typed_only
        if language == self.language and typed_only == self.typed_only:
            return self
        return replace(self, language=language, typed_only=typed_only)

    def _hint(self, message: str) -> str:
        """A hint (a catalogue msgid) in this engine's language and channel's words."""
        if self.typed_only:
            message = TYPED_HINTS.get(message, message)
        return self._(message)

    @property
    def _(self) -> Gettext:
        return gettext_for(self.language)

    def help(self, audience: str | None = None) -> str:
        """The help reply in this engine's language (a `help_text` that takes no language
        is English only), for the survey's `audience` when the `help_text` takes one."""
        try:
            parameters = inspect.signature(self.help_text).parameters
        except (TypeError, ValueError):
            return self.help_text(self.language)
        if not parameters:
            return self.help_text()
        if "audience" in parameters:
            reply: str = self.help_text(self.language, audience=audience)  # type: ignore[call-arg]
            return reply
        return self.help_text(self.language)

    # ----- entry points -------------------------------------------------------------

    def open_survey(self, survey: Survey, progress: Progress) -> Step:
        """Greet (or welcome back) and show the question awaiting an answer."""
        if progress.finished:
            return Step(progress, (), (Prompt(PromptKind.NOTICE, self._finished(survey)),))
        if progress.checking_in:  # they came back: the question, not the check-in
            progress = replace(progress, checking_in=False)
        if progress.current is None:
            intro = (Prompt(PromptKind.INTRO, survey.intro),)
            return self._move_to_next(survey, progress, after=None, lead=intro)
        lead: tuple[Prompt, ...] = ()
        if progress.status is ResponseStatus.IN_PROGRESS:
            welcome = self._("Welcome back! Let's carry on where you left off.")
            lead = (Prompt(PromptKind.NOTICE, welcome),)
        if progress.current in progress.sealed:  # sealed while back on an answered one
            return self._past_sealed(survey, progress, lead)
        return Step(progress, (), (*lead, self._ask(survey, progress, progress.current)))

    def _past_sealed(self, survey: Survey, progress: Progress, lead: tuple[Prompt, ...]) -> Step:
        """On from a sealed question (`Progress.sealed`) to the first after every sealed
        one: none of them is asked again."""
        known = {q.id for q in survey.questions}
        last = max(
            (q for q in (*progress.sealed, progress.current) if q in known),
            key=survey.position,
        )
        moved = replace(progress, choosing=False, pending=())
        return self._move_to_next(survey, moved, after=last, lead=lead)

    def advance(self, survey: Survey, progress: Progress, user_input: UserInput) -> Step:
        """Apply one input and say what comes next."""
        text = _clean(user_input.text)
        risk = self._risk_events(text, progress.current)
        command = user_input.command or _command_from_option(user_input.option)
        if command is Command.HELP_NOW or _has_help(risk):
            help_event = RiskFlagged("help_now", "help_now", progress.current)
            events = (*risk, *(() if _has_help(risk) else (help_event,)))
            return self._with_help(survey, progress, events)
        unread = () if risk else self._unread_events(survey, progress, text)
        if progress.checking_in:
            if command is None and user_input.option is None:
                return _and(self._checked_in(survey, progress, text, risk), unread)
            progress = replace(progress, checking_in=False)  # a button: do what it says
        step = self._dispatch(survey, progress, user_input, text, command)
        risk = (*risk, *_answer_alerts(survey, step.events))
        if risk:
            # Free text showed risk, or an answer is itself a disclosure ("No" to "Do you
            # feel safe where you live?"): the alert first, then the input handled as usual.
            return self._with_help(survey, step.progress, (*risk, *step.events), step.prompts)
        return _and(step, unread)

    # ----- dispatch -----------------------------------------------------------------

    def _dispatch(
        self,
        survey: Survey,
        progress: Progress,
        user_input: UserInput,
        text: str | None,
        command: Command | None,
    ) -> Step:
        if progress.finished:
            return Step(progress, (), (Prompt(PromptKind.NOTICE, self._finished(survey)),))
        if progress.current is None:
            return self.open_survey(survey, progress)
        if progress.current in progress.sealed:
            return self._past_sealed(survey, progress, (Prompt(PromptKind.NOTICE, self._(SEALED)),))
        question = survey.question(progress.current)
        if user_input.question_id is not None and user_input.question_id != question.id:
            return self._reprompt(
                survey,
                progress,
                self._("That button was for an earlier question. Here's where we are now:"),
            )
        if progress.choosing:
            return self._choosing(survey, progress, question, user_input, text, command)
        if command is not None:
            return self._command(survey, progress, question, command)
        if user_input.option is not None:
            return self._option(survey, progress, question, user_input.option)
        if text is None or not text:
            return self._reprompt(survey, progress, self._(_empty_hint(question)))
        return self._text(survey, progress, question, text)

    def _command(
        self, survey: Survey, progress: Progress, question: Question, command: Command
    ) -> Step:
        if command is Command.REPEAT:
            return Step(progress, (), (self._ask(survey, progress, question.id),))
        if command is Command.STOP:
            return Step(
                replace(progress, pending=()),
                (ResponsePaused(),),
                (Prompt(PromptKind.NOTICE, self._(_PAUSED)),),
            )
        if command is Command.NOT_NOW:
            return Step(
                replace(progress, pending=()),
                (ResponseDeclined(),),
                (Prompt(PromptKind.NOTICE, self._(reach_texts.NOT_NOW_REPLY)),),
            )
        if command is Command.BACK:
            return self._back(survey, progress)
        if command is Command.SKIP:
            if not question.skippable:
                return self._reprompt(survey, progress, self._("This one needs an answer, sorry."))
            return self._record(survey, progress, question, None, None)
        # DONE on a multi question
        if question.kind is not QuestionKind.MULTI:
            return self._reprompt(survey, progress, self._("Please answer this one first."))
        if not progress.pending:
            if question.skippable:
                return self._record(survey, progress, question, None, None)
            return self._reprompt(
                survey, progress, self._("Please tick at least one, then Done.")
            )
        chosen = tuple(c.id for c in question.choices if c.id in progress.pending)
        return self._record(survey, progress, question, chosen, None)

    def _option(self, survey: Survey, progress: Progress, question: Question, option: str) -> Step:
        kind = question.kind
        if kind is QuestionKind.MULTI and question.choice(option) is not None:
            pending = tuple(p for p in progress.pending if p != option)
            if option not in progress.pending:
                pending = (*pending, option)
            new = replace(progress, pending=pending)
            return Step(new, (), (self._ask(survey, new, question.id),))
        value = _option_value(question, option)
        if value is None:
            return self._reprompt(survey, progress, self._("Please choose one of these."))
        return self._record(survey, progress, question, value, None)

    def _text(self, survey: Survey, progress: Progress, question: Question, text: str) -> Step:
        kind = question.kind
        if kind is QuestionKind.TEXT:
            if len(text) > question.max_length:
                limit = format_number(question.max_length, self.language)
                return self._reprompt(
                    survey,
                    progress,
                    self._(
                        "That's a lot, thank you! This answer can be up to {limit} "
                        "characters. Could you make it a bit shorter?"
                    ).format(limit=limit),
                )
            if not _WORD_RE.search(text):
                # "😡😡😡" may be how they feel: thanked, never judged, and asked for words
                thanks = self._("Thanks for sharing that. Could you tell me in words as well?")
                return self._reprompt(survey, progress, thanks)
            return self._record(survey, progress, question, text, text)
        if kind is QuestionKind.INFO:  # not reached: info questions are never current
            return self._move_to_next(survey, progress, after=question.id)
        value = _parse_typed(question, text)
        if isinstance(value, _Hint):
            return self._reprompt(survey, progress, self._hint(value.message))
        return self._record(survey, progress, question, value, None)

    # ----- moves --------------------------------------------------------------------

    def _record(
        self,
        survey: Survey,
        progress: Progress,
        question: Question,
        value: AnswerValue | None,
        text: str | None,
    ) -> Step:
        first = progress.status is ResponseStatus.OPEN
        new = progress.with_answer(question.id, value)
        words = question.kind is QuestionKind.TEXT and text is not None
        # "Is there something you want to tell just your IRO?" says who reads the words: no
        # "who can read this?" after it, and never "only counted" (the IRO would not see it)
        said_who = question.flag is Flag.PRIVATE
        private = words and not said_who and progress.private_default
        events: tuple[Event, ...] = (AnswerRecorded(question.id, value, text, private),)
        if first:
            events = (ResponseStarted(), *events)
        step = self._move_to_next(survey, new, after=question.id)
        # who may read them? (stored as the default till then); not asked of words that say
        # nothing ("no", "nah", "not sure"): a care leaver was asked after every one
        if words and not said_who and not YouthLexicon.default().says_nothing(text or ""):
            if step.progress.finished:  # the last answer returns the form, choice or not
                events = (*events, *step.events)
            choosing = replace(new, current=question.id, choosing=True)
            return Step(choosing, events, (self._ask(survey, choosing, question.id),))
        return Step(step.progress, (*events, *step.events), step.prompts)

    def _back(self, survey: Survey, progress: Progress) -> Step:
        current = progress.current
        earlier = [
            q
            for q in progress.history
            if current is None or survey.position(q) < survey.position(current)
        ]
        if earlier and all(q in progress.sealed for q in earlier):
            return self._reprompt(survey, progress, self._(SEALED))
        earlier = [q for q in earlier if q not in progress.sealed]
        if not earlier:
            return self._reprompt(survey, progress, self._("This is the first question."))
        target = earlier[-1]
        new = replace(
            progress, current=target, pending=_pending_for(progress, target), choosing=False
        )
        return Step(new, (), (self._ask(survey, new, target),))

    def _move_to_next(
        self,
        survey: Survey,
        progress: Progress,
        *,
        after: str | None,
        lead: tuple[Prompt, ...] = (),
    ) -> Step:
        start = 0 if after is None else survey.position(after) + 1
        prompts = list(lead)
        for question in survey.questions[start:]:
            if not is_shown(question, progress.answers):
                continue
            if question.kind is QuestionKind.INFO:
                prompts.append(Prompt(PromptKind.INFO, question.text, question_id=question.id))
                continue
            new = replace(
                progress,
                current=question.id,
                pending=_pending_for(progress, question.id),
                choosing=False,
            )
            prompts.append(self._ask(survey, new, question.id))
            return Step(new, (), tuple(prompts))
        done = replace(
            progress, current=None, pending=(), status=ResponseStatus.RETURNED, choosing=False
        )
        prompts.append(Prompt(PromptKind.THANKS, survey.thanks))
        return Step(done, (ResponseReturned(),), tuple(prompts))

    # ----- prompts ------------------------------------------------------------------

    def _ask(self, survey: Survey, progress: Progress, question_id: str) -> Prompt:
        question = survey.question(question_id)
        if progress.choosing and question_id == progress.current:
            return _visibility_prompt(question, progress, self._, audience_of(survey, progress))
        number, total = _where(survey, progress, question_id)
        options = list(_answer_options(question, progress, self._))
        if question.kind is QuestionKind.MULTI:
            options.append(Option(Command.DONE, self._("✅ Done"), command=Command.DONE))
        if question.skippable:
            options.append(Option(Command.SKIP, self._("Skip"), command=Command.SKIP))
        if any(
            survey.position(q) < survey.position(question_id) and q not in progress.sealed
            for q in progress.history
        ):
            options.append(Option(Command.BACK, self._("⬅ Back"), command=Command.BACK))
        if progress.status is ResponseStatus.OPEN:  # nothing answered yet: may say not now
            options.append(
                Option(Command.NOT_NOW, self._(reach_texts.NOT_NOW_LABEL), command=Command.NOT_NOW)
            )
        text = question.text if not question.help else f"{question.text}\n{question.help}"
        return Prompt(
            PromptKind.QUESTION,
            text,
            question_id=question.id,
            question_kind=question.kind,
            options=tuple(options),
            allow_text=question.kind is QuestionKind.TEXT,
            number=number,
            total=total,
            previous=progress.answers.get(question.id),
        )

    def _choosing(
        self,
        survey: Survey,
        progress: Progress,
        question: Question,
        user_input: UserInput,
        text: str | None,
        command: Command | None,
    ) -> Step:
        """After their own words: who may read them. Skip keeps the default, Back goes to
        the words again, Stop keeps the question for next time."""
        if command is Command.BACK:
            again = replace(progress, choosing=False)
            return Step(again, (), (self._ask(survey, again, question.id),))
        if command is Command.SKIP:
            return self._move_to_next(survey, replace(progress, choosing=False), after=question.id)
        if command in (Command.STOP, Command.NOT_NOW, Command.REPEAT):
            return self._command(survey, progress, question, command)
        chosen = _visibility_of(user_input.option if user_input.option else text)
        if chosen is None:
            return self._reprompt(survey, progress, self._hint(reach_texts.VISIBILITY_HINT))
        done = self._move_to_next(survey, replace(progress, choosing=False), after=question.id)
        return Step(
            done.progress, (VisibilityChosen(question.id, chosen), *done.events), done.prompts
        )

    def _reprompt(self, survey: Survey, progress: Progress, message: str) -> Step:
        prompts: tuple[Prompt, ...] = (Prompt(PromptKind.REPROMPT, message),)
        if progress.current is not None:
            prompts = (*prompts, self._ask(survey, progress, progress.current))
        return Step(progress, (), prompts)

    def _with_help(
        self,
        survey: Survey,
        progress: Progress,
        events: Sequence[Event],
        after: tuple[Prompt, ...] = (),
    ) -> Step:
        """The help reply stays the last thing said: then "carry on, or stop for now?",
        never straight on to the next question."""
        help_prompt = Prompt(PromptKind.HELP, self.help(audience_of(survey, progress)))
        if progress.current is None:  # finished (or nothing to ask): help, and the thanks
            thanks = tuple(p for p in after if p.kind is PromptKind.THANKS)
            return Step(progress, tuple(events), (help_prompt, *thanks))
        checking = replace(progress, checking_in=True)
        return Step(checking, tuple(events), (help_prompt, self._check_in(progress)))

    def _check_in(self, progress: Progress, lead: str = "") -> Prompt:
        return Prompt(
            PromptKind.CHECK_IN,
            lead + self._(CHECK_IN),
            question_id=progress.current,
            options=(
                Option(Command.REPEAT, self._("Carry on"), command=Command.REPEAT),
                Option(Command.STOP, self._("Stop for now"), command=Command.STOP),
            ),
        )

    def _checked_in(
        self,
        survey: Survey,
        progress: Progress,
        text: str | None,
        risk: tuple[RiskFlagged, ...],
    ) -> Step:
        """Typed words while asked whether to carry on: carry on, stop, or more to say.
        More words that only the model finds risky ("it happened again, dont tell him")
        go with the alert still open, not into a new one under a guessed kind of harm (a
        new one if none is open: `SaidMore.risk`); a listed phrase raises its own."""
        if any(r.phrase_id != MODEL_PHRASE_ID for r in risk):
            return self._with_help(survey, progress, risk)
        words = " ".join(_WORDS_ONLY.sub(" ", (text or "").casefold()).split())
        if words in CARRY_ON_WORDS or words == self._("carry on").casefold():
            carried = replace(progress, checking_in=False)
            return Step(carried, (), (self._ask(survey, carried, str(progress.current)),))
        if words in STOP_WORDS or words == self._("stop for now").casefold():
            stopped = replace(progress, checking_in=False, pending=())
            return Step(
                stopped, (ResponsePaused(),), (Prompt(PromptKind.NOTICE, self._(_PAUSED)),)
            )
        if not any(char.isalpha() for char in words):  # nothing, or "1" meant for a choice
            return Step(progress, (), (self._check_in(progress),))
        return Step(
            progress,
            (SaidMore(str(text), progress.current, risk),),
            (self._check_in(progress, self._(SAID_MORE)),),
        )

    def _risk_events(self, text: str | None, question_id: str | None) -> tuple[RiskFlagged, ...]:
        if not text:
            return ()
        return tuple(
            RiskFlagged(str(hit.category), hit.phrase_id, question_id)
            for hit in safeguarding.detect_risk(text[: MAX_INPUT_CHARS * 4])
        )

    def _unread_events(
        self, survey: Survey, progress: Progress, text: str | None
    ) -> tuple[RiskFlagged, ...]:
        """A quiet flag for words a person must read (`safeguarding.needs_reading`)."""
        asked = progress.current
        free = (
            asked is not None
            and survey.has_question(asked)
            and survey.question(asked).kind is QuestionKind.TEXT
        )
        if not text or not safeguarding.needs_reading(text, self.language, free_text=free):
            return ()
        return (RiskFlagged(safeguarding.UNREAD_CATEGORY, safeguarding.UNREAD_CATEGORY, asked),)

    def _finished(self, survey: Survey) -> str:
        return self._("You've already finished “{title}”. Thank you!").format(title=survey.title)


# ----- helpers ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hint:
    message: str


TYPED_CHANNELS = frozenset({"terminal"})
"""Channels with no buttons: everything is typed."""
TYPED_MULTI_HINT = N_("Type the numbers of the ones that fit, like 1, 3, then done.")
"""How a channel with no buttons answers a pick-several question (the terminal shows it
with the question, before any answer)."""
TYPED_HINTS: Mapping[str, str] = {
    N_("Please tap Yes or No."): N_("Please type yes or no (or 1 or 2)."),
    N_("Tap the ones that fit, then Done. Or type their numbers, like 1, 3."): TYPED_MULTI_HINT,
    N_("Please pick a number from 1 to 5, or tap a face."): N_(
        "Please type a number from 1 to 5."
    ),
    reach_texts.VISIBILITY_HINT: N_("Please type 1 or 2, so we know who can read it."),
}
"""Each hint that names a button, as a channel with none says it (each in the catalogues,
so every language says "type" in the terminal)."""


CHECK_IN = N_(
    "Would you like to carry on with the questions, or stop for now? Either is fine, and "
    "your answers so far are saved."
)
SAID_MORE = N_(
    "Thank you. I've added that to your message, so the person who reads it sees it. "
)
CARRY_ON_WORDS = frozenset(
    {"carry on", "continue", "go on", "yes", "y", "yeah", "yep", "ok", "okay", "next", "sure"}
)
STOP_WORDS = frozenset(
    {"stop", "stop for now", "no", "n", "nah", "not now", "later", "bye", "quit", "no thanks"}
)
_WORDS_ONLY = re.compile(r"[^\w\s]+", re.UNICODE)

SEALED = N_(
    "The answers before this were given before you carried on here, so they can't be "
    "changed from here. If one is wrong, tell your worker."
)

_PAUSED = N_(
    "OK, we'll stop here. Your answers so far are saved. "
    "Come back any time and we'll carry on from this question."
)




def _visibility_prompt(
    question: Question, progress: Progress, _: Gettext, audience: str | None = None
) -> Prompt:
    """Who may read the words just given; the default (most private for under-13s) is
    the one marked selected. Care leavers have a PA, not an IRO."""
    private = progress.private_default
    return Prompt(
        PromptKind.QUESTION,
        _(reach_texts.VISIBILITY_ASK),
        question_id=question.id,
        question_kind=QuestionKind.CHOICE,
        options=(
            Option(SHARED, _(visibility_label(False, audience)), selected=not private),
            Option(PRIVATE, _(reach_texts.VISIBILITY_PRIVATE), selected=private),
            Option(Command.BACK, _("⬅ Back"), command=Command.BACK),
        ),
    )


_VISIBILITY_WORDS = {
    SHARED: False,
    "1": False,
    reach_texts.VISIBILITY_SHARED.casefold(): False,
    reach_texts.VISIBILITY_SHARED_LEAVER.casefold(): False,
    PRIVATE: True,
    "2": True,
    "only count it": True,
    reach_texts.VISIBILITY_PRIVATE.casefold(): True,
}


def _visibility_of(said: str | None) -> bool | None:
    """True for "only count it", False for "my IRO and worker can read it", else None."""
    if said is None:
        return None
    return _VISIBILITY_WORDS.get(said.casefold().strip(" .!?"))


def _where(survey: Survey, progress: Progress, question_id: str) -> tuple[int, int]:
    """Which question this is and of how many, counting only questions this young person
    is asked: a follow-up their answers left out is not counted, so the numbers never jump
    ("10 of 17" then "11 of 16", not "12 of 17"). Later questions that may yet be asked
    count, so the total is an upper bound ("about")."""
    number = total = 0
    current = survey.position(question_id)
    for position, question in enumerate(survey.questions):
        if not question.answerable:
            continue
        if position <= current or question.id in progress.history:
            asked = position == current or _was_asked(question, progress)
        else:
            asked = _may_be_asked(question, progress)
        if asked:
            total += 1
            number += position <= current
    return number, total


def _was_asked(question: Question, progress: Progress) -> bool:
    return question.id in progress.history or is_shown(question, progress.answers)


def _may_be_asked(question: Question, progress: Progress) -> bool:
    """A later question is left out only once every answer its conditions read is given
    (or skipped) and they do not hold."""
    decided = all(
        c.question in progress.answers or c.question in progress.skipped for c in question.show_if
    )
    return not decided or is_shown(question, progress.answers)


def audience_of(survey: Survey, progress: Progress) -> str:
    """Who is answering: the survey's audience, but a care leaver for a care leaver (or
    anyone 18 or over), whatever survey they were sent."""
    return str(Audience.CARE_LEAVER) if progress.leaver else str(survey.audience)


def visibility_label(private: bool, audience: str | None = None) -> str:
    """The button a young person chose, as their answer reads back (a care leaver's names
    their PA, not an IRO)."""
    if private:
        return reach_texts.VISIBILITY_PRIVATE
    if audience == "care_leaver":
        return reach_texts.VISIBILITY_SHARED_LEAVER
    return reach_texts.VISIBILITY_SHARED


def _and(step: Step, flags: tuple[RiskFlagged, ...]) -> Step:
    """`step` with quiet flags among its events: an alert is stored, nothing is said."""
    return replace(step, events=(*step.events, *flags)) if flags else step


def _answer_alerts(survey: Survey, events: Sequence[Event]) -> tuple[RiskFlagged, ...]:
    """An alert for each answer its question's `alert_if` holds for."""
    flags: list[RiskFlagged] = []
    for event in events:
        if not isinstance(event, AnswerRecorded) or event.value is None:
            continue
        rule = survey.question(event.question_id).alert_if
        if rule is not None and holds(rule.condition, {event.question_id: event.value}):
            flags.append(RiskFlagged(rule.category, ANSWER_PHRASE_ID, event.question_id))
    return tuple(flags)


ANSWER_PHRASE_ID = "answer"  # the phrase id of an alert an answer raised (`alert_if`)


def _has_help(events: Sequence[RiskFlagged]) -> bool:
    return any(e.category == "help_now" for e in events)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return unicodedata.normalize("NFC", text).strip()


def _command_from_option(option: str | None) -> Command | None:
    try:
        return Command(option) if option is not None else None
    except ValueError:
        return None


def _pending_for(progress: Progress, question_id: str) -> tuple[str, ...]:
    previous = progress.answers.get(question_id)
    return previous if isinstance(previous, tuple) else ()


def _empty_hint(question: Question) -> str:
    if question.kind is QuestionKind.TEXT:
        return N_("I didn't catch anything there. Type your answer whenever you're ready.")
    return N_("Please choose one of the answers, or type its number.")


def _answer_options(question: Question, progress: Progress, _: Gettext) -> tuple[Option, ...]:
    """The answer buttons; after going back, the earlier answer is the selected one."""
    before = progress.answers.get(question.id)
    if question.kind is QuestionKind.MULTI:
        picked = set(progress.pending)
        return tuple(Option(c.id, c.label, selected=c.id in picked) for c in question.choices)
    if question.kind is QuestionKind.CHOICE:
        return tuple(Option(c.id, c.label, selected=c.id == before) for c in question.choices)
    if question.kind is QuestionKind.YESNO:
        return (
            Option("yes", _("Yes"), selected=before in ("yes", True)),
            Option("no", _("No"), selected=before in ("no", False)),
        )
    if question.kind is QuestionKind.SCALE:
        return tuple(
            Option(str(i), label, selected=before == i)
            for i, label in zip(question.scale_values, question.scale_labels, strict=True)
        )
    return ()


def _option_value(question: Question, option: str) -> AnswerValue | None:
    if question.kind is QuestionKind.CHOICE and question.choice(option) is not None:
        return option
    if question.kind is QuestionKind.YESNO and option in ("yes", "no"):
        return option
    if question.kind is QuestionKind.SCALE and option.isascii() and option.isdigit():
        return int(option) if int(option) in question.scale_values else None
    return None


def _parse_typed(question: Question, text: str) -> AnswerValue | _Hint:
    """Understand a typed answer where buttons were offered, or explain kindly."""
    lowered = text.casefold().strip(" .!?")
    if question.kind is QuestionKind.YESNO:
        if lowered in YES_WORDS:
            return "yes"
        if lowered in NO_WORDS:
            return "no"
        return _Hint(N_("Please tap Yes or No."))
    if question.kind is QuestionKind.SCALE:
        return _parse_scale(question, text, lowered)
    if question.kind is QuestionKind.CHOICE:
        found = _match_choice(question, lowered)
        if found is None:
            return _Hint(N_("Please choose one of these, or type its number."))
        return found
    if question.kind is QuestionKind.MULTI:
        parts = [p.strip(" .!?") for p in _SPLIT_RE.split(lowered) if p.strip(" .!?")]
        # "1 3" is "1, 3": numbers may be parted by spaces alone (labels keep theirs)
        parts = [n for p in parts for n in (p.split() if _NUMBERS_RE.fullmatch(p) else [p])]
        chosen = [_match_choice(question, p) for p in parts]
        if not parts or any(c is None for c in chosen):
            return _Hint(N_("Tap the ones that fit, then Done. Or type their numbers, like 1, 3."))
        picked = {c for c in chosen if c is not None}
        return tuple(c.id for c in question.choices if c.id in picked)
    return _Hint(N_("Please choose one of the answers, or type its number."))


def _parse_scale(question: Question, text: str, lowered: str) -> AnswerValue | _Hint:
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", lowered):
        number = float(lowered)
        values = question.scale_values
        if number.is_integer() and int(number) in values:
            return int(number)
        if values == range(1, 6):
            return _Hint(N_("Please pick a number from 1 to 5."))
        if values == range(0, 11):
            return _Hint(N_("Please pick a number from 0 to 10."))
        return _Hint(f"Please pick a number from {values[0]} to {values[-1]}.")
    for i, label in zip(question.scale_values, question.scale_labels, strict=True):
        emoji = label.split(" ", 1)[0]
        words = label.split(" ", 1)[1].casefold() if " " in label else ""
        if text.strip() == emoji or (words and lowered == words):
            return i
    if len(question.scale_values) != 5:
        return _Hint(N_("Please pick a number from 0 to 10."))
    return _Hint(N_("Please pick a number from 1 to 5, or tap a face."))


def _match_choice(question: Question, lowered: str) -> str | None:
    if lowered.isascii() and lowered.isdigit():
        index = int(lowered)
        return question.choices[index - 1].id if 1 <= index <= len(question.choices) else None
    for choice in question.choices:
        if lowered in (choice.id.casefold(), choice.label.casefold().strip(" .!?")):
            return choice.id
    return None


def describe_answer(
    question: Question, value: AnswerValue | None, gettext: Gettext | None = None
) -> str:
    """How an answer reads back to the young person, e.g. "🙂 Good" or "Yes" (`gettext`
    and a localized question for their language)."""
    _ = gettext or gettext_for(None)
    if value is None:
        return _("Skipped")
    if question.kind is QuestionKind.YESNO:
        return _("Yes") if value == "yes" else _("No")
    if question.kind is QuestionKind.SCALE and isinstance(value, int):
        return question.scale_label(value)
    if question.kind is QuestionKind.CHOICE and isinstance(value, str):
        choice = question.choice(value)
        return choice.label if choice else value
    if question.kind is QuestionKind.MULTI and isinstance(value, tuple):
        labels = [c.label for c in question.choices if c.id in value]
        return ", ".join(labels) if labels else _("None of these")
    return str(value)
