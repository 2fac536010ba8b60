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

# Held-out: 353 answers written with the first taxonomy, and (6 December 2026) 223 more,
# the held-out halves of two blind sets written without reading the keywords (split by the
# same hash). Measured (6 December 2026, a later session) after keyword fixes on
# development misses, including two more blind sets that went to development, and the theme
# model's second opinion: it
# confirms home and carers, school, leaving-care housing, house rules and being listened to,
# and adds school, changes of worker, being listened to and house rules where the keywords
# miss and it is sure (thresholds chosen on the blind sets' development answers). These
# themes miss a goal there.
KNOWN_MISSES = {
    "placement_moves": "precision 85.7% (30 right, 5 wrong), recall 83.3% (30 of 36)",
    "family_contact": "precision 89.8% (44 right, 5 wrong)",
    "school": "precision 86.0% (43 right, 7 wrong)",
    "health_and_feelings": "recall 84.9% (45 of 53)",
    "being_listened_to": "recall 80.6% (29 of 36)",
    "pocket_money_and_things_to_do": "precision 85.4% (35 right, 6 wrong)",
    "leaving_care_work": "precision 87.0% (20 right, 3 wrong)",
}

# Held-out precision and recall measured for each shortfall above, for the themes the model
# confirms or adds to and the one just over a threshold, and for "no theme" (43 right, 29
# wrong: an answer with a theme the keywords miss, or the model vetoes, counts against it):
# none may fall below it. Raise a floor when a figure improves. (That session lowered four
# floors: precision for school from 41/45, pocket money from 35/40 and being listened to
# from 29/29, and "no theme" recall from 44/49, as changes of worker and house rules rose
# over the goal: see the main README's themes section.)
FLOORS = {
    "placement_moves": (30 / 35, 30 / 36),
    "family_contact": (44 / 49, 44 / 48),
    "school": (43 / 50, 43 / 48),
    "health_and_feelings": (45 / 49, 45 / 53),
    "being_listened_to": (29 / 30, 29 / 36),
    "pocket_money_and_things_to_do": (35 / 41, 35 / 39),
    "leaving_care_work": (20 / 23, 20 / 22),
    "home_and_carers": (53 / 58, 53 / 60),
    "worker_changes": (25 / 27, 25 / 27),
    "house_rules": (40 / 44, 40 / 45),
    "leaving_care_housing": (26 / 27, 26 / 29),
    "leaving_care_money": (27 / 29, 27 / 31),
    NO_THEME: (43 / 72, 43 / 49),
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
