"""UK financial years and quarters, the periods a corporate parenting board reads by.

A financial year runs 1 April to 31 March and is written "2017-18"; its quarters are
Q1 April-June, Q2 July-September, Q3 October-December and Q4 January-March (of the
second calendar year). Dates are compared in UK time: use `uk_date` to turn a datetime
into the date a board would say it happened on.

    >>> p = parse_period("2017-18 Q4")
    >>> p.start, p.end_exclusive
    (datetime.date(2018, 1, 1), datetime.date(2018, 4, 1))
    >>> p.previous().label, p.year.label
    ('2017-18 Q3', '2017-18')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from surveys.errors import CarevoiceError

__all__ = [
    "UK_TZ",
    "Period",
    "PeriodError",
    "PeriodKind",
    "financial_year",
    "financial_year_of",
    "parse_period",
    "period_containing",
    "quarter",
    "uk_date",
]

UK_TZ = ZoneInfo("Europe/London")

_FIRST_YEAR = 1
_LAST_YEAR = 9998  # the financial year 9998-99 ends in April 9999, the last `date` year
_QUARTER_MONTHS = {1: (4, 7), 2: (7, 10), 3: (10, 1), 4: (1, 4)}  # (first month, next month)

_PATTERN = re.compile(
    r"""
    (?:FY\s*)?                        # optional "FY" prefix
    (?P<start>\d{4})
    \s*[-/]\s*
    (?P<end>\d{2}|\d{4})
    (?:\s*[-,]?\s*Q(?P<q>\d+))?       # optional quarter, "Q1" or "q1"
    """,
    re.IGNORECASE | re.VERBOSE,
)


class PeriodError(CarevoiceError, ValueError):
    """A period label or date cannot be read as a UK financial year or quarter."""


class PeriodKind(StrEnum):
    """Whether a period is a whole financial year or one quarter of it."""

    YEAR = "year"
    QUARTER = "quarter"


def _year_label(start_year: int) -> str:
    return f"{start_year:04d}-{(start_year + 1) % 100:02d}"


def _check_year(start_year: int) -> None:
    if not _FIRST_YEAR <= start_year <= _LAST_YEAR:
        raise PeriodError(f"financial year starting in {start_year} is out of range")


def _bounds(start_year: int, q: int | None) -> tuple[date, date]:
    if q is None:
        return date(start_year, 4, 1), date(start_year + 1, 4, 1)
    first, after = _QUARTER_MONTHS[q]
    first_year = start_year if q < 4 else start_year + 1
    after_year = start_year + 1 if q >= 3 else start_year
    return date(first_year, first, 1), date(after_year, after, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """A UK financial year ("2017-18") or quarter ("2017-18 Q1"); `end_exclusive` is the
    first day after it. Build one with `parse_period`, `financial_year` or `quarter`; the
    fields are checked against each other, so an inconsistent period cannot exist."""

    label: str
    start: date
    end_exclusive: date
    kind: PeriodKind

    def __post_init__(self) -> None:
        start_year, q = _parse_label(self.label)
        expected_kind = PeriodKind.YEAR if q is None else PeriodKind.QUARTER
        expected = (_label(start_year, q), *_bounds(start_year, q), expected_kind)
        if (self.label, self.start, self.end_exclusive, self.kind) != expected:
            raise PeriodError(
                f"inconsistent period {self.label!r}: expected "
                f"{expected[1]}..{expected[2]} ({expected_kind}), "
                f"got {self.start}..{self.end_exclusive} ({self.kind})"
            )

    def __str__(self) -> str:
        return self.label

    @property
    def start_year(self) -> int:
        """The calendar year the financial year starts in (2017 for "2017-18 Q4")."""
        return _parse_label(self.label)[0]

    @property
    def quarter(self) -> int | None:
        """1 to 4 for a quarter, None for a whole year."""
        return _parse_label(self.label)[1]

    @property
    def end(self) -> date:
        """The last day in the period (31 March for a year)."""
        return date.fromordinal(self.end_exclusive.toordinal() - 1)

    @property
    def year(self) -> Period:
        """The financial year this period is in (itself for a year)."""
        return financial_year(self.start_year)

    def previous(self) -> Period:
        """The period before: last year for a year; for Q1, the previous year's Q4."""
        q = self.quarter
        if q is None:
            return financial_year(self.start_year - 1)
        if q == 1:
            return quarter(self.start_year - 1, 4)
        return quarter(self.start_year, q - 1)

    def next(self) -> Period:
        """The period after: next year for a year; for Q4, the next year's Q1."""
        q = self.quarter
        if q is None:
            return financial_year(self.start_year + 1)
        if q == 4:
            return quarter(self.start_year + 1, 1)
        return quarter(self.start_year, q + 1)

    def quarters(self) -> tuple[Period, ...]:
        """Q1 to Q4 of a year; a quarter gives just itself."""
        if self.kind is PeriodKind.QUARTER:
            return (self,)
        return tuple(quarter(self.start_year, q) for q in (1, 2, 3, 4))

    def __contains__(self, when: object) -> bool:
        """Whether a date (or a datetime, taken in UK time) falls in this period."""
        if isinstance(when, datetime):
            when = uk_date(when)
        if not isinstance(when, date):
            return False
        return self.start <= when < self.end_exclusive


def _label(start_year: int, q: int | None) -> str:
    year = _year_label(start_year)
    return year if q is None else f"{year} Q{q}"


def _parse_label(text: str) -> tuple[int, int | None]:
    """(start year, quarter or None) from a label; raises PeriodError with the reason."""
    cleaned = text.strip()
    match = _PATTERN.fullmatch(cleaned)
    if match is None:
        raise PeriodError(
            f"{text!r} is not a financial year or quarter; write it like '2017-18' or '2017-18 Q1'"
        )
    start_year = int(match["start"])
    end = match["end"]
    expected_end = start_year + 1 if len(end) == 4 else (start_year + 1) % 100
    if int(end) != expected_end:
        raise PeriodError(
            f"{text!r} is not a financial year: it must cover two consecutive years, "
            f"like '{_year_label(start_year)}'"
        )
    _check_year(start_year)
    q_text = match["q"]
    if q_text is None:
        return start_year, None
    q = int(q_text)
    if not 1 <= q <= 4:
        raise PeriodError(f"{text!r} has no quarter Q{q_text}: quarters are Q1 to Q4")
    return start_year, q


def financial_year(start_year: int) -> Period:
    """The financial year starting on 1 April of `start_year`."""
    _check_year(start_year)
    start, end = _bounds(start_year, None)
    return Period(_year_label(start_year), start, end, PeriodKind.YEAR)


def quarter(start_year: int, q: int) -> Period:
    """Quarter `q` (1-4) of the financial year starting in `start_year`."""
    _check_year(start_year)
    if q not in _QUARTER_MONTHS:
        raise PeriodError(f"there is no quarter Q{q}: quarters are Q1 to Q4")
    start, end = _bounds(start_year, q)
    return Period(_label(start_year, q), start, end, PeriodKind.QUARTER)


def parse_period(text: str) -> Period:
    """Read "2017-18", "2017/18", "2017-2018", "FY2017-18" or any of these with " Q1".."Q4"
    (any case). Raises PeriodError, saying what is wrong, for anything else."""
    start_year, q = _parse_label(text)
    return financial_year(start_year) if q is None else quarter(start_year, q)


def uk_date(dt: datetime) -> date:
    """The date in the UK (Europe/London) at `dt`; a naive datetime is taken as UTC."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UK_TZ).date()


def period_containing(when: date | datetime, kind: PeriodKind | str = PeriodKind.YEAR) -> Period:
    """The financial year (kind "year") or quarter (kind "quarter") that `when` falls in;
    a datetime is first turned into its UK date."""
    day = uk_date(when) if isinstance(when, datetime) else when
    try:
        period_kind = PeriodKind(kind)
    except ValueError:
        raise PeriodError(f"unknown period kind {kind!r}: use 'year' or 'quarter'") from None
    start_year = day.year if day.month >= 4 else day.year - 1
    if period_kind is PeriodKind.YEAR:
        return financial_year(start_year)
    return quarter(start_year, (day.month - 4) % 12 // 3 + 1)


def financial_year_of(when: date | datetime) -> str:
    """The label of the financial year `when` falls in, e.g. "2017-18" for 31 March 2018."""
    return period_containing(when, PeriodKind.YEAR).label
