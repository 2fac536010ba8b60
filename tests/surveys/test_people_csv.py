"""People CSV as spreadsheets really save it: encodings, separators, quotes left open."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from surveys.errors import PeopleImportError
from surveys.people import parse_people_csv

TODAY = date(2026, 6, 1)
CSV = (
    "council_ref,cohort,age_band,team,first_name\n"
    "A-1,in_care,13-15,Crewe,Zoë\nA-2,care_leaver,18-21,Macclesfield,José\n"
)


def _names(data: str | bytes) -> list[str | None]:
    return [r.first_name for r in parse_people_csv(data, source="t.csv", today=TODAY)]


@pytest.mark.parametrize(
    "data",
    [
        CSV.encode("utf-8"),
        codecs.BOM_UTF8 + CSV.encode("utf-8"),
        CSV.encode("cp1252"),
        CSV.replace("\n", "\r\n").encode("cp1252"),
        CSV.encode("utf-16"),  # with a byte-order mark, as Excel's "Unicode text"
        CSV.replace(",", "\t").encode("utf-16"),  # ... which is tab-separated
        CSV.encode("utf-16-le"),
        CSV.replace(",", ";").encode("utf-8"),  # Excel in a locale with decimal commas
    ],
    ids=["utf8", "utf8-bom", "cp1252", "cp1252-crlf", "utf16-bom", "utf16-tabs", "utf16le",
         "semicolons"],
)
def test_every_encoding_excel_saves_is_read(data: bytes) -> None:
    assert _names(data) == ["Zoë", "José"]


def test_bytes_that_are_no_text_encoding_are_refused_with_how_to_save() -> None:
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(b"council_ref,cohort\n\x81\x8d\x8f,in_care\n", source="t.csv",
                         today=TODAY)
    assert "CSV UTF-8" in str(caught.value)


def test_an_unterminated_quote_is_refused_not_swallowing_the_next_row() -> None:
    text = ('council_ref,cohort,age_band,first_name\nA-1,in_care,13-15,"Sam\n'
            "A-2,in_care,13-15,Jo\nA-3,in_care,13-15,Ali\n")
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(text, source="t.csv", today=TODAY)
    [fault] = caught.value.faults
    assert fault.line == 2 and "quote" in fault.message and "never closed" in fault.message


def test_a_quote_closed_on_a_later_line_is_refused_at_the_line_it_opened() -> None:
    text = ('council_ref,cohort,age_band,first_name\nA-1,in_care,13-15,"Sam\n'
            'A-2,in_care,13-15,Jo"\nA-3,in_care,13-15,Ali\n')
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(text, source="t.csv", today=TODAY)
    [fault] = caught.value.faults
    assert fault.line == 2 and "swallow line 3" in fault.message


def test_lines_are_counted_in_the_file_even_after_blank_lines() -> None:
    text = "council_ref,cohort,age_band\n\nA-1,in_care,13-15\n\nA-2,nowhere,13-15\n"
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(text, source="t.csv", today=TODAY)
    assert [f.line for f in caught.value.faults] == [5]


def test_a_nul_character_is_a_fault_at_its_line() -> None:
    text = "council_ref,cohort,age_band\nA-1,in_care,13-15\nA-\x002,in_care,13-15\n"
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(text, source="t.csv", today=TODAY)
    assert [(f.line, "NUL" in f.message) for f in caught.value.faults] == [(3, True)]


def test_a_row_with_more_values_than_columns_is_a_fault() -> None:
    text = "council_ref,cohort,age_band\nA-1,in_care,13-15,Crewe, Cheshire\n"
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(text, source="t.csv", today=TODAY)
    assert "needs quotes" in caught.value.faults[0].message
