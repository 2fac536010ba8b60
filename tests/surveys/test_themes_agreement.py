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

# Held-out (1,491): 353 answers written with the first taxonomy, the held-out halves of eight
# blind sets (223 and 218 on 6 December 2026, 123, 121, 109 and 123 from the nineteenth,
# twenty-first, twenty-fourth and twenty-sixth sets in later sessions) and the whole
# twenty-third set (221, measured and never tuned on), every blind set written without
# reading the keywords. Measured after keyword fixes on development misses only and the theme
# model's second opinion (it confirms and adds where topics.yaml says, thresholds chosen by
# the rules in `python -m benchmarks.themes_train --choose` on the blind sets' development
# answers). These themes miss a goal there.
KNOWN_MISSES = {
    "home_and_carers": "recall 80.0% (132 of 165)",
    "placement_moves": "precision 87.3% (69 right, 10 wrong)",
    "family_contact": "precision 85.3% (122 right, 21 wrong)",
    "school": "precision 88.1% (104 right, 14 wrong)",
    "being_listened_to": "recall 67.2% (80 of 119)",
    "house_rules": "precision 88.9% (88 right, 11 wrong)",
    "pocket_money_and_things_to_do": "recall 84.3% (75 of 89)",
}

# Held-out precision and recall as measured for every theme and for "no theme" (105 right,
# 84 wrong: an answer with a theme the keywords miss, or the model vetoes, counts against
# it): none may fall below it. Raise a floor when a figure improves. (Thresholds chosen by
# `--choose` have lowered some: the twenty-first set's lowered house rules' precision, the
# twenty-fourth's moving placement's and school's, the twenty-sixth's being listened to's
# recall, and the unweighted model of the same session (its thresholds, chosen again, fell:
# being listened to's recall 80.7% -> 67.2%, family's precision 87.8% -> 85.3%, home and
# carers' recall 83.0% -> 80.0%); see the main README's themes section.) The newest blind
# answers are harder than the rest (micro precision 87.0%, recall 83.6% on the twenty-sixth
# set's 241 as written; 91.0% and 82.7% on the twenty-fourth's 235; 93.5% and 91.0% on the
# twenty-third's 221): see the main README's themes section.
FLOORS = {
    "home_and_carers": (132 / 145, 132 / 165),
    "placement_moves": (69 / 79, 69 / 78),
    "family_contact": (122 / 143, 122 / 126),
    "brothers_and_sisters": (70 / 75, 70 / 70),
    "friends": (86 / 93, 86 / 89),
    "school": (104 / 118, 104 / 121),
    "health_and_feelings": (149 / 159, 149 / 172),
    "social_worker": (126 / 128, 126 / 130),
    "worker_changes": (59 / 62, 59 / 67),
    "iro_and_reviews": (78 / 80, 78 / 79),
    "being_listened_to": (80 / 81, 80 / 119),
    "house_rules": (88 / 99, 88 / 99),
    "pocket_money_and_things_to_do": (75 / 81, 75 / 89),
    "pets": (55 / 61, 55 / 61),
    "advocacy": (60 / 62, 60 / 63),
    "leaving_care_housing": (93 / 98, 93 / 107),
    "leaving_care_money": (88 / 96, 88 / 97),
    "leaving_care_work": (68 / 72, 68 / 75),
    NO_THEME: (105 / 189, 105 / 129),
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


@pytest.mark.xfail(strict=True, reason="recall 81.4% (105 of 129): 24 with no theme get one")
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
