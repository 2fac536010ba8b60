"""The conversation engine, on its own: no store, no channel."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import reach_texts
from surveys.engine import (
    TYPED_HINTS,
    AnswerRecorded,
    Command,
    Engine,
    PromptKind,
    ResponsePaused,
    ResponseReturned,
    ResponseStarted,
    RiskFlagged,
    SaidMore,
    Step,
    UserInput,
    VisibilityChosen,
    describe_answer,
)
from surveys.loader import load_builtin_surveys, parse_survey
from surveys.model import QuestionKind, Survey
from surveys.progress import Progress, ResponseStatus, progress_from_json, progress_to_json
from surveys.safeguarding import detect_risk
from surveys.safeguarding.detection import MODEL_PHRASE_ID
from tests.factories import small_survey

ENGINE = Engine(help_text=lambda: "HELP: Childline 0800 1111; 999 in an emergency")


@pytest.fixture
def survey() -> Survey:
    return small_survey()


def opened(survey: Survey) -> Step:
    return ENGINE.open_survey(survey, Progress())


def answer(survey: Survey, progress: Progress, **kw: object) -> Step:
    return ENGINE.advance(survey, progress, UserInput(**kw))  # type: ignore[arg-type]


def test_open_shows_intro_info_and_first_question(survey: Survey) -> None:
    step = opened(survey)
    kinds = [p.kind for p in step.prompts]
    assert kinds == [PromptKind.INTRO, PromptKind.INFO, PromptKind.QUESTION]
    assert step.progress.current == "mood"
    assert step.progress.status is ResponseStatus.OPEN
    assert step.events == ()
    question = step.prompts[-1]
    assert [o.id for o in question.options][:5] == ["1", "2", "3", "4", "5"]
    assert question.number == 1 and question.total == 6


def test_first_answer_starts_the_response(survey: Survey) -> None:
    step = answer(survey, opened(survey).progress, option="4", question_id="mood")
    assert isinstance(step.events[0], ResponseStarted)
    assert step.events[1] == AnswerRecorded("mood", 4, None)
    assert step.progress.answers == {"mood": 4}
    assert step.progress.current == "where"


def walk(survey: Survey, *inputs: UserInput) -> Step:
    step = opened(survey)
    for user_input in inputs:
        step = ENGINE.advance(survey, step.progress, user_input)
    return step


def test_whole_survey_returns_with_thanks(survey: Survey) -> None:
    step = walk(
        survey,
        UserInput(option="5", question_id="mood"),
        UserInput(text="2"),  # typed number of a choice
        UserInput(option="carer", question_id="who"),
        UserInput(option="mum", question_id="who"),
        UserInput(option="carer", question_id="who"),  # untick
        UserInput(command=Command.DONE),
        UserInput(text="yeah"),
        UserInput(text="I want to be in charge"),
        UserInput(option="shared", question_id="why_chair"),  # who may read it
        UserInput(text="nothing thanks"),
        UserInput(option="private", question_id="for_iro"),
    )
    assert step.progress.finished
    assert isinstance(step.events[-1], ResponseReturned)
    assert step.prompts[-1].kind is PromptKind.THANKS
    assert step.progress.answers == {
        "mood": 5,
        "where": "school",
        "who": ("mum",),
        "chair": "yes",
        "why_chair": "I want to be in charge",
        "for_iro": "nothing thanks",
    }


def test_show_if_hides_a_question(survey: Survey) -> None:
    step = walk(
        survey,
        UserInput(option="3", question_id="mood"),
        UserInput(option="home", question_id="where"),
        UserInput(command=Command.SKIP),
        UserInput(option="no", question_id="chair"),
    )
    assert step.progress.current == "for_iro"
    assert "who" in step.progress.skipped


def test_back_returns_to_previous_question_and_keeps_answers(survey: Survey) -> None:
    step = walk(survey, UserInput(option="3", question_id="mood"), UserInput(command=Command.BACK))
    assert step.progress.current == "mood"
    assert step.progress.answers == {"mood": 3}
    assert step.events == ()
    again = answer(survey, step.progress, option="1", question_id="mood")
    assert again.progress.answers["mood"] == 1
    assert not any(isinstance(e, ResponseStarted) for e in again.events)


def test_back_at_first_question_is_explained(survey: Survey) -> None:
    step = answer(survey, opened(survey).progress, command=Command.BACK)
    assert step.prompts[0].kind is PromptKind.REPROMPT
    assert "first question" in step.prompts[0].text


def test_required_question_cannot_be_skipped(survey: Survey) -> None:
    step = walk(
        survey,
        UserInput(option="3", question_id="mood"),
        UserInput(option="home", question_id="where"),
        UserInput(command=Command.DONE),
    )
    assert step.progress.current == "chair"
    skip = answer(survey, step.progress, command=Command.SKIP)
    assert skip.progress.current == "chair"
    assert skip.prompts[0].kind is PromptKind.REPROMPT


def test_stop_pauses_and_open_resumes_at_the_same_question(survey: Survey) -> None:
    step = walk(survey, UserInput(option="3", question_id="mood"), UserInput(command=Command.STOP))
    assert isinstance(step.events[0], ResponsePaused)
    assert step.progress.current == "where"
    resumed = ENGINE.open_survey(survey, progress_from_json(progress_to_json(step.progress)))
    assert resumed.prompts[0].kind is PromptKind.NOTICE
    assert resumed.prompts[-1].question_id == "where"


@pytest.mark.parametrize(
    ("question", "given_input", "hint"),
    [
        ("mood", UserInput(text="banana"), "1 to 5"),
        ("mood", UserInput(text="7"), "1 to 5"),
        ("mood", UserInput(text="0"), "1 to 5"),
        ("mood", UserInput(text="-3"), "1 to 5"),
        ("mood", UserInput(text="2.5"), "1 to 5"),
        ("mood", UserInput(text=""), "one of the answers"),
        ("mood", UserInput(text="   "), "one of the answers"),
        ("mood", UserInput(option="9", question_id="mood"), "choose one of these"),
        ("mood", UserInput(option="4", question_id="where"), "earlier question"),
    ],
)
def test_bad_input_gets_a_kind_reprompt(
    survey: Survey, question: str, given_input: UserInput, hint: str
) -> None:
    progress = opened(survey).progress
    assert progress.current == question
    step = ENGINE.advance(survey, progress, given_input)
    assert step.progress == progress
    assert step.events == ()
    assert step.prompts[0].kind is PromptKind.REPROMPT
    assert hint in step.prompts[0].text
    assert step.prompts[-1].question_id == question


def at_text_question(survey: Survey) -> Progress:
    return walk(
        survey,
        UserInput(option="3", question_id="mood"),
        UserInput(option="home", question_id="where"),
        UserInput(command=Command.SKIP),
        UserInput(option="no", question_id="chair"),
    ).progress


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("x" * 10_000, "up to 1,000 characters"),
        ("🙂🙂🙂", "in words"),
        ("", "didn't catch"),
        ("👍 ❤️", "in words"),
    ],
)
def test_text_question_reprompts(survey: Survey, text: str, hint: str) -> None:
    progress = at_text_question(survey)
    step = answer(survey, progress, text=text)
    assert step.progress == progress
    assert hint in step.prompts[0].text


def test_emoji_scale_face_is_understood(survey: Survey) -> None:
    progress = opened(survey).progress
    face = survey.question("mood").scale_labels[3].split(" ")[0]
    step = answer(survey, progress, text=face)
    assert step.progress.answers["mood"] == 4


def test_help_now_works_anywhere_and_raises_an_alert(survey: Survey) -> None:
    progress = opened(survey).progress
    step = answer(survey, progress, text="I need help now")
    assert step.alerts and step.alerts[0].category == "help_now"
    assert step.prompts[0].kind is PromptKind.HELP
    assert "0800 1111" in step.prompts[0].text
    assert step.prompts[-1].kind is PromptKind.CHECK_IN  # not straight on to a question
    assert step.prompts[-1].question_id == "mood"
    assert step.progress == replace(progress, checking_in=True)
    by_button = answer(survey, progress, command=Command.HELP_NOW)
    assert by_button.alerts[0].category == "help_now"


def test_risk_in_free_text_is_flagged_and_the_answer_kept(survey: Survey) -> None:
    progress = at_text_question(survey)
    step = answer(survey, progress, text="he hits me when I get home")
    assert isinstance(step.events[0], RiskFlagged)
    assert any(isinstance(e, AnswerRecorded) for e in step.events)
    assert step.prompts[0].kind is PromptKind.HELP


def test_risk_typed_at_a_button_question_is_still_flagged(survey: Survey) -> None:
    step = answer(survey, opened(survey).progress, text="i want to kill myself")
    assert step.alerts
    assert not any(isinstance(e, AnswerRecorded) for e in step.events)


def test_input_after_finishing_changes_nothing(survey: Survey) -> None:
    done = Progress(status=ResponseStatus.RETURNED)
    step = answer(survey, done, text="hello")
    assert step.progress == done and step.events == ()
    assert "already finished" in step.prompts[0].text


def test_describe_answer(survey: Survey) -> None:
    assert describe_answer(survey.question("chair"), "yes") == "Yes"
    assert describe_answer(survey.question("who"), ("mum", "carer")) == "My carer, My mum"
    assert describe_answer(survey.question("mood"), 5).endswith("Really good")
    assert describe_answer(survey.question("mood"), None) == "Skipped"


def test_every_builtin_survey_can_be_completed() -> None:
    for survey in load_builtin_surveys():
        step = ENGINE.open_survey(survey, Progress())
        for _ in range(100):
            if step.progress.finished:
                break
            prompt = step.prompts[-1]
            if prompt.question_kind is QuestionKind.TEXT:
                step = ENGINE.advance(survey, step.progress, UserInput(text="It's fine"))
            elif prompt.question_kind is QuestionKind.MULTI:
                step = ENGINE.advance(survey, step.progress, UserInput(text="1"))
            else:
                first = prompt.options[0]
                step = ENGINE.advance(
                    survey,
                    step.progress,
                    UserInput(option=first.id, question_id=prompt.question_id),
                )
        assert step.progress.finished, survey.key


inputs = st.one_of(
    st.builds(UserInput, text=st.text(max_size=300)),
    st.builds(UserInput, text=st.sampled_from(["1", "2", "9", "yes", "no", "done", "🙂", ""])),
    st.builds(
        UserInput,
        option=st.sampled_from(["1", "3", "5", "home", "mum", "yes", "no", "x", "done", "skip"]),
        question_id=st.sampled_from([None, "mood", "where", "who", "chair"]),
    ),
    st.builds(UserInput, command=st.sampled_from(list(Command))),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(inputs, max_size=40))
def test_no_sequence_of_inputs_crashes_or_loses_an_answer(sequence: list[UserInput]) -> None:
    survey = small_survey()
    step = opened(survey)
    committed: dict[str, object] = {}
    for user_input in sequence:
        before = step.progress
        step = ENGINE.advance(survey, before, user_input)
        assert step.prompts, "every input gets a reply"
        for event in step.events:
            if isinstance(event, AnswerRecorded):
                if event.value is None:
                    committed.pop(event.question_id, None)
                else:
                    committed[event.question_id] = event.value
        # what was committed is exactly what progress holds (nothing lost, nothing invented)
        assert dict(step.progress.answers) == committed
        assert progress_from_json(progress_to_json(step.progress)) == step.progress
        if step.progress.current is not None:
            assert survey.has_question(step.progress.current)


# ----- after a disclosure: the help stays in view, then "carry on, or stop for now?" ------


def _checking_in(survey: Survey) -> Progress:
    step = answer(survey, opened(survey).progress, text="he hits me when I get home")
    assert [p.kind for p in step.prompts] == [PromptKind.HELP, PromptKind.CHECK_IN]
    assert {o.command for o in step.prompts[-1].options} == {Command.REPEAT, Command.STOP}
    assert step.progress.checking_in
    return step.progress


def test_after_a_disclosure_carry_on_shows_the_next_question(survey: Survey) -> None:
    progress = _checking_in(survey)
    for carry_on in (UserInput(command=Command.REPEAT), UserInput(text="Carry on!")):
        step = ENGINE.advance(survey, progress, carry_on)
        assert step.prompts[-1].kind is PromptKind.QUESTION
        assert step.prompts[-1].question_id == progress.current
        assert not step.progress.checking_in and not step.events


def test_after_a_disclosure_stop_for_now_pauses(survey: Survey) -> None:
    progress = _checking_in(survey)
    for stop in (UserInput(command=Command.STOP), UserInput(text="stop")):
        step = ENGINE.advance(survey, progress, stop)
        assert isinstance(step.events[0], ResponsePaused)
        assert not step.progress.checking_in


def test_more_words_after_a_disclosure_are_kept_not_taken_as_an_answer(survey: Survey) -> None:
    progress = _checking_in(survey)
    step = ENGINE.advance(survey, progress, UserInput(text="hes back at 6"))
    assert step.events == (SaidMore("hes back at 6", progress.current),)
    assert step.progress == progress  # still asked: carry on, or stop?
    assert step.prompts[-1].kind is PromptKind.CHECK_IN
    again = ENGINE.advance(survey, progress, UserInput(text="i want to kill myself"))
    assert again.alerts and again.prompts[0].kind is PromptKind.HELP


def test_more_words_only_the_model_finds_risky_go_with_the_alert_already_raised(
    survey: Survey,
) -> None:
    """Found by an officer: "it happened again on friday. please dont tell him I said",
    after "my carer hits me", became a second alert headed "Self-harm" (the model's guess),
    and the child's request was not with the first alert."""
    words = "it happened again on friday. please dont tell him I said"
    assert [h.phrase_id for h in detect_risk(words)] == [MODEL_PHRASE_ID]  # what it tests
    progress = _checking_in(survey)
    step = ENGINE.advance(survey, progress, UserInput(text=words))
    [said] = step.events
    assert isinstance(said, SaidMore) and (said.text, said.question_id) == (words, progress.current)
    assert [r.phrase_id for r in said.risk] == [MODEL_PHRASE_ID]  # a new alert if none is open
    assert not step.alerts and step.prompts[-1].kind is PromptKind.CHECK_IN


def test_a_bare_number_after_a_disclosure_asks_again_and_adds_nothing(survey: Survey) -> None:
    """A "1" meant for the choice before is not "more words" for the person who reads the
    alert (and the child is not thanked for adding it)."""
    progress = _checking_in(survey)
    for typed in ("1", " 2. ", "!!"):
        step = ENGINE.advance(survey, progress, UserInput(text=typed))
        assert step.events == () and step.progress == progress
        assert [p.kind for p in step.prompts] == [PromptKind.CHECK_IN]
        assert step.prompts[0].text == ENGINE._check_in(progress).text


def test_coming_back_after_a_disclosure_shows_the_question(survey: Survey) -> None:
    progress = _checking_in(survey)
    step = ENGINE.open_survey(survey, progress)
    assert step.prompts[-1].kind is PromptKind.QUESTION and not step.progress.checking_in


def test_a_disclosure_in_the_last_answer_ends_with_help_and_thanks(survey: Survey) -> None:
    step = answer(survey, at_text_question(survey), text="he hits me when I get home")
    assert [p.kind for p in step.prompts] == [PromptKind.HELP, PromptKind.CHECK_IN]
    assert any(isinstance(e, ResponseReturned) for e in step.events)  # the form is back
    step = answer(survey, step.progress, command=Command.REPEAT)  # carry on: who reads it?
    assert step.prompts[-1].text == reach_texts.VISIBILITY_ASK
    step = answer(survey, step.progress, option="private", question_id="for_iro")
    assert [p.kind for p in step.prompts] == [PromptKind.THANKS]
    assert step.progress.finished and not step.progress.checking_in


def test_checking_in_survives_the_store() -> None:
    progress = Progress(current="q", checking_in=True)
    assert progress_from_json(progress_to_json(progress)) == progress
    assert "checking_in" not in progress_to_json(Progress(current="q"))


@pytest.mark.parametrize(
    ("language", "channel", "expected"),
    [
        ("en", "terminal", "Please type a number from 1 to 5."),
        ("cy", "terminal", "Teipia rif o 1 i 5, os gweli di'n dda."),
        ("ar", "terminal", "من فضلك اكتب رقمًا من 1 إلى 5."),
        ("cy", "telegram", "Dewis rif o 1 i 5, neu tapia wyneb, os gweli di'n dda."),
        ("en", None, "Please pick a number from 1 to 5, or tap a face."),
    ],
)
def test_hints_name_the_channel_in_every_language(
    survey: Survey, language: str, channel: str | None, expected: str
) -> None:
    progress = opened(survey).progress
    assert progress.current == "mood"
    engine = ENGINE.speaking(language, channel)
    step = engine.advance(survey, progress, UserInput(text="maybe"))
    assert step.prompts[0].kind is PromptKind.REPROMPT
    assert step.prompts[0].text == expected
    assert set(TYPED_HINTS) <= set(extracted_msgids())  # each is in the catalogues


def extracted_msgids() -> set[str]:
    """The msgids of the template the catalogues are made from."""
    from importlib import resources

    from babel.messages.pofile import read_po

    pot = resources.files("surveys").joinpath("locale", "carevoice.pot")
    with pot.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id and isinstance(m.id, str)}


SAFE_AT_HOME = """
key: safe-at-home
version: 1
title: Safe at home
form: consultation
audience: child
intro: Hello
thanks: Thank you
questions:
  - id: safe_home
    kind: yesno
    text: Do you feel safe where you live?
    alert_if: {equals: "no"}
  - id: how_safe
    kind: scale
    text: How safe do you feel?
    alert_if: {at_most: 2, category: harmed_or_abused}
  - id: more
    kind: text
    text: Anything else?
"""


def test_an_answer_that_is_a_disclosure_raises_an_alert_and_shows_help() -> None:
    survey = parse_survey(SAFE_AT_HOME, "safe.yaml")
    step = answer(survey, opened(survey).progress, option="no", question_id="safe_home")
    assert step.alerts == (RiskFlagged("unsafe", "answer", "safe_home"),)
    assert AnswerRecorded("safe_home", "no", None) in step.events  # the answer is kept too
    assert [p.kind for p in step.prompts] == [PromptKind.HELP, PromptKind.CHECK_IN]
    carried = answer(survey, step.progress, command=Command.REPEAT)
    assert carried.prompts[-1].question_id == "how_safe" and not carried.alerts
    low = answer(survey, carried.progress, option="2", question_id="how_safe")
    assert low.alerts == (RiskFlagged("harmed_or_abused", "answer", "how_safe"),)


def test_an_answer_the_rule_does_not_hold_for_raises_nothing() -> None:
    survey = parse_survey(SAFE_AT_HOME, "safe.yaml")
    step = answer(survey, opened(survey).progress, option="yes", question_id="safe_home")
    assert not step.alerts and step.prompts[-1].question_id == "how_safe"
    step = answer(survey, step.progress, option="3", question_id="how_safe")
    assert not step.alerts and step.prompts[-1].question_id == "more"


def test_the_easy_survey_raises_an_alert_when_a_child_does_not_feel_safe() -> None:
    easy = next(s for s in load_builtin_surveys() if s.key == "review-prep-easy")
    rule = easy.question("safe_home").alert_if
    assert rule is not None and rule.category == "unsafe"
    progress = Progress(current="safe_home")
    step = answer(easy, progress, option="no", question_id="safe_home")
    assert step.alerts and step.prompts[0].kind is PromptKind.HELP


def test_care_leavers_are_given_helplines_an_adult_can_call() -> None:
    from surveys.safeguarding import help_reply

    engine = Engine(help_text=help_reply)
    builtins = {s.key: s for s in load_builtin_surveys()}
    leaver, child = builtins["pathway-plan-review"], builtins["review-prep-child"]
    said = engine.advance(leaver, Progress(), UserInput(command=Command.HELP_NOW)).prompts[0]
    assert said.kind is PromptKind.HELP
    assert "116 123" in said.text and "85258" in said.text and "under 19" in said.text
    assert "999" in said.text and "your PA" in said.text
    young = engine.advance(child, Progress(), UserInput(command=Command.HELP_NOW)).prompts[0]
    assert "0800 1111" in young.text and "116 123" not in young.text
    welsh = engine.speaking("cy").advance(leaver, Progress(), UserInput(command=Command.HELP_NOW))
    assert "116 123" in welsh.prompts[0].text and "Samariaid" in welsh.prompts[0].text


def test_a_care_leaver_is_answered_as_one_on_a_survey_for_all_ages() -> None:
    from surveys.safeguarding import help_reply

    engine = Engine(help_text=help_reply)
    wellbeing = next(s for s in load_builtin_surveys() if s.key == "wellbeing-16plus")
    assert wellbeing.audience != "care_leaver"  # sent to 16-year-olds and 22-year-olds alike
    help_now = UserInput(command=Command.HELP_NOW)
    adult = engine.advance(wellbeing, Progress(leaver=True), help_now).prompts[0]
    assert "116 123" in adult.text and "If you are under 19" in adult.text
    young = engine.advance(wellbeing, Progress(), help_now).prompts[0]
    assert "116 123" not in young.text
    asked = next(q for q in wellbeing.questions if q.kind is QuestionKind.TEXT)
    choosing = Progress(current=asked.id, choosing=True, leaver=True)
    labels = [o.label for o in engine.open_survey(wellbeing, choosing).prompts[-1].options]
    assert "My PA and worker can read this" in labels


def test_words_for_just_the_iro_are_not_asked_who_can_read_them_and_the_iro_can() -> None:
    child = next(s for s in load_builtin_surveys() if s.key == "review-prep-child")
    just_iro = next(q for q in child.questions if q.flag is not None and q.flag.value == "private")
    progress = Progress(current=just_iro.id, private_default=True)  # an under-13's default
    step = answer(child, progress, text="I miss my brother")
    assert AnswerRecorded(just_iro.id, "I miss my brother", "I miss my brother", False) \
        in step.events  # shown to the IRO, not "only counted"
    assert not step.progress.choosing
    assert "Who can read" not in " ".join(p.text for p in step.prompts)


def test_care_leavers_are_asked_whether_their_pa_not_an_iro_may_read_their_words() -> None:
    builtins = {s.key: s for s in load_builtin_surveys()}
    for key, worker in (("pathway-plan-review", "My PA and worker"),
                        ("review-prep-young-person", "My IRO and worker")):
        survey = builtins[key]
        words = next(q for q in survey.questions
                     if q.kind is QuestionKind.TEXT and q.flag is None and not q.show_if)
        step = answer(survey, Progress(current=words.id), text="more help with money")
        labels = [o.label for o in step.prompts[-1].options]
        assert any(label.startswith(worker) for label in labels), (key, labels)
        chosen = answer(survey, step.progress, option="shared", question_id=words.id)
        assert any(isinstance(e, VisibilityChosen) and not e.private for e in chosen.events)


def test_an_answer_of_only_emoji_is_thanked_not_judged_and_asked_for_words(
    survey: Survey,
) -> None:
    step = answer(survey, at_text_question(survey), text="😡😡😡")
    said = " ".join(p.text for p in step.prompts)
    assert "in words" in said and "like the emoji" not in said
    assert not any(isinstance(e, AnswerRecorded) for e in step.events)


def test_question_numbers_count_only_what_this_young_person_is_asked() -> None:
    pathway = next(s for s in load_builtin_surveys() if s.key == "pathway-plan-review")
    step = opened(pathway)
    asked = []
    for said in ("my new flat", "1", "3", "no", "4"):  # "no" to a worry: no follow-up
        question = step.prompts[-1]
        if question.number is not None:  # not "who can read this?"
            asked.append((question.question_id, question.number, question.total))
        step = ENGINE.advance(pathway, step.progress, UserInput(text=said))
    question = step.prompts[-1]
    asked.append((question.question_id, question.number, question.total))
    assert [q for q, _, _ in asked] == [
        "going_well", "housing_feel", "housing_worry", "money_feel", "money_help"
    ]
    assert [n for _, n, _ in asked] == [1, 2, 3, 4, 5]  # no number skipped
    assert [t for _, _, t in asked] == [18, 18, 18, 17, 17]  # the follow-up left out
    back = ENGINE.advance(pathway, step.progress, UserInput(command=Command.BACK))
    assert (back.prompts[-1].question_id, back.prompts[-1].number) == ("money_feel", 4)


@pytest.mark.parametrize("typed", ["yh", "Ya", "okay"])
def test_everyday_yes_words_answer_a_yes_no_question(survey: Survey, typed: str) -> None:
    """Found by a care leaver on Telegram: "yh" got "Please tap Yes or No"."""
    step = ENGINE.open_survey(survey, Progress())
    for user_input in (
        UserInput(option="5", question_id="mood"),
        UserInput(text="2"),
        UserInput(command=Command.SKIP),
        UserInput(text=typed),
    ):
        step = ENGINE.advance(survey, step.progress, user_input)
    assert step.progress.answers["chair"] == "yes"
