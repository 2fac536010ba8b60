"""UK financial years and quarters."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.insights.periods import (
    Period,
    PeriodError,
    PeriodKind,
    financial_year,
    financial_year_of,
    parse_period,
    period_containing,
    quarter,
    uk_date,
)


@pytest.mark.parametrize(
    "text", ["2017-18", "2017/18", "2017-2018", "2017/2018", "FY2017-18", "fy 2017-18", " 2017-18 "]
)
def test_year_spellings(text: str) -> None:
    p = parse_period(text)
    assert p.label == "2017-18"
    assert p.kind is PeriodKind.YEAR
    assert (p.start, p.end_exclusive, p.end) == (
        date(2017, 4, 1),
        date(2018, 4, 1),
        date(2018, 3, 31),
    )
    assert p.quarter is None
    assert p.start_year == 2017


@pytest.mark.parametrize(
    "text", ["2017-18 Q1", "2017-18 q1", "2017/18 Q1", "2017-2018 Q1", "FY2017-18 Q1", "2017-18Q1"]
)
def test_quarter_spellings(text: str) -> None:
    p = parse_period(text)
    assert p.label == "2017-18 Q1"
    assert p.kind is PeriodKind.QUARTER
    assert (p.start, p.end_exclusive) == (date(2017, 4, 1), date(2017, 7, 1))


@pytest.mark.parametrize(
    ("q", "start", "end_exclusive"),
    [
        (1, date(2017, 4, 1), date(2017, 7, 1)),
        (2, date(2017, 7, 1), date(2017, 10, 1)),
        (3, date(2017, 10, 1), date(2018, 1, 1)),
        (4, date(2018, 1, 1), date(2018, 4, 1)),
    ],
)
def test_quarter_bounds(q: int, start: date, end_exclusive: date) -> None:
    p = parse_period(f"2017-18 Q{q}")
    assert (p.start, p.end_exclusive, p.quarter) == (start, end_exclusive, q)


def test_q4_is_january_to_march_of_the_second_year() -> None:
    q4 = parse_period("2017-18 Q4")
    assert date(2018, 2, 14) in q4
    assert date(2017, 2, 14) not in q4
    assert q4.end == date(2018, 3, 31)


def test_century_label() -> None:
    assert financial_year(1999).label == "1999-00"
    assert parse_period("1999-00") == parse_period("1999-2000") == financial_year(1999)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2017-19", "consecutive"),
        ("2017-2019", "consecutive"),
        ("2017-17", "consecutive"),
        ("2017-18 Q5", "Q1 to Q4"),
        ("2017-18 Q0", "Q1 to Q4"),
        ("", "write it like"),
        ("2017", "write it like"),
        ("17-18", "write it like"),
        ("Q1 2017-18", "write it like"),
        ("2017-18 quarter one", "write it like"),
    ],
)
def test_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(text)


def test_period_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_period("nonsense")


def test_inconsistent_period_cannot_be_built() -> None:
    with pytest.raises(PeriodError, match="inconsistent"):
        Period("2017-18", date(2017, 1, 1), date(2018, 1, 1), PeriodKind.YEAR)
    with pytest.raises(PeriodError):
        Period("2017/18", date(2017, 4, 1), date(2018, 4, 1), PeriodKind.YEAR)  # not canonical
    with pytest.raises(PeriodError):
        Period("2017-18", date(2017, 4, 1), date(2018, 4, 1), PeriodKind.QUARTER)


def test_previous_and_next() -> None:
    assert parse_period("2017-18").previous().label == "2016-17"
    assert parse_period("2017-18").next().label == "2018-19"
    assert parse_period("2017-18 Q1").previous().label == "2016-17 Q4"
    assert parse_period("2017-18 Q3").previous().label == "2017-18 Q2"
    assert parse_period("2017-18 Q4").next().label == "2018-19 Q1"


def test_quarters_of_a_year() -> None:
    year = parse_period("2017-18")
    qs = year.quarters()
    assert [q.label for q in qs] == [f"2017-18 Q{i}" for i in (1, 2, 3, 4)]
    assert qs[0].start == year.start and qs[-1].end_exclusive == year.end_exclusive
    assert all(a.end_exclusive == b.start for a, b in itertools.pairwise(qs))
    assert qs[2].quarters() == (qs[2],)
    assert qs[2].year == year


def test_constructors_check_input() -> None:
    with pytest.raises(PeriodError):
        quarter(2017, 5)
    with pytest.raises(PeriodError):
        financial_year(0)
    with pytest.raises(PeriodError):
        financial_year(1).previous()


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2018, 3, 31), "2017-18"),
        (date(2018, 4, 1), "2018-19"),
        (date(2017, 4, 1), "2017-18"),
        (date(2018, 1, 1), "2017-18"),
    ],
)
def test_financial_year_of(day: date, label: str) -> None:
    assert financial_year_of(day) == label


def test_period_containing_quarter() -> None:
    assert period_containing(date(2018, 3, 31), "quarter").label == "2017-18 Q4"
    assert period_containing(date(2017, 6, 30), PeriodKind.QUARTER).label == "2017-18 Q1"
    assert period_containing(date(2017, 7, 1), "quarter").label == "2017-18 Q2"
    assert period_containing(date(2017, 12, 31), "quarter").label == "2017-18 Q3"
    with pytest.raises(PeriodError, match="kind"):
        period_containing(date(2017, 7, 1), "month")


def test_datetimes_compare_in_uk_time() -> None:
    # 31 March 2018 23:30 UTC is 00:30 on 1 April in British Summer Time.
    late = datetime(2018, 3, 31, 23, 30, tzinfo=UTC)
    assert uk_date(late) == date(2018, 4, 1)
    assert financial_year_of(late) == "2018-19"
    assert late in parse_period("2018-19")
    assert late not in parse_period("2017-18")
    # Naive datetimes are UTC.
    assert uk_date(datetime(2018, 3, 31, 23, 30)) == date(2018, 4, 1)
    # In winter UK time is UTC.
    assert uk_date(datetime(2018, 1, 1, 0, 30, tzinfo=UTC)) == date(2018, 1, 1)
    # Other zones are converted.
    new_york = timezone(timedelta(hours=-5))
    assert uk_date(datetime(2017, 12, 31, 20, 0, tzinfo=new_york)) == date(2018, 1, 1)


def test_contains_ignores_other_types() -> None:
    assert "2017-06-01" not in parse_period("2017-18")


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(9000, 12, 31)))
def test_every_date_is_in_its_year_and_quarter(day: date) -> None:
    year = period_containing(day)
    q = period_containing(day, "quarter")
    assert day in year and day in q
    assert q.year == year
    assert q in year.quarters()
    assert year.previous().next() == year
    assert q.next().previous() == q
    assert parse_period(q.label) == q


def test_a_year_before_1000_keeps_its_four_digits() -> None:
    """'0100-01' was labelled '100-01', which could not be read back (the API said 422
    to a period it had just accepted)."""
    period = parse_period("0100-01 Q2")
    assert period.label == "0100-01 Q2"
    assert parse_period(period.label) == period
