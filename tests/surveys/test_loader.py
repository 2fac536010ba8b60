"""Loading, checking, dumping and fingerprinting survey definitions."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.errors import CarevoiceError, Fault, SurveyDefinitionError
from surveys.loader import (
    dump_survey_yaml,
    load_survey,
    parse_survey,
    survey_fingerprint,
    survey_from_dict,
    survey_to_dict,
)
from surveys.model import (
    DEFAULT_SCALE_LABELS,
    Audience,
    Choice,
    Condition,
    Form,
    Operator,
    QuestionKind,
    Theme,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid.yaml"


def base() -> dict[str, Any]:
    """A small valid survey as plain data, to break one piece at a time."""
    return {
        "key": "small-survey",
        "version": 1,
        "title": "Small",
        "form": "consultation",
        "audience": "child",
        "intro": "Hi",
        "thanks": "Thanks",
        "questions": [
            {
                "id": "went",
                "kind": "choice",
                "text": "Did you go?",
                "choices": [
                    {"id": "attended", "label": "Yes"},
                    {"id": "did_not_attend", "label": "No"},
                ],
            },
            {"id": "listened", "kind": "yesno", "text": "Listened?"},
            {"id": "mood", "kind": "scale", "text": "Mood?"},
            {
                "id": "who",
                "kind": "multi",
                "text": "Who?",
                "choices": [
                    {"id": "carer", "label": "Carer"},
                    {"id": "iro", "label": "IRO"},
                ],
            },
            {"id": "say", "kind": "text", "text": "Say more"},
            {"id": "note", "kind": "info", "text": "A note"},
        ],
    }


def problems(data: dict[str, Any] | str, source: str = "bad.yaml") -> str:
    """The message of the SurveyDefinitionError that loading `data` raises."""
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(SurveyDefinitionError) as caught:
        parse_survey(textwrap.dedent(text), source)
    message = str(caught.value)
    assert message.startswith(f"{source}: ")
    assert "Traceback" not in message
    return message


def add_question(data: dict[str, Any], **question: Any) -> dict[str, Any]:
    data["questions"].append(question)
    return data


# --- a valid file ----------------------------------------------------------------------------


def test_valid_file_maps_to_model() -> None:
    survey = load_survey(VALID)
    assert survey.key == "test-survey"
    assert survey.version == 3
    assert survey.title == "A test survey"  # surrounding space removed
    assert survey.form is Form.FEEDBACK
    assert survey.audience is Audience.YOUNG_PERSON
    assert survey.anonymous is True
    assert survey.description == "For tests only."
    assert survey.intro == "Hello!\nTwo lines."
    assert [q.id for q in survey.questions] == [
        "welcome",
        "went",
        "listened",
        "why_not",
        "mood",
        "mood_low",
        "people",
        "carer_good",
    ]
    went = survey.question("went")
    assert went.kind is QuestionKind.CHOICE
    assert went.choices == (
        Choice("attended", "Yes, I went"),
        Choice("did_not_attend", "No"),
        Choice("not_sure", "Not sure"),
    )
    assert went.skippable is False
    assert went.theme is Theme.REVIEW
    listened = survey.question("listened")
    assert listened.choices == ()
    assert listened.help == "Think about the whole meeting."
    assert listened.show_if == (Condition("went", Operator.EQUALS, "attended"),)
    why_not = survey.question("why_not")
    assert why_not.sensitive is True
    assert why_not.max_length == 500
    assert why_not.show_if == (
        Condition("went", Operator.IN, ("attended", "not_sure")),
        Condition("listened", Operator.EQUALS, "no"),
    )
    mood = survey.question("mood")
    assert mood.scale_labels == ("😞 Awful", "🙁 Meh", "😐 OK", "🙂 Good", "😀 Great")
    # an unquoted yes is read by YAML as true; for a yesno question it means "yes"
    assert mood.show_if == (Condition("listened", Operator.EQUALS, "yes"),)
    assert survey.question("mood_low").show_if == (
        Condition("mood", Operator.AT_MOST, 2),
        Condition("mood", Operator.NOT_IN, (1,)),
    )
    assert survey.question("carer_good").show_if == (
        Condition("people", Operator.INCLUDES, "carer"),
        Condition("why_not", Operator.ANSWERED, False),
        Condition("mood", Operator.EQUALS, 4),
    )
    assert survey.question("carer_good").scale_labels == DEFAULT_SCALE_LABELS


def test_defaults() -> None:
    survey = survey_from_dict(base(), "base")
    say = survey.question("say")
    assert (say.skippable, say.sensitive, say.theme, say.max_length) == (
        True,
        False,
        Theme.GENERAL,
        1000,
    )
    assert say.help is None
    assert survey.question("mood").scale_labels == DEFAULT_SCALE_LABELS
    assert survey.question("listened").choices == ()
    assert survey.anonymous is False
    assert survey.description == ""


def test_loaded_objects_are_frozen() -> None:
    survey = load_survey(VALID)
    question = survey.question("went")
    with pytest.raises(dataclasses.FrozenInstanceError):
        survey.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.text = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.choices[0].label = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        survey.question("listened").show_if[0].value = "x"  # type: ignore[misc]
    assert isinstance(survey.questions, tuple)
    assert isinstance(question.choices, tuple)


def test_json_text_is_read_too() -> None:
    text = json.dumps(base())
    assert parse_survey(text, "stored.json") == survey_from_dict(base(), "base")


# --- round trip and fingerprint --------------------------------------------------------------


def test_dump_and_parse_round_trip() -> None:
    survey = load_survey(VALID)
    text = dump_survey_yaml(survey)
    again = parse_survey(text, "dumped.yaml")
    assert again == survey
    assert dump_survey_yaml(again) == text
    assert "Hello!\n  Two lines." in text  # multi-line text is written as a block


def test_dict_round_trip_through_json() -> None:
    survey = load_survey(VALID)
    stored = json.dumps(survey_to_dict(survey))
    assert survey_from_dict(json.loads(stored), "stored") == survey


def test_fingerprint_changes_with_text() -> None:
    data = base()
    before = survey_fingerprint(survey_from_dict(data, "a"))
    data["questions"][0]["text"] = "Did you go to your review?"
    assert survey_fingerprint(survey_from_dict(data, "b")) != before


def test_fingerprint_changes_with_options_and_order() -> None:
    original = survey_fingerprint(survey_from_dict(base(), "a"))
    data = base()
    data["questions"][0]["choices"][1]["label"] = "Nope"
    assert survey_fingerprint(survey_from_dict(data, "b")) != original
    data = base()
    data["questions"][1], data["questions"][2] = data["questions"][2], data["questions"][1]
    assert survey_fingerprint(survey_from_dict(data, "c")) != original
    data = base()
    data["questions"][4]["sensitive"] = True
    assert survey_fingerprint(survey_from_dict(data, "d")) != original


def test_fingerprint_ignores_key_order_layout_and_explicit_defaults() -> None:
    data = base()
    original = survey_fingerprint(survey_from_dict(data, "a"))
    shuffled = {k: data[k] for k in reversed(list(data))}
    shuffled["questions"] = [{k: q[k] for k in reversed(list(q))} for q in data["questions"]]
    shuffled["questions"][4].update(skippable=True, sensitive=False, theme="general")
    text = yaml.safe_dump(shuffled, sort_keys=False, default_flow_style=True)
    assert survey_fingerprint(parse_survey(text, "b")) == original
    assert len(original) == 64
    int(original, 16)


def test_fingerprint_ignores_the_version_number() -> None:
    data = base()
    original = survey_fingerprint(survey_from_dict(data, "a"))
    data["version"] = 7
    assert survey_fingerprint(survey_from_dict(data, "b")) == original


# --- the error and its message ---------------------------------------------------------------


def test_error_message_format() -> None:
    message = problems(
        """\
        key: small
        version: 1
        title: Small
        form: consultation
        audience: child
        intro: Hi
        thanks: Thanks
        questions:
          - id: went
            kind: choice
            text: Did you go?
            choices:
              - {id: attended, label: "Yes"}
        """,
        source="surveys/templates/small.yaml",
    )
    assert message == (
        "surveys/templates/small.yaml: 1 problem in this survey definition:\n"
        "  - line 12, questions[0].choices: needs at least 2 choices, found 1"
    )


def test_error_is_a_carevoice_error_and_keeps_its_faults() -> None:
    with pytest.raises(CarevoiceError) as caught:
        parse_survey("key: 1", "x.yaml")
    error = caught.value
    assert isinstance(error, SurveyDefinitionError)
    assert error.file == "x.yaml"
    assert all(isinstance(f, Fault) for f in error.faults)
    assert Fault("key", "must be text, not a number (1); put it in quotes", 1) in error.faults
    copied = pickle.loads(pickle.dumps(error))
    assert str(copied) == str(error)


def test_several_faults_are_all_reported_in_line_order() -> None:
    message = problems(
        """\
        key: Bad Key
        version: 0
        title: Small
        form: consulation
        audience: child
        intro: Hi
        qestions: []
        questions:
          - id: a
            kind: scale
            text: A
            labels: [1, 2]
          - id: a
            kind: choice
            text: B
            choices: [{id: x, label: X}, {id: x, label: Y}]
            show_if:
              - {question: a, at_least: 9}
        """
    )
    assert message.startswith("bad.yaml: 9 problems in this survey definition:\n")
    expected = [
        "line 1: missing required key 'thanks'",
        "line 1, key: 'Bad Key' is not valid",
        "line 2, version: must be a whole number from 1 to 1000000, not 0",
        "line 4, form: 'consulation' is not allowed; use one of consultation, feedback, "
        "wellbeing, survey (did you mean 'consultation'?)",
        "line 7: unknown key 'qestions' (did you mean 'questions'?)",
        "line 12, questions[0].labels: must be a list of exactly 5 labels",
        "line 13, questions[1].id: duplicate question id 'a'; first used at questions[0]",
        "line 16, questions[1].choices[1].id: duplicate choice id 'x'",
        # the condition refers to the first 'a', a scale question
        "line 18, questions[1].show_if[0].at_least: 'a' is a scale question: use a whole "
        "number from 1 to 5, not a number (9)",
    ]
    lines = message.splitlines()[1:]
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(f"  - {start}"), (line, start)


# --- each kind of fault ----------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line() -> None:
    message = problems("key: a\ntitle: [unclosed\nversion: 1\n")
    assert "bad.yaml: 1 problem" in message
    assert "line 3" in message or "line 2" in message
    assert "YAML syntax error" in message
    message = problems("key: a\n  bad: indent\n")
    assert "  - line 2: YAML syntax error: mapping values are not allowed here" in message


def test_impossible_yaml_values_are_faults() -> None:
    assert "YAML value cannot be read" in problems("key: 2024-13-45\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- a\n- b\n", "line 1: the top level must be a mapping (key: value lines), not a list"),
        ("just words\n", "the top level must be a mapping (key: value lines), not text"),
    ],
)
def test_top_level_must_be_a_mapping(text: str, expected: str) -> None:
    assert expected in problems(text)


def test_missing_required_keys() -> None:
    data = base()
    del data["title"], data["questions"][0]["text"], data["questions"][1]["kind"]
    del data["questions"][3]["choices"]
    message = problems(data)
    assert ": missing required key 'title'" in message
    assert "questions[0]: missing required key 'text'" in message
    assert "questions[1]: missing required key 'kind'" in message
    assert "questions[3]: missing required key 'choices'" in message


def test_unknown_keys_at_every_level_with_suggestions() -> None:
    data = base()
    data["titel"] = "x"
    data["questions"][0]["sensitve"] = True
    data["questions"][0]["choices"][0]["lable"] = "x"
    data["questions"][1]["show_if"] = [{"question": "went", "equals": "attended", "equal": 1}]
    data["questions"][2]["scale_labels"] = list(DEFAULT_SCALE_LABELS)
    data["questions"][4]["zzz"] = 1
    message = problems(data)
    assert ": unknown key 'titel' (did you mean 'title'?)" in message
    assert "questions[0]: unknown key 'sensitve' (did you mean 'sensitive'?)" in message
    assert "questions[0].choices[0]: unknown key 'lable' (did you mean 'label'?)" in message
    assert "questions[1].show_if[0]: unknown key 'equal' (did you mean 'equals'?)" in message
    assert "questions[2]: unknown key 'scale_labels' (did you mean 'labels'?)" in message
    assert "questions[4]: unknown key 'zzz'; allowed: id, kind, text" in message


def test_keys_of_another_kind_are_explained() -> None:
    data = base()
    data["questions"][1]["choices"] = [{"id": "y", "label": "Y"}, {"id": "n", "label": "N"}]
    data["questions"][4]["labels"] = list(DEFAULT_SCALE_LABELS)
    data["questions"][2]["max_length"] = 10
    message = problems(data)
    assert (
        "questions[1].choices: only choice and multi questions take 'choices', not yesno "
        "questions; the chat offers Yes and No itself"
    ) in message
    assert "questions[4].labels: only scale questions take 'labels', not text" in message
    assert "questions[2].max_length: only text questions take 'max_length'" in message


def test_a_key_given_twice() -> None:
    text = yaml.safe_dump(base(), sort_keys=False).replace("title: Small", "title: A\ntitle: B")
    assert "line 4, title: this key is given twice" in problems(text)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("version",),
            "one",
            "version: must be a whole number from 1 to 1000000, not text ('one')",
        ),
        (("version",), True, "version: must be a whole number from 1 to 1000000, not true/false"),
        (
            ("version",),
            1.5,
            "version: must be a whole number from 1 to 1000000, not a number (1.5)",
        ),
        (("version",), -2, "version: must be a whole number from 1 to 1000000, not -2"),
        (("title",), 12, "title: must be text, not a number (12)"),
        (("title",), "   ", "title: must not be empty"),
        (("intro",), ["a"], "intro: must be text, not a list"),
        (("anonymous",), "maybe", "anonymous: must be true or false, not text ('maybe')"),
        (("questions",), {"id": "x"}, "questions: must be a list of questions, not a mapping"),
        (("questions",), [], "questions: needs at least one question"),
        (("questions", 0), "went", "questions[0]: must be a mapping (id, kind, text...)"),
        (("questions", 0, "skippable"), "no", "questions[0].skippable: must be true or false"),
        (("questions", 0, "choices"), "a, b", "questions[0].choices: must be a list of"),
        (("questions", 0, "choices", 1), "No", "questions[0].choices[1]: must be a mapping"),
        (
            ("questions", 0, "choices", 1, "label"),
            False,
            "must be text, not true/false (false); "
            "YAML reads yes/no/on/off as true/false, so put the word in quotes",
        ),
        (
            ("questions", 1, "show_if"),
            {"question": "went", "equals": "attended"},
            "questions[1].show_if: must be a list of conditions, not a mapping; put '- ' before",
        ),
        (("questions", 1, "show_if"), ["went"], "questions[1].show_if[0]: must be a mapping"),
        (("questions", 2, "labels"), "happy", "questions[2].labels: must be a list of exactly 5"),
        (
            ("questions", 2, "labels"),
            ["a", "b", "c", "d", ""],
            "questions[2].labels[4]: must be non-empty text",
        ),
        (("questions", 4, "help"), 3, "questions[4].help: must be text"),
    ],
)
def test_wrong_types(path: tuple[str | int, ...], value: object, expected: str) -> None:
    data = base()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert expected in problems(data)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("form",),
            "consult",
            "form: 'consult' is not allowed; use one of consultation, "
            "feedback, wellbeing, survey (did you mean 'consultation'?)",
        ),
        (
            ("audience",),
            "kids",
            "audience: 'kids' is not allowed; use one of child, young_person, care_leaver",
        ),
        (("audience",), 3, "audience: a number (3) is not allowed"),
        (
            ("questions", 2, "kind"),
            "scales",
            "questions[2].kind: 'scales' is not allowed; use "
            "one of info, choice, multi, scale, yesno, text (did you mean 'scale'?)",
        ),
        (
            ("questions", 2, "theme"),
            "hom",
            "questions[2].theme: 'hom' is not allowed; use one of home, school",
        ),
    ],
)
def test_bad_enum_values_list_the_allowed_ones(
    path: tuple[str | int, ...], value: object, expected: str
) -> None:
    data = base()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert expected in problems(data)


def test_duplicate_ids() -> None:
    data = base()
    data["questions"][2]["id"] = "went"
    data["questions"][3]["choices"][1]["id"] = "carer"
    data["questions"][3]["choices"][1]["label"] = "carer"
    message = problems(data)
    assert "questions[2].id: duplicate question id 'went'; first used at questions[0]" in message
    assert (
        "questions[3].choices[1].id: duplicate choice id 'carer'; first used at "
        "questions[3].choices[0]"
    ) in message
    assert "questions[3].choices[1].label: duplicate label 'carer'" in message


@pytest.mark.parametrize(("kind", "count"), [("choice", 1), ("multi", 0), ("choice", 0)])
def test_choice_questions_need_two_choices(kind: str, count: int) -> None:
    data = base()
    question = data["questions"][0]
    question["kind"] = kind
    question["choices"] = question["choices"][:count]
    assert f"questions[0].choices: needs at least 2 choices, found {count}" in problems(data)


@pytest.mark.parametrize("count", [0, 4, 6, 10, 12])
def test_scale_labels_must_be_five_or_eleven(count: int) -> None:
    data = base()
    data["questions"][2]["labels"] = [f"label {i}" for i in range(count)]
    assert (
        "questions[2].labels: must be a list of exactly 5 labels (for 1 to 5) or 11 (for 0 "
        f"to 10), not {count}"
    ) in problems(data)


def test_an_eleven_label_scale_runs_from_0_to_10() -> None:
    data = base()
    data["questions"][2]["labels"] = ["0 Not at all", *map(str, range(1, 10)), "10 Completely"]
    survey = survey_from_dict(data, "ok.yaml")
    question = survey.questions[2]
    assert question.scale_values == range(0, 11)
    assert question.scale_label(0) == "0 Not at all"
    assert question.scale_label(10) == "10 Completely"
    assert survey_from_dict(survey_to_dict(survey), "again.yaml") == survey


def test_easy_keys_and_pictures_are_read_and_written_back() -> None:
    data = base()
    data["easy"] = True
    data["stands_in_for"] = ["review-prep-child"]
    data["questions"][0]["picture"] = "home"
    data["questions"][0]["choices"][0]["picture"] = "face-1"
    survey = survey_from_dict(data, "easy.yaml")
    assert survey.easy and survey.stands_in_for == ("review-prep-child",)
    assert survey.questions[0].picture == "home"
    assert survey.questions[0].choices[0].picture == "face-1"
    assert survey_from_dict(survey_to_dict(survey), "again.yaml") == survey
    data["questions"][0]["picture"] = "Not A Name!"
    data["stands_in_for"] = "review-prep-child"
    faults = problems(data)
    assert "questions[0].picture: 'Not A Name!' is not valid" in faults
    assert "stands_in_for: must be a list of survey keys" in faults


def test_surveys_without_the_new_keys_keep_their_fingerprint() -> None:
    plain = survey_to_dict(survey_from_dict(base(), "plain.yaml"))
    assert "easy" not in plain and "stands_in_for" not in plain
    assert all("picture" not in q for q in plain["questions"])


@pytest.mark.parametrize("length", [0, 4001, -1])
def test_text_max_length_range(length: int) -> None:
    data = base()
    data["questions"][4]["max_length"] = length
    expected = f"questions[4].max_length: must be a whole number from 1 to 4000, not {length}"
    assert expected in problems(data)


@pytest.mark.parametrize("length", [1, 4000])
def test_text_max_length_limits_are_allowed(length: int) -> None:
    data = base()
    data["questions"][4]["max_length"] = length
    assert survey_from_dict(data, "ok").question("say").max_length == length


@pytest.mark.parametrize(
    "bad_id", ["Went", "2went", "went-to", "_went", "a" * 32, "went ", "", "wént"]
)
def test_question_and_choice_ids_must_match_the_pattern(bad_id: str) -> None:
    data = base()
    data["questions"][4]["id"] = bad_id
    data["questions"][3]["choices"][0]["id"] = bad_id
    message = problems(data)
    rule = "use 1 to 31 lowercase letters, digits and underscores, starting with a letter"
    assert f"questions[4].id: {bad_id!r} is not valid; {rule}" in message
    assert f"questions[3].choices[0].id: {bad_id!r} is not valid; {rule}" in message


def test_longest_id_is_allowed() -> None:
    data = base()
    data["questions"][4]["id"] = "a" * 31
    assert survey_from_dict(data, "ok").has_question("a" * 31)


def test_unquoted_yes_as_an_id_gets_a_hint() -> None:
    data = base()
    data["questions"][0]["choices"][0]["id"] = True
    assert (
        "questions[0].choices[0].id: must be text, not true/false (true); YAML reads "
        "yes/no/on/off as true/false, so put the word in quotes"
    ) in problems(data)


@pytest.mark.parametrize("bad_key", ["A-survey", "a", "1survey", "my_survey", "a" * 42, "x y"])
def test_survey_key_must_match_the_pattern(bad_key: str) -> None:
    data = base()
    data["key"] = bad_key
    assert f"key: {bad_key!r} is not valid; use 2 to 41 lowercase letters" in problems(data)


def test_show_if_dangling_reference_suggests_a_name() -> None:
    data = base()
    data["questions"][4]["show_if"] = [{"question": "listend", "equals": "yes"}]
    assert (
        "questions[4].show_if[0].question: refers to 'listend', which is not a question in "
        "this survey (did you mean 'listened'?)"
    ) in problems(data)


def test_show_if_forward_reference() -> None:
    data = base()
    data["questions"][1]["show_if"] = [{"question": "say", "answered": True}]
    assert (
        "questions[1].show_if[0].question: refers to 'say', which comes later (questions[4]); "
        "show_if can only look at earlier questions"
    ) in problems(data)


def test_show_if_self_reference() -> None:
    data = base()
    data["questions"][4]["show_if"] = [{"question": "say", "answered": True}]
    message = problems(data)
    assert "questions[4].show_if[0].question: refers to its own question" in message
    assert "loop" not in message


def test_show_if_cycle_is_reported_with_its_path() -> None:
    data = base()
    data["questions"][1]["show_if"] = [{"question": "say", "answered": True}]
    data["questions"][2]["show_if"] = [{"question": "listened", "equals": "yes"}]
    data["questions"][4]["show_if"] = [{"question": "mood", "at_least": 2}]
    message = problems(data)
    assert (
        "questions[1].show_if: show_if makes a loop: listened -> say -> mood -> listened; "
        "each question can only depend on earlier ones"
    ) in message
    assert message.count("makes a loop") == 1


def test_two_separate_cycles_are_both_reported() -> None:
    data = base()
    data["questions"][0]["show_if"] = [{"question": "listened", "equals": "yes"}]
    data["questions"][1]["show_if"] = [{"question": "went", "equals": "attended"}]
    data["questions"][2]["show_if"] = [{"question": "say", "answered": True}]
    data["questions"][4]["show_if"] = [{"question": "mood", "at_most": 3}]
    message = problems(data)
    assert "questions[0].show_if: show_if makes a loop: went -> listened -> went" in message
    assert "questions[2].show_if: show_if makes a loop: mood -> say -> mood" in message


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {"question": "went", "equals": "atended"},
            "show_if[0].equals: 'atended' is not a choice of 'went'; its choices are attended, "
            "did_not_attend (did you mean 'attended'?)",
        ),
        (
            {"question": "went", "in": ["attended", "maybe"]},
            "show_if[0].in[1]: 'maybe' is not a choice of 'went'",
        ),
        (
            {"question": "went", "in": ["attended", "attended"]},
            "show_if[0].in[1]: 'attended' is listed twice",
        ),
        (
            {"question": "went", "in": "attended"},
            "show_if[0].in: needs a list of one or more answers, like [a, b]",
        ),
        ({"question": "went", "not_in": []}, "show_if[0].not_in: needs a list of one or more"),
        (
            {"question": "listened", "equals": "maybe"},
            "show_if[0].equals: 'maybe' is not a choice of 'listened'; its choices are yes, no",
        ),
        (
            {"question": "who", "includes": "teacher"},
            "show_if[0].includes: 'teacher' is not a choice of 'who'; its choices are carer, iro",
        ),
        (
            {"question": "mood", "at_least": 6},
            "show_if[0].at_least: 'mood' is a scale question: use a whole number from 1 to 5, "
            "not a number (6)",
        ),
        ({"question": "mood", "equals": "good"}, "show_if[0].equals: 'mood' is a scale question"),
        ({"question": "mood", "at_most": True}, "show_if[0].at_most: 'mood' is a scale question"),
        (
            {"question": "say", "answered": "yes please"},
            "show_if[0].answered: must be true or false, not text",
        ),
    ],
)
def test_show_if_values_must_fit_the_question(condition: dict[str, Any], expected: str) -> None:
    data = base()
    data["questions"].append(
        {"id": "later", "kind": "text", "text": "Later", "show_if": [condition]}
    )
    assert f"questions[6].{expected}" in problems(data)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {"question": "went", "at_least": 3},
            "'at_least' does not fit 'went', a choice question; use one of equals, in, not_in, "
            "answered",
        ),
        ({"question": "went", "includes": "attended"}, "'includes' does not fit 'went'"),
        (
            {"question": "who", "equals": "carer"},
            "'equals' does not fit 'who', a multi question; use one of includes, answered",
        ),
        (
            {"question": "say", "equals": "hi"},
            "'equals' does not fit 'say', a text question; use one of answered",
        ),
        ({"question": "listened", "at_most": 1}, "'at_most' does not fit 'listened', a yesno"),
    ],
)
def test_show_if_operator_must_fit_the_kind(condition: dict[str, Any], expected: str) -> None:
    data = base()
    add_question(data, id="later", kind="text", text="Later", show_if=[condition])
    operator = next(k for k in condition if k != "question")
    assert f"questions[6].show_if[0].{operator}: {expected}" in problems(data)


def test_show_if_cannot_test_an_info_question() -> None:
    data = base()
    add_question(
        data, id="later", kind="text", text="L", show_if=[{"question": "note", "answered": True}]
    )
    assert (
        "questions[6].show_if[0].question: 'note' is an info message and takes no answer, "
        "so show_if cannot test it"
    ) in problems(data)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"question": "went"}, "show_if[0]: needs one operator: equals, in, not_in, includes"),
        (
            {"question": "went", "equals": "attended", "in": ["attended"]},
            "show_if[0]: has 2 operators (equals, in); give one per condition",
        ),
        ({"equals": "attended"}, "show_if[0]: missing required key 'question'"),
        ({"question": 5, "equals": "attended"}, "show_if[0].question: must be a question id"),
    ],
)
def test_show_if_condition_shape(condition: dict[str, Any], expected: str) -> None:
    data = base()
    data["questions"][4]["show_if"] = [condition]
    assert f"questions[4].{expected}" in problems(data)


def test_a_survey_needs_an_answerable_question() -> None:
    data = base()
    data["questions"] = [data["questions"][5]]
    assert "questions: needs at least one question that takes an answer" in problems(data)


def test_faults_in_stored_data_have_no_line() -> None:
    data = base()
    data["version"] = 0
    with pytest.raises(SurveyDefinitionError) as caught:
        survey_from_dict(data, "stored survey 12")
    assert str(caught.value) == (
        "stored survey 12: 1 problem in this survey definition:\n"
        "  - version: must be a whole number from 1 to 1000000, not 0"
    )


def test_load_survey_reports_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SurveyDefinitionError, match="cannot read the file"):
        load_survey(missing)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"key: \xff\xfe\n")
    with pytest.raises(SurveyDefinitionError, match="not UTF-8 text"):
        load_survey(binary)


def test_load_survey_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("key: x\n", encoding="utf-8")
    with pytest.raises(SurveyDefinitionError) as caught:
        load_survey(path)
    assert caught.value.file == str(path)
    assert str(caught.value).startswith(f"{path}: ")


# --- nothing but SurveyDefinitionError, whatever the input ----------------------------------

KEYS = [
    "key",
    "version",
    "title",
    "form",
    "audience",
    "anonymous",
    "description",
    "intro",
    "thanks",
    "questions",
    "id",
    "kind",
    "text",
    "theme",
    "skippable",
    "sensitive",
    "show_if",
    "help",
    "choices",
    "labels",
    "max_length",
    "label",
    "question",
    "equals",
    "in",
    "not_in",
    "includes",
    "answered",
    "at_least",
    "at_most",
    "went",
    "scale",
    "choice",
    "yes",
    "no",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10),
    st.floats(allow_nan=True),
    st.sampled_from(KEYS),
    st.text(max_size=8),
)
yamlish = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), scalars), inner, max_size=6),
    ),
    max_leaves=40,
)


def only_definition_errors(load: Any) -> None:
    try:
        load()
    except SurveyDefinitionError as error:
        assert error.faults
        str(error)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), yamlish, max_size=12))
def test_random_mappings_raise_only_definition_errors(data: dict[Any, Any]) -> None:
    only_definition_errors(lambda: survey_from_dict(data, "random"))
    only_definition_errors(lambda: parse_survey(yaml.safe_dump(data), "random.yaml"))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_damage_to_a_valid_survey_raises_only_definition_errors(data: st.DataObject) -> None:
    survey = copy.deepcopy(survey_to_dict(load_survey(VALID)))
    target: Any = survey
    while True:
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        step = data.draw(st.sampled_from(keys))
        child = target[step]
        if not isinstance(child, dict | list) or not child or data.draw(st.booleans()):
            target[step] = data.draw(yamlish)
            break
        target = child
    only_definition_errors(lambda: survey_from_dict(survey, "damaged"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"key: -[]{}\n\"'&*!|>#,?%@`\t0x", *KEYS])).map("".join))
def test_random_text_raises_only_definition_errors(text: str) -> None:
    only_definition_errors(lambda: parse_survey(text, "random.yaml"))


# --- alert_if: an answer that is itself a disclosure ------------------------------------------


def _with_alert(question_id: str, rule: object) -> dict[str, Any]:
    data = base()
    for question in data["questions"]:
        if question["id"] == question_id:
            question["alert_if"] = rule
    return data


def test_alert_if_is_read_for_each_kind_it_fits() -> None:
    data = _with_alert("listened", {"equals": False})  # YAML's unquoted no
    data = {**data, "questions": [
        {**q, "alert_if": {"at_most": 2, "category": "harmed_or_abused"}} if q["id"] == "mood"
        else q for q in data["questions"]
    ]}  # fmt: skip
    survey = parse_survey(yaml.safe_dump(data, sort_keys=False), "ok.yaml")
    listened, mood = survey.question("listened").alert_if, survey.question("mood").alert_if
    assert listened is not None and listened.category == "unsafe"
    assert listened.condition == Condition("listened", Operator.EQUALS, "no")
    assert mood is not None and mood.category == "harmed_or_abused"
    assert mood.condition == Condition("mood", Operator.AT_MOST, 2)


@pytest.mark.parametrize(
    ("question_id", "rule", "fault"),
    [
        ("say", {"equals": "x"}, "does not fit a text question; only a choice, yes/no"),
        ("listened", {"equals": "maybe"}, "'maybe' is not a choice of 'listened'"),
        ("mood", {"at_most": 9}, "use a whole number from 1 to 5"),
        ("mood", {"at_most": 2, "category": "sad"}, "must be a safeguarding category"),
        ("mood", {"answered": True}, "needs exactly one operator"),
        ("mood", [{"at_most": 2}], "must be one test on this question's own answer"),
        ("mood", {"at_most": 2, "question": "mood"}, "unknown key 'question'"),
    ],
)
def test_a_wrong_alert_if_is_a_clear_fault(question_id: str, rule: object, fault: str) -> None:
    assert fault in problems(_with_alert(question_id, rule))


def test_a_file_that_is_not_yaml_is_not_said_back_whole(tmp_path: Path) -> None:
    """`carevoice surveys validate /etc/passwd` printed the whole file inside its one fault."""
    path = tmp_path / "passwd"
    path.write_text("".join(f"user{i}:x:{i}:{i}::/home/user{i}:/bin/sh " for i in range(200)))
    with pytest.raises(SurveyDefinitionError) as caught:
        load_survey(path)
    said = str(caught.value)
    assert "the top level must be a mapping" in said and "user0:x:0" in said
    assert "user199" not in said and len(said) < 300, said
