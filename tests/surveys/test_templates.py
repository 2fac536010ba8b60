"""The built-in surveys in `surveys/templates/` load and keep the ids others rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.loader import (
    ID_PATTERN,
    dump_survey_yaml,
    load_builtin_surveys,
    load_survey,
    parse_survey,
    survey_fingerprint,
)
from surveys.model import Audience, Condition, Form, Operator, QuestionKind, Survey, Theme

TEMPLATES = Path(__file__).resolve().parents[2] / "surveys" / "templates"
FILES = sorted(TEMPLATES.glob("*.yaml"))
EXPECTED = {
    "review-prep-child": (Form.CONSULTATION, Audience.CHILD),
    "review-prep-young-person": (Form.CONSULTATION, Audience.YOUNG_PERSON),
    "pathway-plan-review": (Form.CONSULTATION, Audience.CARE_LEAVER),
    "review-feedback": (Form.FEEDBACK, Audience.YOUNG_PERSON),
    "wellbeing-16plus": (Form.WELLBEING, Audience.YOUNG_PERSON),  # 11 and up
    "review-prep-easy": (Form.CONSULTATION, Audience.CHILD),  # 4 to 7, and easy_read
}
PRE_REVIEW = ("review-prep-child", "review-prep-young-person", "pathway-plan-review")


@pytest.fixture(scope="module")
def builtins() -> dict[str, Survey]:
    return {survey.key: survey for survey in load_builtin_surveys()}


def test_every_builtin_loads(builtins: dict[str, Survey]) -> None:
    assert sorted(builtins) == sorted(EXPECTED)
    assert [path.stem for path in FILES] == sorted(EXPECTED)
    for key, (form, audience) in EXPECTED.items():
        survey = builtins[key]
        assert (survey.form, survey.audience) == (form, audience), key
        assert survey.version == 1
        assert survey.anonymous is False


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_template_file_is_sound(path: Path) -> None:
    survey = load_survey(path)
    assert survey.key == path.stem
    answerable = [q for q in survey.questions if q.answerable]
    # short enough for a chat: every young person is asked at most 17, and a few more only
    # after an answer that needs them (a worry's "tell me more", "someone else": who?)
    assert 8 <= len(answerable) <= 20
    assert len([q for q in answerable if not q.show_if]) <= 17
    assert survey.title and survey.intro and survey.thanks
    for question in survey.questions:
        assert ID_PATTERN.fullmatch(question.id), question.id
        assert all(ID_PATTERN.fullmatch(c.id) for c in question.choices), question.id
        # short enough to read in a chat (the ONS wording is kept as published)
        assert len(question.text) <= 250 or question.id.startswith("ons_"), question.id
    assert any(q.sensitive for q in survey.questions)
    if survey.form is not Form.FEEDBACK:  # feedback is all about the review itself
        assert len({q.theme for q in survey.questions}) >= 3
    assert any(q.kind is QuestionKind.SCALE for q in survey.questions)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_template_round_trips(path: Path) -> None:
    survey = load_survey(path)
    again = parse_survey(dump_survey_yaml(survey), f"dumped {path.name}")
    assert again == survey
    assert survey_fingerprint(again) == survey_fingerprint(survey)


def test_builtins_have_distinct_fingerprints(builtins: dict[str, Survey]) -> None:
    assert len({survey_fingerprint(s) for s in builtins.values()}) == len(builtins)


@pytest.mark.parametrize("key", PRE_REVIEW)
def test_pre_review_surveys_ask_about_chairing(builtins: dict[str, Survey], key: str) -> None:
    chair = builtins[key].question("chair")
    assert chair.kind is QuestionKind.YESNO
    assert chair.theme is Theme.REVIEW


@pytest.mark.parametrize("key", ["review-prep-child", "review-prep-young-person"])
def test_review_prep_has_a_private_note_for_the_iro(builtins: dict[str, Survey], key: str) -> None:
    note = builtins[key].question("for_my_iro")
    assert note.kind is QuestionKind.TEXT
    assert note.sensitive is True
    assert "IRO" in note.text


def test_review_prep_child_covers_the_brief(builtins: dict[str, Survey]) -> None:
    survey = builtins["review-prep-child"]
    kinds = {q.id: q.kind for q in survey.questions}
    assert kinds["home_feel"] is kinds["school_feel"] is kinds["family_feel"] is QuestionKind.SCALE
    assert kinds["who_at_meeting"] is QuestionKind.MULTI
    assert kinds["meeting_place"] is QuestionKind.CHOICE
    assert kinds["advocate"] is QuestionKind.YESNO


def test_review_feedback_branches(builtins: dict[str, Survey]) -> None:
    survey = builtins["review-feedback"]
    first = survey.questions[0]
    assert first.kind is QuestionKind.CHOICE
    assert first.text == "Did you go to your review?"
    assert [c.id for c in first.choices] == ["attended", "did_not_attend"]
    went = Condition(first.id, Operator.EQUALS, "attended")
    did_not = Condition(first.id, Operator.EQUALS, "did_not_attend")
    for question_id in ("listened", "understood"):
        question = survey.question(question_id)
        assert question.kind is QuestionKind.YESNO
        assert question.show_if == (went,)
    assert survey.question("why_not_listened").show_if == (
        Condition("listened", Operator.EQUALS, "no"),
    )
    for question_id in ("why_not_go", "someone_explained", "go_next_time"):
        assert survey.question(question_id).show_if == (did_not,)


def test_wellbeing_has_an_overall_scale(builtins: dict[str, Survey]) -> None:
    survey = builtins["wellbeing-16plus"]
    assert survey.question("overall_wellbeing").kind is QuestionKind.SCALE
    scales = [q for q in survey.questions if q.kind is QuestionKind.SCALE]
    assert len(scales) >= 6
    ons = [q for q in scales if q.id.startswith("ons_")]
    assert all(len(q.scale_labels) == 5 for q in scales if q not in ons)
    assert any(q.kind is QuestionKind.TEXT for q in survey.questions)


ONS_WORDING = {
    "ons_life": "Overall, how satisfied are you with your life nowadays?",
    "ons_worthwhile": "Overall, to what extent do you feel that the things you do in your life "
    "are worthwhile?",
    "ons_happy": "Overall, how happy did you feel yesterday?",
    "ons_anxious": 'On a scale where 0 is "not at all anxious" and 10 is "completely anxious", '
    "overall, how anxious did you feel yesterday?",
}


def test_wellbeing_asks_the_ons_questions_first_as_published(builtins: dict[str, Survey]) -> None:
    survey = builtins["wellbeing-16plus"]
    answerable = [q for q in survey.questions if q.answerable]
    assert [q.id for q in answerable[:4]] == list(ONS_WORDING)
    for qid, words in ONS_WORDING.items():
        question = survey.question(qid)
        assert question.text == words
        assert question.kind is QuestionKind.SCALE
        assert question.scale_values == range(0, 11)
    preamble = survey.questions[0]
    assert preamble.kind is QuestionKind.INFO
    assert 'on a scale of 0 to 10, where 0 is "not at all" and 10 is "completely"' in preamble.text
    assert "11 and over" in survey.description


def test_the_easy_survey_has_a_picture_for_every_question_and_option(
    builtins: dict[str, Survey],
) -> None:
    pictures = Path(__file__).resolve().parents[2] / "api" / "static" / "pictures"
    attribution = (pictures / "ATTRIBUTION.md").read_text(encoding="utf-8")
    easy = [s for s in builtins.values() if s.easy]
    assert [s.key for s in easy] == ["review-prep-easy"]
    survey = easy[0]
    assert survey.stands_in_for == ("review-prep-child",)
    assert set(survey.stands_in_for) <= set(builtins)
    for question in survey.questions:
        assert question.picture, question.id
        names = [question.picture, *(c.picture for c in question.choices)]
        for name in names:
            assert name and (pictures / f"{name}.svg").is_file(), (question.id, name)
            assert f"`{name}.svg`" in attribution
    for name in ("face-1", "face-2", "face-3", "face-4", "face-5", "yes", "no"):
        assert (pictures / f"{name}.svg").is_file() and f"`{name}.svg`" in attribution
    assert (pictures / "LICENSE-CC-BY-SA-4.0.txt").is_file()
    assert "CC BY-SA 4.0" in attribution


def test_every_builtin_asks_consent_to_share_quotes() -> None:
    from surveys.model import SHARE_QUOTES_QUESTION, QuestionKind

    for survey in load_builtin_surveys():
        question = survey.question(SHARE_QUOTES_QUESTION)
        assert question.kind is QuestionKind.YESNO and not question.sensitive
