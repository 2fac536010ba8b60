"""The theme taxonomy agrees with hand-labelled answers on the held-out part: precision at
least 90% and recall at least 85% per theme (`benchmarks/themes_agreement.py` prints the
table; the labelled set and how it was written: tests/data/themes/README.md).

Themes that miss on the held-out part are listed in KNOWN_MISSES with the figure measured,
as strict expected failures: the test says so when one starts to pass, and the taxonomy
must not be tuned on the held-out part to make it pass. SHORTFALL_FLOORS holds each of
them (and "no theme", whose precision is not otherwise held) to the figure measured, so
a shortfall that gets worse fails.
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

# Held-out (353 answers) when the taxonomy was frozen, and the same after issue 13's second
# pass (fresh answers in development, keyword fixes on development misses), the fourth and
# the fifth, sixth and seventh fresh sets. School met the goal after the eighth (90.0%,
# 27 right, 3 wrong; 89.7% before).
KNOWN_MISSES = {
    "home_and_carers": "precision 88.6% (39 right, 5 wrong)",
    "leaving_care_housing": "precision 86.7% (13 right, 2 wrong)",
    "leaving_care_work": "precision 88.2% (15 right, 2 wrong)",
}

# Held-out precision measured for each shortfall above and for "no theme" (34 right,
# 4 wrong since the seventh fresh set; 33 and 5 before the sixth): none may fall below
# it. Raise a floor when a figure improves.
SHORTFALL_FLOORS = {
    "home_and_carers": 39 / 44,
    "school": 27 / 30,
    "leaving_care_housing": 13 / 15,
    "leaving_care_work": 15 / 17,
    NO_THEME: 34 / 38,
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


@pytest.mark.parametrize("theme", sorted(SHORTFALL_FLOORS))
def test_a_known_shortfall_does_not_get_worse(theme: str, held_out: dict[str, Agreement]) -> None:
    assert set(KNOWN_MISSES) <= set(SHORTFALL_FLOORS)
    row = held_out[theme]
    assert row.precision >= SHORTFALL_FLOORS[theme] - 1e-9, f"{theme}: {row.precision:.1%}"
    assert row.recall >= MIN_RECALL, f"{theme}: recall {row.recall:.1%}"


def test_a_second_labellers_reading_differs_only_where_recorded() -> None:
    held = [a for a in load() if a.split == "held_out"]
    read = readings(held)
    assert [a.text for a in read["first_labeller"]] == [a.text for a in held]
    assert [a.themes for a in read["first_labeller"]] == [a.themes for a in held]
    differ = sum(a.themes != b.themes for a, b in
                 zip(read["first_labeller"], read["second_labeller"], strict=True))
    assert differ == 34  # every row of held_out_second_labeller.csv differs
    known = {t.key for t in load_topics()}
    assert all(a.themes <= known for r in READINGS for a in read[r])


def test_kappa() -> None:
    assert kappa([True, False, True, False], [True, False, True, False]) == 1.0
    assert kappa([True, True, False, False], [True, False, True, False]) == 0.0
    assert kappa([False] * 4, [False] * 4) == 1.0  # no theme either way: nothing to disagree on
    assert kappa([True, True, True, False], [True, True, False, False]) == pytest.approx(0.5)
