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

# Held-out (1,259): 353 answers written with the first taxonomy, the held-out halves of six
# blind sets (223 and 218 on 6 December 2026, 123 and 121 from the nineteenth and twenty-first
# sets a session later) and the whole twenty-third set (221, measured and never tuned on),
# every blind set written without reading the keywords. Measured after keyword fixes on
# development misses only and the theme model's second opinion (it confirms and adds where
# topics.yaml says, thresholds chosen by the rules in `python -m benchmarks.themes_train
# --choose` on the blind sets' development answers). These themes miss a goal there.
KNOWN_MISSES = {
    "placement_moves": "precision 88.3% (53 right, 7 wrong), recall 80.3% (53 of 66)",
    "family_contact": "precision 88.2% (105 right, 14 wrong)",
    "school": "precision 89.7% (87 right, 10 wrong)",
    "worker_changes": "recall 80.7% (46 of 57)",
    "house_rules": "precision 83.9% (73 right, 14 wrong)",
    "pocket_money_and_things_to_do": "precision 89.4% (59 right, 7 wrong), recall 84.3% (59 of 70)",
}

# Held-out precision and recall as measured for every theme and for "no theme" (87 right,
# 75 wrong: an answer with a theme the keywords miss, or the model vetoes, counts against
# it): none may fall below it. Raise a floor when a figure improves. (The twenty-first set's
# thresholds lowered house rules' precision floor, its `confirm_above` 0.5 -> 0.1; see the
# main README's themes section.) The newest blind answers are harder than the rest (micro
# precision 89.7%, recall 80.3% on the twenty-first set's 121; 88.9% and 85.6% on the
# fifteenth and sixteenth sets' 218; 93.5% and 91.0% on the twenty-third's 221): see the
# main README's themes section.
FLOORS = {
    "home_and_carers": (118 / 129, 118 / 137),
    "placement_moves": (53 / 60, 53 / 66),
    "family_contact": (105 / 119, 105 / 108),
    "brothers_and_sisters": (62 / 66, 62 / 62),
    "friends": (73 / 78, 73 / 74),
    "school": (87 / 97, 87 / 102),
    "health_and_feelings": (123 / 131, 123 / 144),
    "social_worker": (111 / 112, 111 / 113),
    "worker_changes": (46 / 48, 46 / 57),
    "iro_and_reviews": (66 / 67, 66 / 67),
    "being_listened_to": (81 / 87, 81 / 95),
    "house_rules": (73 / 87, 73 / 85),
    "pocket_money_and_things_to_do": (59 / 66, 59 / 70),
    "pets": (48 / 52, 48 / 52),
    "advocacy": (50 / 52, 50 / 51),
    "leaving_care_housing": (79 / 85, 79 / 87),
    "leaving_care_money": (75 / 81, 75 / 87),
    "leaving_care_work": (58 / 60, 58 / 63),
    NO_THEME: (87 / 162, 87 / 103),
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


@pytest.mark.xfail(strict=True, reason="recall 84.5% (87 of 103): 16 with no theme get one")
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
