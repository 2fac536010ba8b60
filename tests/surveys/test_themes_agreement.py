"""The theme taxonomy agrees with hand-labelled answers on the held-out part: precision at
least 90% and recall at least 85% per theme (`benchmarks/themes_agreement.py` prints the
table; the labelled set and how it was written: tests/data/themes/README.md).

Themes that miss on the held-out part are listed in KNOWN_MISSES with the figure measured,
as strict expected failures: the test says so when one starts to pass, and the taxonomy
must not be tuned on the held-out part to make it pass. FLOORS holds each of them, the
themes just over a threshold and "no theme" (whose precision is not otherwise held) to the
figures measured, so a figure that gets worse fails.
"""

from __future__ import annotations

import pytest

from benchmarks.themes_agreement import (
    MIN_PRECISION,
    MIN_RECALL,
    NO_THEME,
    READINGS,
    Agreement,
    agreement,
    kappa,
    load,
    readings,
)
from surveys.topics import load_topics

# Held-out (1,038): 353 answers written with the first taxonomy and the held-out halves of six
# blind sets (223 and 218 on 6 December 2026, 123 and 121 from the nineteenth and twenty-first
# sets a session later), every blind set written without reading the keywords and split by
# the same hash. Measured after keyword fixes on development misses only and the theme
# model's second opinion (it confirms and adds where topics.yaml says, thresholds chosen by
# the rules in `python -m benchmarks.themes_train --choose` on the blind sets' development
# answers). These themes miss a goal there.
KNOWN_MISSES = {
    "placement_moves": "precision 88.2% (45 right, 6 wrong), recall 78.9% (45 of 57)",
    "family_contact": "precision 88.5% (85 right, 11 wrong)",
    "school": "recall 83.9% (73 of 87)",
    "health_and_feelings": "recall 83.6% (92 of 110)",
    "worker_changes": "recall 78.3% (36 of 46)",
    "house_rules": "precision 83.1% (59 right, 12 wrong), recall 84.3% (59 of 70)",
    "pocket_money_and_things_to_do": "precision 87.3% (48 right, 7 wrong), recall 82.8% (48 of 58)",
}

# Held-out precision and recall as measured for every theme and for "no theme" (76 right,
# 63 wrong: an answer with a theme the keywords miss, or the model vetoes, counts against
# it): none may fall below it. Raise a floor when a figure improves. (The twenty-first set's
# thresholds lowered house rules' precision floor, its `confirm_above` 0.5 -> 0.1, and
# school's recall, 0.1 -> 0.3; see the main README's themes section.) The newest blind
# answers are harder than the rest (micro precision 89.7%, recall 80.3% on the twenty-first
# set's 121; 88.9% and 85.6% on the fifteenth and sixteenth sets' 218): see the main
# README's themes section.
FLOORS = {
    "home_and_carers": (103 / 113, 103 / 116),
    "placement_moves": (45 / 51, 45 / 57),
    "family_contact": (85 / 96, 85 / 88),
    "brothers_and_sisters": (50 / 54, 50 / 50),
    "friends": (60 / 62, 60 / 61),
    "school": (73 / 81, 73 / 87),
    "health_and_feelings": (92 / 99, 92 / 110),
    "social_worker": (90 / 91, 90 / 91),
    "worker_changes": (36 / 37, 36 / 46),
    "iro_and_reviews": (53 / 54, 53 / 54),
    "being_listened_to": (67 / 73, 67 / 75),
    "house_rules": (59 / 71, 59 / 70),
    "pocket_money_and_things_to_do": (48 / 55, 48 / 58),
    "pets": (38 / 42, 38 / 42),
    "advocacy": (42 / 43, 42 / 43),
    "leaving_care_housing": (54 / 58, 54 / 61),
    "leaving_care_money": (58 / 63, 58 / 65),
    "leaving_care_work": (40 / 41, 40 / 45),
    NO_THEME: (76 / 139, 76 / 91),
}


@pytest.fixture(scope="module")
def held_out() -> dict[str, Agreement]:
    answers = [a for a in load() if a.split == "held_out"]
    return {row.theme: row for row in agreement(answers)}


def test_the_labelled_set_is_big_enough_and_split_once() -> None:
    answers = load()
    assert len(answers) >= 300
    parts = {a.split for a in answers}
    assert parts == {"development", "held_out"}
    texts = [a.text.lower() for a in answers]
    assert len(set(texts)) == len(texts)  # no answer in both parts
    held = [a for a in answers if a.split == "held_out"]
    for topic in load_topics():  # every theme has enough held-out answers to measure
        assert sum(topic.key in a.themes for a in held) >= 10, topic.key
    assert sum(not a.themes for a in held) >= 10  # answers with no theme, not "General"


@pytest.mark.parametrize(
    "theme",
    [
        pytest.param(t.key, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[t.key]))
        if t.key in KNOWN_MISSES
        else t.key
        for t in load_topics()
    ],
)
def test_each_theme_meets_the_thresholds_on_the_held_out_part(
    theme: str, held_out: dict[str, Agreement]
) -> None:
    row = held_out[theme]
    assert row.precision >= MIN_PRECISION, f"{theme}: precision {row.precision:.1%}"
    assert row.recall >= MIN_RECALL, f"{theme}: recall {row.recall:.1%}"


def test_no_theme_is_counted_not_labelled(held_out: dict[str, Agreement]) -> None:
    assert NO_THEME in held_out and "general" not in held_out


@pytest.mark.xfail(strict=True, reason="recall 83.5% (76 of 91): 15 with no theme get one")
def test_answers_with_no_theme_are_left_without_one(held_out: dict[str, Agreement]) -> None:
    assert held_out[NO_THEME].recall >= MIN_RECALL


@pytest.mark.parametrize("theme", sorted(FLOORS))
def test_a_measured_figure_does_not_get_worse(theme: str, held_out: dict[str, Agreement]) -> None:
    assert set(KNOWN_MISSES) <= set(FLOORS)
    row = held_out[theme]
    precision, recall = FLOORS[theme]
    assert row.precision >= precision - 1e-9, f"{theme}: precision {row.precision:.1%}"
    assert row.recall >= recall - 1e-9, f"{theme}: recall {row.recall:.1%}"


def test_a_second_labellers_reading_differs_only_where_recorded() -> None:
    held = [a for a in load() if a.split == "held_out"]
    read = readings(held)
    assert [a.text for a in read["first_labeller"]] == [a.text for a in held]
    assert [a.themes for a in read["first_labeller"]] == [a.themes for a in held]
    differ = sum(a.themes != b.themes for a, b in
                 zip(read["first_labeller"], read["second_labeller"], strict=True))
    assert differ == 47  # every row of held_out_second_labeller.csv differs (34 + 13)
    known = {t.key for t in load_topics()}
    assert all(a.themes <= known for r in READINGS for a in read[r])


def test_kappa() -> None:
    assert kappa([True, False, True, False], [True, False, True, False]) == 1.0
    assert kappa([True, True, False, False], [True, False, True, False]) == 0.0
    assert kappa([False] * 4, [False] * 4) == 1.0  # no theme either way: nothing to disagree on
    assert kappa([True, True, True, False], [True, True, False, False]) == pytest.approx(0.5)
