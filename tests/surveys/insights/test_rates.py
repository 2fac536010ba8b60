"""Rates, RAG ratings, direction of travel and scorecard rows."""

from __future__ import annotations

import math

import pytest

from surveys.insights.rates import (
    Direction,
    Polarity,
    Rag,
    ScorecardRow,
    as_percent,
    build_scorecard_row,
    clear_change,
    direction,
    rag,
    rate,
)

HIGH = Polarity.HIGH_IS_GOOD
LOW = Polarity.LOW_IS_GOOD


@pytest.mark.parametrize(
    ("returned", "sent", "percent"),
    [  # Cheshire East IRO annual report 2017-18, recomputed
        (83, 581, 14),
        (89, 823, 11),
        (194, 722, 27),  # printed as 29%: 194/722 is 26.9%
        (171, 592, 29),
        (222, 704, 32),
        (54, 694, 8),
        (25, 274, 9),
        (3, 50, 6),
    ],
)
def test_return_rates(returned: int, sent: int, percent: int) -> None:
    r = rate(returned, sent)
    assert r is not None
    assert as_percent(r) == percent


def test_rate_when_nothing_sent() -> None:
    assert rate(0, 0) is None


@pytest.mark.parametrize(("returned", "sent"), [(-1, 5), (1, -5), (6, 5)])
def test_rate_rejects_impossible_counts(returned: int, sent: int) -> None:
    with pytest.raises(ValueError):
        rate(returned, sent)


@pytest.mark.parametrize(
    ("x", "percent"),
    [(0.0, 0), (1.0, 100), (0.5, 50), (0.145, 15), (29 / 200, 15), (0.125, 13), (0.0449, 4)],
)
def test_as_percent_rounds_half_up(x: float, percent: int) -> None:
    assert as_percent(x) == percent


def test_as_percent_rejects_nan() -> None:
    with pytest.raises(ValueError):
        as_percent(math.nan)


def test_polarity_wording() -> None:
    assert HIGH.label == "High is Good"
    assert LOW.label == "Low is Good"
    assert str(HIGH) == "high_is_good"
    assert Polarity.from_text("High is Good") is HIGH
    assert Polarity.from_text(" low is good ") is LOW
    assert Polarity.from_text("low_is_good") is LOW
    with pytest.raises(ValueError, match="polarity"):
        Polarity.from_text("good")


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (0.30, 0.30, Rag.GREEN),  # exactly at target
        (0.31, 0.30, Rag.GREEN),
        (0.29, 0.30, Rag.AMBER),
        (0.25, 0.30, Rag.AMBER),  # exactly 5 points below
        (0.2499, 0.30, Rag.RED),
        (0.45, 0.50, Rag.AMBER),
        (0.70, 0.75, Rag.AMBER),
        (0.62, 0.75, Rag.RED),  # care leavers attending their Pathway Plan review
        (194 / 722, 0.30, Rag.AMBER),
        (83 / 581, 0.30, Rag.RED),
    ],
)
def test_rag_high_is_good(value: float, target: float, expected: Rag) -> None:
    assert rag(value, target, HIGH) is expected


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (0.10, 0.10, Rag.GREEN),
        (0.05, 0.10, Rag.GREEN),
        (0.12, 0.10, Rag.AMBER),
        (0.15, 0.10, Rag.AMBER),  # exactly 5 points above
        (0.1501, 0.10, Rag.RED),
    ],
)
def test_rag_low_is_good(value: float, target: float, expected: Rag) -> None:
    assert rag(value, target, LOW) is expected


def test_rag_missing_and_custom_margin() -> None:
    assert rag(None, 0.3, HIGH) is None
    assert rag(0.3, None, HIGH) is None
    assert rag(158, 165, HIGH, amber_margin=10) is Rag.AMBER  # counts: margin in own units
    assert rag(150, 165, HIGH, amber_margin=10) is Rag.RED
    assert rag(0.29, 0.30, HIGH, amber_margin=0) is Rag.RED
    with pytest.raises(ValueError):
        rag(0.3, 0.3, HIGH, amber_margin=-0.1)


@pytest.mark.parametrize(
    ("current", "previous", "polarity", "expected"),
    [
        (0.30, 0.25, HIGH, Direction.BETTER),
        (0.25, 0.30, HIGH, Direction.WORSE),
        (0.30, 0.25, LOW, Direction.WORSE),
        (0.25, 0.30, LOW, Direction.BETTER),
        (0.302, 0.30, HIGH, Direction.SAME),
        (0.305, 0.30, HIGH, Direction.SAME),  # exactly the tolerance
        (0.306, 0.30, HIGH, Direction.BETTER),
        (114, 114, LOW, Direction.SAME),
    ],
)
def test_direction(
    current: float, previous: float, polarity: Polarity, expected: Direction
) -> None:
    assert direction(current, previous, polarity) is expected


def test_direction_missing() -> None:
    assert direction(None, 0.3, HIGH) is None
    assert direction(0.3, None, HIGH) is None


def test_scorecard_row_from_quarters() -> None:
    row = build_scorecard_row(
        "P1.2",
        "% cared for children reviews in timescales",
        HIGH,
        quarters=[0.95, 0.96, 0.99, 0.96],
        target=0.98,
        last_year=0.98,
        comment="A slight dip in Q4.",
    )
    assert isinstance(row, ScorecardRow)
    assert row.value == 0.96
    assert row.rag is Rag.AMBER
    assert row.direction is Direction.WORSE  # Q4 against Q3
    assert row.quarters == (0.95, 0.96, 0.99, 0.96)
    assert row.comment == "A slight dip in Q4."


def test_scorecard_row_part_year_and_low_is_good() -> None:
    row = build_scorecard_row(
        "P2.2",
        "Number of cared for children in external foster care",
        LOW,
        quarters=[102, 118],
        target=85,
        amber_margin=10,
        tolerance=0,
    )
    assert row.quarters == (102, 118, None, None)
    assert row.value == 118
    assert row.rag is Rag.RED
    assert row.direction is Direction.WORSE


def test_scorecard_row_first_quarter_compares_with_last_year() -> None:
    row = build_scorecard_row("X", "m", HIGH, quarters=[0.31], target=0.3, last_year=0.14)
    assert row.direction is Direction.BETTER
    assert row.rag is Rag.GREEN


def test_scorecard_row_explicit_value_compares_with_last_year() -> None:
    row = build_scorecard_row(
        "P1.3",
        "% chairing their own reviews",
        HIGH,
        quarters=[0.0],
        value=0.0,
        last_year=0.0275,
    )
    assert row.direction is Direction.WORSE
    assert row.rag is None  # no target


def test_scorecard_row_with_nothing_reported() -> None:
    row = build_scorecard_row("X", "m", HIGH, target=0.5)
    assert row.value is None and row.rag is None and row.direction is None
    assert row.quarters == (None, None, None, None)


def test_scorecard_row_rejects_five_quarters() -> None:
    with pytest.raises(ValueError, match="four"):
        build_scorecard_row("X", "m", HIGH, quarters=[1, 2, 3, 4, 5])


def test_clear_change_is_a_two_proportion_test_at_95_percent() -> None:
    assert not clear_change(7, 30, 8, 30)  # one form fewer of 30
    assert clear_change(160, 600, 120, 600)  # 27% against 20% of 600
    assert not clear_change(0, 0, 5, 10) and not clear_change(5, 10, 0, 0)  # nothing sent
    assert not clear_change(0, 50, 0, 80) and not clear_change(50, 50, 80, 80)  # none or all
    assert clear_change(25, 100, 40, 100) and not clear_change(25, 100, 35, 100)


def test_a_move_that_is_not_clear_is_the_same() -> None:
    assert direction(0.30, 0.20, Polarity.HIGH_IS_GOOD) is Direction.BETTER
    assert direction(0.30, 0.20, Polarity.HIGH_IS_GOOD, clear=False) is Direction.SAME
    row = build_scorecard_row("P1.1", "Returned", Polarity.HIGH_IS_GOOD, quarters=(0.2, 0.3),
                              clear=False)  # fmt: skip
    assert row.direction is Direction.SAME
