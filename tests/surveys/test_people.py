"""Reading young people from CSV: every bad row reported, nothing half read."""

from __future__ import annotations

from datetime import date

import pytest

from surveys.errors import ImportFault, PeopleImportError, what_needs_fixing
from surveys.people import Cohort, age_band, parse_people_csv, parse_people_rows, wants_easy

TODAY = date(2026, 6, 1)
GOOD = """council_ref,date_of_birth,age_band,cohort,team,next_review_date,first_name
CE/0001,2014-03-02,,in_care,North,2026-07-01,Sam
CE/0002,,16-17,care_leaver,Leaving Care,,
CE/0003,02/03/2012,,In Care,,2026-06-20,Jo
"""


def test_good_file_is_read() -> None:
    people = parse_people_csv(GOOD, source="people.csv", today=TODAY)
    assert [p.council_ref for p in people] == ["CE/0001", "CE/0002", "CE/0003"]
    assert people[0].band_on(TODAY) == "8-12"
    assert people[1].cohort is Cohort.CARE_LEAVER and people[1].age_band == "16-17"
    assert people[2].date_of_birth == date(2012, 3, 2)


def test_every_bad_row_is_reported_at_once() -> None:
    bad = GOOD + (
        "CE/0004,2030-01-01,,in_care,,,\n"
        ",2012-01-01,,in_care,,,\n"
        "CE/0006,not-a-date,,in_care,,,\n"
        "CE/0007,2012-01-01,,fostered,,,\n"
        "CE/0001,2012-01-01,,in_care,,,\n"
        "CE/0009,,,in_care,,,\n"
        "CE/0010,2012-01-01,,in_care,,,Sam Smith 07700900123\n"
    )
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(bad, source="people.csv", today=TODAY)
    message = str(caught.value)
    assert message.startswith("people.csv: nothing imported; 7 rows need fixing")
    for expected in (
        "line 5, date_of_birth: is in the future",
        "line 6, council_ref: is required",
        "line 7, date_of_birth: 'not-a-date' is not a date",
        "line 8, cohort: must be in_care or care_leaver",
        "line 9, council_ref: duplicate of line 2",
        "line 10, date_of_birth: give a date of birth or an age band",
        "line 11, first_name: should be a first name only",
    ):
        assert expected in message


def test_unknown_and_missing_columns() -> None:
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv("ref,surname\nA,B\n", source="x.csv", today=TODAY)
    text = str(caught.value)
    assert "ref: unknown column" in text and "council_ref: required column is missing" in text


def test_empty_file() -> None:
    with pytest.raises(PeopleImportError, match="empty"):
        parse_people_csv("", source="x.csv", today=TODAY)
    with pytest.raises(PeopleImportError, match="no rows"):
        parse_people_csv("council_ref,cohort,age_band\n", source="x.csv", today=TODAY)


def test_json_rows_are_checked_the_same_way() -> None:
    with pytest.raises(PeopleImportError, match="line 1, age_band"):
        parse_people_rows(
            [{"council_ref": "A1", "cohort": "in_care", "age_band": "7-9"}],
            source="json",
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("age", "band"),
    [(8, "8-12"), (12, "8-12"), (13, "13-15"), (16, "16-17"), (18, "18-21"), (25, "22-25")],
)
def test_age_bands(age: int, band: str) -> None:
    assert age_band(age) == band


def test_easy_read_is_a_yes_or_no_column_and_under_8_is_easy_too() -> None:
    text = (
        "council_ref,cohort,age_band,easy_read\n"
        "E-1,in_care,13-15,yes\nE-2,in_care,13-15,\nE-3,in_care,8-12,No\nE-4,in_care,8-12,TRUE\n"
    )
    records = parse_people_csv(text, source="t.csv", today=date(2026, 6, 1))
    assert [r.easy_read for r in records] == [True, False, False, True]
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(
            "council_ref,cohort,age_band,easy_read\nE-5,in_care,8-12,maybe\n",
            source="t.csv", today=date(2026, 6, 1),
        )
    assert "easy_read" in str(caught.value) and "yes or no" in str(caught.value)
    assert wants_easy(False, "under 8") and wants_easy(True, "16-17")
    assert not wants_easy(False, "8-12") and not wants_easy(False, None)


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        ([1], "the header needs fixing"),
        ([2], "1 row needs fixing"),
        ([2, 2, 5], "2 rows need fixing"),
        ([1, 3], "the header and 1 row need fixing"),
        ([1, 1, 3, 4], "the header and 2 rows need fixing"),
    ],
)
def test_what_needs_fixing_names_the_header_apart_from_the_rows(
    lines: list[int], said: str
) -> None:
    assert what_needs_fixing([ImportFault(n, "team", "bad") for n in lines]) == said
