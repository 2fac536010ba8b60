"""The demo council's young people have first names from the names list, chosen the same
way every time, without changing the rest of the demo (its random draws)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from carevoice import demo
from surveys.insights.redaction import first_names, redact


def test_every_demo_young_person_has_a_first_name_from_the_list() -> None:
    names = set(first_names())
    people = [
        *demo._people(random.Random(7), on=date(2017, 4, 1)),
        *demo._current_people(random.Random(7), date(2026, 1, 5)),
    ]
    assert all(p.first_name in names for p in people)
    assert len({p.first_name for p in people}) > len(people) // 3  # not one name for all
    again = demo._people(random.Random(7), on=date(2017, 4, 1))
    assert [p.first_name for p in again] == [p.first_name for p in people[: len(again)]]


def test_names_draw_nothing_from_the_demos_random_sequence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    named_rng = random.Random(7)
    named = demo._people(named_rng, on=date(2017, 4, 1))
    monkeypatch.setattr(demo, "_first_name", lambda council_ref: None)
    plain_rng = random.Random(7)
    plain = demo._people(plain_rng, on=date(2017, 4, 1))
    assert named_rng.getstate() == plain_rng.getstate()  # the answers that follow are the same
    assert [replace(p, first_name=None) for p in named] == plain


def test_the_names_are_capitalised_names_that_redaction_takes_out() -> None:
    names = first_names()
    assert list(names) == sorted(names) and all(n[0].isupper() for n in names)
    assert "Will" not in names and "Hope" not in names  # names that are also words
    assert redact(f"{names[0]} helped me").startswith("[name]")
