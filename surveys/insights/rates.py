"""Rates, RAG ratings and direction of travel, read the way a scorecard reads them.

Rates are fractions from 0 to 1; `as_percent` turns one into the whole percentage a board
sees, rounding halves up (194 of 722 is 26.9%, shown as 27%).

    >>> r = rate(194, 722)
    >>> as_percent(r), rag(r, 0.30, Polarity.HIGH_IS_GOOD)
    (27, <Rag.AMBER: 'amber'>)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = [
    "Direction",
    "Polarity",
    "Rag",
    "ScorecardRow",
    "as_percent",
    "build_scorecard_row",
    "clear_change",
    "direction",
    "rag",
    "rate",
]

_EPSILON = 1e-9  # so that 0.30 - 0.05 compares as 0.25 despite binary floats
CLEAR_Z = 1.96
"""How far apart two rates must be, in standard errors, to be called a change (95%)."""


class Polarity(StrEnum):
    """Whether a measure is better high or low; `label` is the scorecard's wording."""

    HIGH_IS_GOOD = "high_is_good"
    LOW_IS_GOOD = "low_is_good"

    @property
    def label(self) -> str:
        """The scorecard's wording: "High is Good" or "Low is Good"."""
        return "High is Good" if self is Polarity.HIGH_IS_GOOD else "Low is Good"

    @classmethod
    def from_text(cls, text: str) -> Polarity:
        """Read "High is Good", "low is good" or "high_is_good"; ValueError otherwise."""
        key = "_".join(text.strip().lower().replace("_", " ").split())
        try:
            return cls(key)
        except ValueError:
            raise ValueError(
                f"unknown polarity {text!r}: use 'High is Good' or 'Low is Good'"
            ) from None


class Rag(StrEnum):
    """Red, amber or green against a target."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class Direction(StrEnum):
    """Direction of travel against the last period, read with the polarity."""

    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


def rate(returned: int, sent: int) -> float | None:
    """`returned / sent` as a fraction, or None when nothing was sent.

    Raises ValueError for negative counts or more returned than sent."""
    if returned < 0 or sent < 0:
        raise ValueError(f"counts cannot be negative: {returned} of {sent}")
    if returned > sent:
        raise ValueError(f"more returned than sent: {returned} of {sent}")
    if sent == 0:
        return None
    return returned / sent


def as_percent(x: float) -> int:
    """A fraction as a whole percentage, halves rounded up: 0.145 -> 15, 194/722 -> 27.

    The float is read by its shortest decimal form, so 29/200 (0.145) is a true half."""
    if not math.isfinite(x):
        raise ValueError(f"not a rate: {x}")
    return int((Decimal(repr(x)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rag(
    value: float | None,
    target: float | None,
    polarity: Polarity,
    amber_margin: float = 0.05,
) -> Rag | None:
    """Green on or better than target, amber within `amber_margin` of it (5 points for
    rates; pass a margin in the measure's own units for counts), red beyond; None when
    the value or target is missing.

    High is good: target 0.30 gives green at 0.30, amber at 0.25 to just under 0.30, red
    below 0.25. Low is good mirrors this above the target."""
    if value is None or target is None:
        return None
    if amber_margin < 0:
        raise ValueError(f"amber_margin cannot be negative: {amber_margin}")
    # `shortfall` is how far the value is on the wrong side of the target.
    shortfall = target - value if polarity is Polarity.HIGH_IS_GOOD else value - target
    if shortfall <= _EPSILON:
        return Rag.GREEN
    if shortfall <= amber_margin + _EPSILON:
        return Rag.AMBER
    return Rag.RED


def clear_change(part: int, whole: int, part_before: int, whole_before: int) -> bool:
    """Whether `part / whole` differs from `part_before / whole_before` by more than chance
    would explain: a two-proportion z-test at 95% (pooled). 8 of 30 forms back against 7 of
    30 is not a change; 160 of 600 against 120 of 600 is.

    >>> clear_change(7, 30, 8, 30), clear_change(160, 600, 120, 600)
    (False, True)
    """
    if min(whole, whole_before) <= 0:
        return False
    pooled = (part + part_before) / (whole + whole_before)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / whole + 1 / whole_before))
    if spread == 0:
        return False  # all or none both times: the same
    return abs(part / whole - part_before / whole_before) / spread >= CLEAR_Z


def direction(
    current: float | None,
    previous: float | None,
    polarity: Polarity,
    tolerance: float = 0.005,
    *,
    clear: bool = True,
) -> Direction | None:
    """Better, worse or the same since the previous period, read with the polarity; None
    when either is missing. The same: a change no bigger than `tolerance` (half a point for
    rates), or one that is not `clear` (`clear_change`: too few forms to tell it from
    chance)."""
    if current is None or previous is None:
        return None
    if tolerance < 0:
        raise ValueError(f"tolerance cannot be negative: {tolerance}")
    change = current - previous
    if abs(change) <= tolerance + _EPSILON or not clear:
        return Direction.SAME
    went_up = change > 0
    return Direction.BETTER if went_up == (polarity is Polarity.HIGH_IS_GOOD) else Direction.WORSE


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    """One row of a board's scorecard. `value` is the figure being rated (normally the
    latest quarter); `rag` compares it with `target`, `direction` with the period before.
    Rates are fractions; counts are plain numbers."""

    ref: str
    measure: str
    polarity: Polarity
    target: float | None
    last_year: float | None
    quarters: tuple[float | None, float | None, float | None, float | None]
    value: float | None
    rag: Rag | None
    direction: Direction | None
    comment: str = ""
    stat_neighbour: float | None = None
    national: float | None = None


def build_scorecard_row(
    ref: str,
    measure: str,
    polarity: Polarity,
    *,
    quarters: Sequence[float | None] = (),
    target: float | None = None,
    last_year: float | None = None,
    value: float | None = None,
    previous: float | None = None,
    comment: str = "",
    stat_neighbour: float | None = None,
    national: float | None = None,
    amber_margin: float = 0.05,
    tolerance: float = 0.005,
    clear: bool = True,
) -> ScorecardRow:
    """A scorecard row with its RAG and direction worked out.

    `quarters` lists Q1 onwards (up to four; missing ones are None). When `value` is not
    given it is the latest quarter reported, and `previous` defaults to the reported
    quarter before it (or `last_year` if there is none). When `value` is given (a year-end
    or year-to-date figure), `previous` defaults to `last_year`. `clear=False` (a move no
    bigger than chance, `clear_change`) makes the direction the same."""
    if len(quarters) > 4:
        raise ValueError(f"a year has four quarters, got {len(quarters)} values")
    given = list(quarters) + [None] * (4 - len(quarters))
    padded = (given[0], given[1], given[2], given[3])
    reported = [i for i, v in enumerate(padded) if v is not None]
    if value is None and reported:
        value = padded[reported[-1]]
        if previous is None and len(reported) > 1:
            previous = padded[reported[-2]]
    if previous is None:
        previous = last_year
    return ScorecardRow(
        ref=ref,
        measure=measure,
        polarity=polarity,
        target=target,
        last_year=last_year,
        quarters=padded,
        value=value,
        rag=rag(value, target, polarity, amber_margin),
        direction=direction(value, previous, polarity, tolerance, clear=clear),
        comment=comment,
        stat_neighbour=stat_neighbour,
        national=national,
    )
