"""Young people in the store: references that differ only in capitals are refused; what
a subject access page says about who looked."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.people import import_people
from storage.subject_access import looked_by_day
from surveys.clock import FixedClock
from surveys.errors import PeopleImportError
from surveys.people import Cohort, PersonRecord


async def test_a_reference_differing_only_in_capitals_is_refused(
    db: Database, clock: FixedClock
) -> None:
    async with db.transaction() as session:
        await import_people(session, [PersonRecord("AB123", Cohort.IN_CARE, age_band="13-15")],
                            clock)
    for records, line in (
        ([PersonRecord("ab123", Cohort.IN_CARE, age_band="13-15")], 2),
        ([PersonRecord("CD1", Cohort.IN_CARE, age_band="13-15"),
          PersonRecord("cd1", Cohort.IN_CARE, age_band="13-15")], 3),
    ):
        with pytest.raises(PeopleImportError) as raised:
            async with db.transaction() as session:
                await import_people(session, records, clock)
        assert [f.line for f in raised.value.faults] == [line]
        assert "differs only in capitals" in str(raised.value)
    async with db.transaction() as session:  # the same reference again is an update
        done = await import_people(
            session, [PersonRecord("AB123", Cohort.CARE_LEAVER, age_band="18-21")], clock)
    assert (done.added, done.updated) == (0, 1)


def test_who_looked_reads_as_one_line_a_day_for_each_person_and_action() -> None:
    rows = [
        {"at": "2026-12-05T09:00:00+00:00", "who": "Jo", "what": "read messages"},
        {"at": "2026-12-05T09:05:00+00:00", "who": "Jo", "what": "read messages"},
        {"at": "2026-12-05T10:00:00+00:00", "who": "Sam", "what": "read messages"},
        {"at": "2026-12-06T09:00:00+00:00", "who": "Jo", "what": "read messages"},
    ]
    assert [(r["who"], r["times"]) for r in looked_by_day(rows)] == [
        ("Jo", 2), ("Sam", 1), ("Jo", 1)]
