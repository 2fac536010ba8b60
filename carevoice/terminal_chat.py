"""`carevoice chat`: a survey conversation in the terminal, through the same engine."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Final

from rich.console import Console
from rich.markup import escape

from carevoice.wiring import Services
from storage.conversations import PRACTICE_STATUS, Turn
from storage.invitation_codes import code_hash
from storage.tables import PersonRow
from surveys.engine import TYPED_MULTI_HINT, Command, Prompt, PromptKind, UserInput
from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, gettext_for, normalize_language
from surveys.model import QuestionKind


def say(language: str, text: str) -> str:
    return gettext_for(language)(text)

CHANNEL = "terminal"
TYPE_CARRY_ON_OR_STOP = N_("Type “carry on” or “stop”.")
ANSWER_BEFORE = N_("Your answer before: {answer}")
"""Under a question asked again after "back": the words they typed (the web chat puts them
back in the box)."""
CONTROLS = {
    "back": Command.BACK,
    "skip": Command.SKIP,
    "done": Command.DONE,
    "stop": Command.STOP,
    "stop for now": Command.STOP,
    "quit": Command.STOP,
    "carry on": Command.REPEAT,
    "continue": Command.REPEAT,
}
HELP = N_(
    "Type your answer, or the number of a choice. Controls: back, skip, done (after ticking "
    "several), stop (carry on later), language cy (or en, ar: the language I use), "
    "“I need help now” (any time)."
)


PRACTICE_NO_ALERT = (
    "(Practice: with a real young person this would raise a safeguarding alert for the "
    "duty team. None was raised.)"
)


async def run_terminal_chat(
    services: Services,
    *,
    survey_key: str | None,
    code: str | None,
    console: Console,
    read: Callable[[str], str | None],
    language: str | None = None,
) -> None:
    """Talk to the engine until the survey is finished or the person stops; `language`
    (a practice young person's) is the language it speaks, changed with `language cy`."""
    conversations = services.conversations
    # The same code in this terminal again resumes where it stopped.
    address = (
        f"term-{code_hash(code)[:16]}"  # however it is typed
        if code
        else (f"term-{secrets.token_hex(6)}")
    )
    if code:
        turn = await conversations.redeem(code, channel=CHANNEL, address=address)
    else:
        key = survey_key or "review-prep-young-person"
        async with services.db.transaction() as session:
            version = await services.catalog.latest(session, key)
            person = PersonRow(
                council_ref=f"PRACTICE-{address}",
                cohort="in_care",
                age_band="13-15",
                status=PRACTICE_STATUS,
                language=language or DEFAULT_LANGUAGE,
                created_at=services.clock.now(),
            )
            session.add(person)
            await session.flush()
            person_id, version_id = person.id, version.id
        turn = await conversations.begin_practice(
            version_id, person_id, channel=CHANNEL, address=address
        )
    console.print(f"[dim]{say(turn.language, HELP)}[/dim]")
    # Message keys must be unique across runs: the same chat resumed restarts the counter,
    # and a repeated key is taken for a duplicate delivery and dropped.
    run = secrets.token_hex(6)
    counter = 0
    while True:
        _show(turn, console)
        if code is None and any(p.kind is PromptKind.HELP for p in turn.prompts):
            console.print(f"[dim]{PRACTICE_NO_ALERT}[/dim]", highlight=False)
        if turn.finished:
            return
        line = read("[bold]> [/bold]")
        if line is None:
            line = "stop"
        words = line.strip().casefold()
        if words in ("help", "?", "help?", "cymorth"):
            console.print(f"[dim]{say(turn.language, HELP)}[/dim]")
            continue
        asked, _, which = words.partition(" ")
        if asked in ("language", "iaith") and which:
            chosen = normalize_language(which)
            if chosen is None:
                console.print(f"[dim]{', '.join(LANGUAGES)}[/dim]")
                continue
            turn = await conversations.set_language(chosen, channel=CHANNEL, address=address)
            continue
        inputs = _ticks(turn, line) or [_to_input(turn, line)]
        for user_input in inputs:
            counter += 1
            turn = await conversations.handle(
                user_input, channel=CHANNEL, address=address,
                message_key=f"{address}:{run}:{counter}",
            )
        if user_input.command is Command.STOP:
            _show(turn, console)
            return


def _to_input(turn: Turn, line: str) -> UserInput:
    words = line.strip().casefold()
    if words in CONTROLS:
        return UserInput(command=CONTROLS[words])
    question = _question(turn)
    if question is not None and question.options and words.isascii() and words.isdigit():
        answers = [o for o in question.options if o.command is None]
        index = int(words)
        if 1 <= index <= len(answers) and question.question_kind is not None:
            return UserInput(option=answers[index - 1].id, question_id=question.question_id)
    return UserInput(text=line)


_NUMBERS = re.compile(r"\d+(?:\s*[,\s]\s*\d+)*")


def _ticks(turn: Turn, line: str) -> list[UserInput]:
    """On a pick-several question, numbers, however parted (`1 3`, `1, 3`, `2`), tick
    (or untick) those answers; `done` then answers. Nothing when the line is not that."""
    question = _question(turn)
    words = line.strip().strip(".")
    if (question is None or question.question_kind is not QuestionKind.MULTI
            or not _NUMBERS.fullmatch(words)):
        return []
    answers = [o for o in question.options if o.command is None]
    numbers = list(dict.fromkeys(int(n) for n in re.findall(r"\d+", words)))
    if not all(1 <= n <= len(answers) for n in numbers):
        return []  # the engine says how to answer
    return [UserInput(option=answers[n - 1].id, question_id=question.question_id)
            for n in numbers]


def _question(turn: Turn) -> Prompt | None:
    return next((p for p in reversed(turn.prompts) if p.kind is PromptKind.QUESTION), None)


def _show(turn: Turn, console: Console) -> None:
    for prompt in turn.prompts:
        style = {
            PromptKind.HELP: "bold red",
            PromptKind.CHECK_IN: "bold",
            PromptKind.REPROMPT: "yellow",
            PromptKind.THANKS: "green",
        }.get(prompt.kind, "")
        head = f"({prompt.number}/{prompt.total}) " if prompt.number else ""
        said = escape(head + typed(prompt.text))  # "[x]", "[Name]" are words, not markup
        console.print(f"[{style}]{said}[/{style}]" if style else said, highlight=False)
        if prompt.kind is PromptKind.CHECK_IN:
            console.print(
                "   " + say(turn.language, TYPE_CARRY_ON_OR_STOP), highlight=False
            )
        answers = [o for o in prompt.options if o.command is None]
        for i, option in enumerate(answers, 1):
            tick = (
                "[x] "
                if option.selected
                else (
                    "[ ] " if prompt.question_kind and prompt.question_kind.value == "multi" else ""
                )
            )
            console.print(f"   {i}. {tick}{option.label}", highlight=False, markup=False)
        if prompt.kind is PromptKind.QUESTION and isinstance(prompt.previous, str):
            before = say(turn.language, ANSWER_BEFORE).format(answer=prompt.previous)
            console.print(f"   [dim]{escape(before)}[/dim]", highlight=False)
        if (prompt.kind is PromptKind.QUESTION and prompt.question_kind is QuestionKind.MULTI
                and not any(p.kind is PromptKind.REPROMPT for p in turn.prompts)):  # said once
            console.print(f"   [dim]{escape(say(turn.language, TYPED_MULTI_HINT))}[/dim]",
                          highlight=False)


_FOR_A_TERMINAL: Final = (
    # the easy survey's intro (English and Welsh): a picture is picked by its number, and a
    # terminal has no play button to hear the words
    (re.compile(r" ?(?:Tap play to hear the words|Tapia chwarae i glywed y geiriau)\."), ""),
    (re.compile(r"\bTap a picture to answer\b"), "Type the number of a picture to answer"),
    (re.compile(r"\bTapia lun i ateb\b"), "Teipia rif llun i ateb"),
    (re.compile(r"\b([Tt])ap\b"), None),  # any other "tap": "type"
)


def typed(text: str) -> str:
    """Survey words that say "tap" ("Tap a picture to answer"), as a terminal says them:
    "Type the number of a picture to answer", no "Tap play to hear the words", and "type"
    for any other "tap". The engine's own hints already name the channel
    (`Engine.speaking(language, "terminal")`: "type", in every language)."""
    for pattern, instead in _FOR_A_TERMINAL:
        if instead is None:
            text = pattern.sub(lambda m: "Type" if m[1] == "T" else "type", text)
        else:
            text = pattern.sub(instead, text)
    return text
