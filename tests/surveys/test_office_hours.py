"""Office hours: parsing, bank holidays, British Summer Time, counting office minutes, and
what a young person is told about when a person will read their message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from surveys.office_hours import OfficeHours, OfficeHoursError

HOURS = OfficeHours.parse()  # Mon-Fri 09:00-17:00 Europe/London, England's bank holidays


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (at(2026, 1, 5, 10, 0), "today, before 5pm"),  # Monday morning, in the office
        (at(2026, 1, 5, 7, 0), "today after 9am"),
        (at(2026, 1, 5, 17, 0), "tomorrow after 9am"),  # closing time: closed
        (at(2026, 1, 9, 18, 0), "on Monday after 9am"),  # Friday evening
        (at(2026, 12, 24, 18, 0), "on Tuesday after 9am"),  # Christmas, Boxing Day (Mon 28th)
        (at(2026, 7, 6, 16, 30), "tomorrow after 9am"),  # 17:30 in summer time (BST)
    ],
)
def test_what_a_young_person_is_told(moment: datetime, said: str) -> None:
    assert HOURS.when_read(moment) == said


def test_office_minutes_stop_at_closing_and_skip_weekends_and_bank_holidays() -> None:
    assert HOURS.add_minutes(at(2026, 1, 5, 10, 0), 15) == at(2026, 1, 5, 10, 15)
    assert HOURS.add_minutes(at(2026, 1, 5, 16, 50), 15) == at(2026, 1, 6, 9, 5)
    assert HOURS.add_minutes(at(2026, 1, 9, 18, 30), 15) == at(2026, 1, 12, 9, 15)
    assert HOURS.add_minutes(at(2026, 4, 2, 15, 55), 15) == at(2026, 4, 7, 8, 10)  # Easter, BST
    assert HOURS.is_open(at(2026, 1, 5, 9, 0)) and not HOURS.is_open(at(2026, 1, 1, 10, 0))


def test_other_patterns_and_no_bank_holidays() -> None:
    weekend = OfficeHours.parse("Sat-Sun 10:00-14:30", bank_holidays="none")
    assert weekend.days == frozenset({5, 6})
    assert weekend.when_read(at(2026, 1, 5, 10, 0)) == "on Saturday after 10am"
    assert OfficeHours.parse("mon, wed, fri 8:30-16:00").when_read(
        at(2026, 1, 6, 12, 0)) == "tomorrow after 8:30am"


@pytest.mark.parametrize(
    ("spec", "zone", "area", "problem"),
    [
        ("weekdays", "Europe/London", "ENG", "expected days and times"),
        ("Mon-Fri 17:00-09:00", "Europe/London", "ENG", "closing must come after"),
        ("Mon-Fry 09:00-17:00", "Europe/London", "ENG", "unknown day"),
        ("Mon-Fri 09:00-25:00", "Europe/London", "ENG", "not a time of day"),
        ("Mon-Fri 09:00-17:00", "Mars/Base", "ENG", "unknown time zone"),
        ("Mon-Fri 09:00-17:00", "Europe/London", "FR", "use one of ENG"),
    ],
)
def test_bad_settings_say_what_is_expected(spec: str, zone: str, area: str, problem: str) -> None:
    with pytest.raises(OfficeHoursError, match=problem):
        OfficeHours.parse(spec, zone=zone, bank_holidays=area)
