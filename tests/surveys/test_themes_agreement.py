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

# Held-out (794): 353 answers written with the first taxonomy, the held-out halves of two
# blind sets (223, 6 December 2026) and of two more (218, a later session the same day),
# every blind set written without reading the keywords and split by the same hash. Measured
# after keyword fixes on development misses only and the theme model's second opinion (it
# confirms and adds where topics.yaml says, thresholds chosen on the blind sets' development
# answers, the last two of them written to trap it). These themes miss a goal there.
KNOWN_MISSES = {
    "home_and_carers": "recall 83.7% (77 of 92)",
    "placement_moves": "precision 87.5% (35 right, 5 wrong), recall 77.8% (35 of 45)",
    "family_contact": "precision 88.2% (67 right, 9 wrong)",
    "health_and_feelings": "recall 81.8% (63 of 77)",
    "worker_changes": "recall 82.4% (28 of 34)",
    "house_rules": "recall 76.8% (43 of 56)",
    "pocket_money_and_things_to_do": "precision 89.4% (42 right, 5 wrong)",
    "pets": "precision 87.1% (27 right, 4 wrong)",
    "leaving_care_money": "recall 84.8% (39 of 46)",
}

# Held-out precision and recall as measured for every theme and for "no theme" (61 right,
# 56 wrong: an answer with a theme the keywords miss, or the model vetoes, counts against
# it): none may fall below it. Raise a floor when a figure improves. (With the trap sets'
# thresholds some floors were lowered: recall for moving placement, friends, school, health
# and feelings, being listened to, house rules and leaving-care work, pets on both, and
# "no theme" precision; see the main README's themes section.) The 218 newest
# held-out answers are harder than the rest (micro precision 88.1%, recall 85.6% on them;
# 94.4% and 90.0% on the other 576): see the main README's themes section.
FLOORS = {
    "home_and_carers": (77 / 84, 77 / 92),
    "placement_moves": (35 / 40, 35 / 45),
    "family_contact": (67 / 76, 67 / 71),
    "brothers_and_sisters": (37 / 39, 37 / 37),
    "friends": (45 / 46, 45 / 46),
    "school": (57 / 62, 57 / 63),
    "health_and_feelings": (63 / 67, 63 / 77),
    "social_worker": (67 / 68, 67 / 68),
    "worker_changes": (28 / 29, 28 / 34),
    "iro_and_reviews": (39 / 40, 39 / 39),
    "being_listened_to": (45 / 50, 45 / 50),
    "house_rules": (43 / 47, 43 / 56),
    "pocket_money_and_things_to_do": (42 / 47, 42 / 48),
    "pets": (27 / 31, 27 / 31),
    "advocacy": (32 / 32, 32 / 33),
    "leaving_care_housing": (40 / 44, 40 / 45),
    "leaving_care_money": (39 / 42, 39 / 46),
    "leaving_care_work": (27 / 30, 27 / 31),
    NO_THEME: (61 / 117, 61 / 75),
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


@pytest.mark.xfail(strict=True, reason="recall 81.3% (61 of 75): 14 with no theme get one")
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
