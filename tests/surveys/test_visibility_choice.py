"""After their own words a young person chooses who may read them; and "not now"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from surveys import reach_texts
from surveys.engine import (
    PRIVATE,
    SHARED,
    AnswerRecorded,
    Command,
    Engine,
    PromptKind,
    ResponseDeclined,
    UserInput,
    VisibilityChosen,
)
from surveys.model import Survey
from surveys.people import words_private_by_default
from surveys.progress import Progress, progress_from_json, progress_to_json
from tests.factories import small_survey

ENGINE = Engine(help_text=lambda: "HELP")


def at_why_chair(survey: Survey, *, private_default: bool = False) -> Progress:
    step = ENGINE.open_survey(survey, Progress(private_default=private_default))
    for user_input in (
        UserInput(option="4", question_id="mood"),
        UserInput(text="1"),
        UserInput(command=Command.SKIP),
        UserInput(text="yes"),
    ):
        step = ENGINE.advance(survey, step.progress, user_input)
    assert step.progress.current == "why_chair"
    return step.progress


@pytest.mark.parametrize("private_default", [False, True])
def test_words_are_stored_with_the_default_then_the_choice_is_asked(
    private_default: bool,
) -> None:
    survey = small_survey()
    step = ENGINE.advance(survey, at_why_chair(survey, private_default=private_default),
                          UserInput(text="I want to be heard"))
    assert AnswerRecorded("why_chair", "I want to be heard", "I want to be heard",
                          private_default) in step.events
    asked = step.prompts[-1]
    assert asked.kind is PromptKind.QUESTION and asked.question_id == "why_chair"
    assert asked.text == reach_texts.VISIBILITY_ASK
    assert "we will still act" in asked.text  # safety overrides privacy, said plainly
    chosen = {o.id: o.selected for o in asked.options if o.command is None}
    assert chosen == {SHARED: not private_default, PRIVATE: private_default}
    assert step.progress.choosing and step.progress.current == "why_chair"


@pytest.mark.parametrize(("typed", "asked"), [
    ("no", False), ("nah thats it", False), ("Not sure.", False), ("n/a", False),
    ("bullying", True), ("no one listens", True),
])
def test_who_may_read_it_is_not_asked_of_words_that_say_nothing(typed: str, asked: bool) -> None:
    """Found by a care leaver on Telegram: "Who can read what you just wrote?" after every
    typed "no" and "nah thats it"."""
    survey = small_survey()
    step = ENGINE.advance(survey, at_why_chair(survey), UserInput(text=typed))
    assert step.progress.choosing is asked, typed
    assert step.progress.current == ("why_chair" if asked else "for_iro")


@pytest.mark.parametrize(("said", "private"), [
    (UserInput(option=PRIVATE, question_id="why_chair"), True),
    (UserInput(option=SHARED, question_id="why_chair"), False),
    (UserInput(text="2"), True),
    (UserInput(text="only count it"), True),
    (UserInput(text="My IRO and worker can read this"), False),
])
def test_the_choice_is_recorded_and_the_survey_goes_on(said: UserInput, private: bool) -> None:
    survey = small_survey()
    progress = ENGINE.advance(survey, at_why_chair(survey), UserInput(text="words")).progress
    step = ENGINE.advance(survey, progress, said)
    assert VisibilityChosen("why_chair", private) in step.events
    assert step.progress.current == "for_iro" and not step.progress.choosing


def test_other_words_at_the_choice_get_a_kind_hint_and_the_choice_again() -> None:
    survey = small_survey()
    progress = ENGINE.advance(survey, at_why_chair(survey), UserInput(text="words")).progress
    step = ENGINE.advance(survey, progress, UserInput(text="what?"))
    assert step.events == ()
    assert step.prompts[0].text == reach_texts.VISIBILITY_HINT
    assert step.prompts[-1].text == reach_texts.VISIBILITY_ASK


def test_back_skip_and_stop_at_the_choice() -> None:
    survey = small_survey()
    progress = ENGINE.advance(survey, at_why_chair(survey), UserInput(text="words")).progress
    back = ENGINE.advance(survey, progress, UserInput(command=Command.BACK))
    assert back.progress.current == "why_chair" and not back.progress.choosing
    assert back.prompts[-1].allow_text  # the question again, to change the words
    skipped = ENGINE.advance(survey, progress, UserInput(command=Command.SKIP))
    assert skipped.events == () and skipped.progress.current == "for_iro"  # default kept
    stopped = ENGINE.advance(survey, progress, UserInput(command=Command.STOP))
    stored = progress_from_json(progress_to_json(stopped.progress))
    assert stored.choosing
    again = ENGINE.open_survey(survey, stored)  # coming back: the choice, not the words
    assert again.prompts[-1].text == reach_texts.VISIBILITY_ASK


def test_skipping_a_text_question_asks_nothing_more() -> None:
    survey = small_survey()
    step = ENGINE.advance(survey, at_why_chair(survey), UserInput(command=Command.SKIP))
    assert step.progress.current == "for_iro" and not step.progress.choosing


def test_the_last_words_return_the_form_before_the_choice() -> None:
    survey = small_survey()
    progress = ENGINE.advance(survey, at_why_chair(survey), UserInput(text="words")).progress
    progress = ENGINE.advance(survey, progress, UserInput(option=SHARED)).progress
    step = ENGINE.advance(survey, progress, UserInput(text="last words"))
    assert any(type(e).__name__ == "ResponseReturned" for e in step.events)
    assert not step.progress.finished  # still asked who may read them
    done = ENGINE.advance(survey, step.progress, UserInput(option=PRIVATE))
    assert done.progress.finished and done.prompts[-1].kind is PromptKind.THANKS


def test_not_now_is_offered_before_the_first_answer_and_stops_chasing() -> None:
    survey = small_survey()
    opened = ENGINE.open_survey(survey, Progress())
    commands = [o.command for o in opened.prompts[-1].options if o.command]
    assert Command.NOT_NOW in commands
    step = ENGINE.advance(survey, opened.progress, UserInput(command=Command.NOT_NOW))
    assert step.events == (ResponseDeclined(),)
    assert step.prompts[-1].text == reach_texts.NOT_NOW_REPLY
    answered = ENGINE.advance(survey, opened.progress, UserInput(option="4", question_id="mood"))
    assert Command.NOT_NOW not in [o.command for o in answered.prompts[-1].options]
    assert replace(step.progress, pending=()) == step.progress


@pytest.mark.parametrize(("born", "band", "private"), [
    (date(2014, 1, 6), None, True),  # 11
    (date(2013, 1, 5), None, False),  # 13 today
    (date(2013, 1, 6), None, True),  # 12, 13 tomorrow
    (None, "8-12", True),
    (None, "under 8", True),
    (None, "13-15", False),
    (None, "18-21", False),
    (None, None, True),  # age unknown: the most private
])
def test_under_13s_start_with_their_words_only_counted(
    born: date | None, band: str | None, private: bool
) -> None:
    assert words_private_by_default(born, band, date(2026, 1, 5)) is private
