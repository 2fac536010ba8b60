"""Survey YAML that would take the server down is refused early and clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.errors import SurveyDefinitionError
from surveys.loader import MAX_SURVEY_BYTES, load_survey, parse_survey

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
DOUBLING = "a0: &a0 [x, x]\n" + "".join(
    f"a{n + 1}: &a{n + 1} [*a{n}, *a{n}]\n" for n in range(30)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 60_000 + "]" * 60_000, "nested more than 20 levels"),
        ("a: " + "{b: " * 5_000 + "1" + "}" * 5_000, "nested more than 20 levels"),
        ("- " * 5_000 + "x", "nested more than 20 levels"),
        (BILLION_LAUGHS, "once aliases are expanded"),
        (DOUBLING, "once aliases are expanded"),
        ("a: &x 1\n" + "".join(f"k{n}: *x\n" for n in range(200)), "more than 100 aliases"),
        ("key: x\n" * (MAX_SURVEY_BYTES // 7 + 1), "a survey definition is at most"),
        ('title: "a\\0b"\n', "NUL character"),
    ],
    ids=["brackets", "braces", "dashes", "billion-laughs", "doubling", "aliases", "size", "nul"],
)
def test_hostile_yaml_is_refused_with_a_clear_fault(text: str, expected: str) -> None:
    with pytest.raises(SurveyDefinitionError) as caught:
        parse_survey(text, "upload")
    assert expected in str(caught.value)


def test_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"[" * 12_000_000)
    with pytest.raises(SurveyDefinitionError, match="12,000,000 bytes"):
        load_survey(path)


def test_a_few_aliases_for_shared_choices_still_work() -> None:
    shared = """
key: shared-choices
version: 1
title: T
form: survey
audience: child
intro: Hi
thanks: Bye
questions:
  - id: a
    kind: choice
    text: A?
    choices: &feelings
      - {id: good, label: Good}
      - {id: bad, label: Bad}
  - id: b
    kind: choice
    text: B?
    choices: *feelings
"""
    survey = parse_survey(shared, "shared")
    assert [c.id for c in survey.questions[1].choices] == ["good", "bad"]

