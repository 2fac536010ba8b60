"""Comparators: figures other councils or the nation published, read from a CSV.

A board asks "how do we compare?" (Middlesbrough's board: "5 children out of how
many?"). A comparator is one published figure: what it measures, who published it (the
area), the year, the value, and where it was published (the source, which is required:
a figure without its source is not evidence). Columns:

    measure     required  what it measures, as a key: `return_rate:FORM:AUDIENCE` (a
                          return rate, e.g. `return_rate:consultation:child`), `scorecard:REF`
                          (a scorecard row, e.g. `scorecard:P1.4`), or any other key in
                          lower case (letters, digits, `_`, `:`, `.`, `-`), then with a label
    label               what it measures in words (defaults from the measure)
    unit                `rate` (default), `score` or `number`
    area        required  who the figure is about: "Cheshire East", "England", ...
    area_type           `council` (default), `neighbours` (statistical neighbours),
                          `region` or `national`
    year        required  a financial year `2017-18` or a calendar year `2019`
    value       required  a rate as `14%` or `0.14`; a score or number as written
    source      required  the publication: who, what, when
    url                 a link to it (http or https)
    note                anything a reader should know ("printed as 29%; 194 of 722")

Every bad row is reported with its line and column, and nothing is loaded unless every
row is good.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from surveys.data_files import builtin_text
from surveys.errors import CarevoiceError, ImportFault, PeopleImportError, what_needs_fixing
from surveys.people import decode_csv

__all__ = [
    "AREA_TYPES",
    "COLUMNS",
    "UNITS",
    "Comparator",
    "ComparatorImportError",
    "measure_label",
    "parse_comparators_csv",
    "published_comparators",
]

COLUMNS: Final = ("measure", "label", "unit", "area", "area_type", "year", "value", "source",
                  "url", "note")  # fmt: skip
REQUIRED: Final = ("measure", "area", "year", "value", "source")
UNITS: Final = ("rate", "score", "number")
AREA_TYPES: Final = ("council", "neighbours", "region", "national")
LIMITS: Final = {"measure": 80, "label": 200, "area": 120, "source": 500, "url": 500,
                 "note": 500}  # fmt: skip
_MEASURE = re.compile(r"[a-z0-9][a-z0-9_:.\-]*")
_FINANCIAL = re.compile(r"(\d{4})-(\d{2})")
_CALENDAR = re.compile(r"\d{4}")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")

FORM_WORDS: Final = {
    "consultation": "consultation forms",
    "feedback": "feedback forms",
    "feedback_not_attended": "feedback forms (did not attend)",
    "wellbeing": "wellbeing check-ins",
    "survey": "surveys",
    "all": "all forms",
}
AUDIENCE_WORDS: Final = {
    "child": "children and young people",
    "young_person": "young people",
    "care_leaver": "care leavers",
    "parent": "parents",
    "carer": "carers",
    "health": "health",
    "education": "education",
    "professional": "other professionals",
    "parent_of_care_leaver": "parents of care leavers",
    "all": "everyone",
}


class ComparatorImportError(CarevoiceError):
    """A comparators CSV had bad rows; nothing was loaded."""

    def __init__(self, source: str, faults: Sequence[ImportFault]) -> None:
        self.source = source
        self.faults = list(faults)
        super().__init__(source, self.faults)

    def __str__(self) -> str:
        lines = [f"{self.source}: nothing loaded; {what_needs_fixing(self.faults)}:"]
        lines.extend(f"  - {fault}" for fault in self.faults)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Comparator:
    """One published figure. A rate is a fraction (0.14 for 14%)."""

    measure: str
    label: str
    unit: str
    area: str
    area_type: str
    year: str
    value: float
    source: str
    url: str | None = None
    note: str | None = None


def measure_label(measure: str) -> str:
    """Words for a measure key: `return_rate:consultation:child` is "Return rate:
    consultation forms, children and young people"."""
    parts = measure.split(":")
    if parts[0] == "return_rate" and len(parts) == 3:
        form = FORM_WORDS.get(parts[1], parts[1].replace("_", " "))
        audience = AUDIENCE_WORDS.get(parts[2], parts[2].replace("_", " "))
        return f"Return rate: {form}, {audience}"
    if parts[0] == "scorecard" and len(parts) == 2:
        return f"Scorecard {parts[1]}"
    return measure.replace("_", " ").replace(":", ": ").capitalize()


def parse_comparators_csv(data: str | bytes, *, source: str) -> list[Comparator]:
    """The comparators in a CSV (text, or bytes as spreadsheets save them); raise
    ComparatorImportError listing every bad row. Commas, semicolons or tabs separate
    the columns (the header row says which)."""
    if isinstance(data, bytes):
        try:
            data = decode_csv(data, source=source)
        except PeopleImportError as error:
            raise ComparatorImportError(source, error.faults) from None
    text = data.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    faults: list[ImportFault] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            faults.append(ImportFault(line, "row", f"cannot be read: {error}"))
            break
        if any("\x00" in cell for cell in row):
            faults.append(ImportFault(line, "row", "holds a NUL character; remove it"))
        elif any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#"):
            rows.append((line, row))
    if not rows:
        raise ComparatorImportError(source, faults or [ImportFault(1, "file", "the file is empty")])
    (header_line, header_row), body = rows[0], rows[1:]
    header = [h.strip().lower() for h in header_row]
    faults += [
        ImportFault(header_line, name or "(blank)",
                    f"unknown column (expected some of: {', '.join(COLUMNS)})")
        for name in header if name not in COLUMNS
    ]  # fmt: skip
    faults += [
        ImportFault(header_line, name, "required column is missing")
        for name in REQUIRED if name not in header
    ]  # fmt: skip
    if faults:
        raise ComparatorImportError(source, faults)
    found: list[Comparator] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in body:
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            faults.append(ImportFault(
                line, "row", f"has {len(row)} values but the header names {len(header)} "
                "columns (a comma inside a value needs quotes around the value)",
            ))
            continue
        cells = {name: " ".join((row[i] if i < len(row) else "").split())
                 for i, name in enumerate(header)}  # fmt: skip
        parsed = _row(cells, line, faults)
        if parsed is None:
            continue
        key = (parsed.measure, parsed.area.lower(), parsed.year)
        if key in seen:
            faults.append(ImportFault(
                line, "measure", f"the same measure, area and year as line {seen[key]}"
            ))
            continue
        seen[key] = line
        found.append(parsed)
    if faults:
        raise ComparatorImportError(source, faults)
    return found


def _row(cells: dict[str, str], line: int, faults: list[ImportFault]) -> Comparator | None:
    before = len(faults)

    def fault(column: str, message: str) -> None:
        faults.append(ImportFault(line, column, message))

    for name in REQUIRED:
        if not cells.get(name):
            fault(name, "is empty")
    for name, most in LIMITS.items():
        if len(cells.get(name, "")) > most:
            fault(name, f"is longer than {most} characters")
    measure = cells.get("measure", "").lower()
    if measure and not _MEASURE.fullmatch(measure):
        fault("measure", f"{measure!r} is not a measure key: use lower-case letters, digits, "
                         "_ : . - (e.g. return_rate:consultation:child or scorecard:P1.4)")
    if measure.startswith("return_rate") and len(measure.split(":")) != 3:
        fault("measure", "a return rate is return_rate:FORM:AUDIENCE, e.g. "
                         "return_rate:consultation:child")
    if measure.startswith("scorecard:"):
        measure = "scorecard:" + measure.split(":", 1)[1].upper()
    unit = (cells.get("unit") or "rate").lower()
    if unit not in UNITS:
        fault("unit", f"{unit!r} is not one of: {', '.join(UNITS)}")
    area_type = (cells.get("area_type") or "council").lower()
    if area_type not in AREA_TYPES:
        fault("area_type", f"{area_type!r} is not one of: {', '.join(AREA_TYPES)}")
    year = cells.get("year", "")
    if year:
        financial = _FINANCIAL.fullmatch(year)
        if financial:
            if (int(financial[1]) + 1) % 100 != int(financial[2]):
                fault("year", f"{year!r}: a financial year is two years in a row, e.g. 2017-18")
        elif not _CALENDAR.fullmatch(year):
            fault("year", f"{year!r}: write a financial year as 2017-18 or a calendar year as 2019")
    value = _value(cells.get("value", ""), unit, fault) if cells.get("value") else None
    url = cells.get("url") or None
    if url and not url.startswith(("https://", "http://")):
        fault("url", "a link starts with https:// (or http://)")
    if len(faults) > before or value is None:
        return None
    return Comparator(
        measure=measure,
        label=cells.get("label") or measure_label(measure),
        unit=unit,
        area=cells["area"],
        area_type=area_type,
        year=year,
        value=value,
        source=cells["source"],
        url=url,
        note=cells.get("note") or None,
    )


def _value(raw: str, unit: str, report: Callable[[str, str], None]) -> float | None:
    text = raw.replace(",", "").strip()
    percent = text.endswith("%")
    number = text.removesuffix("%").strip()
    if not _NUMBER.fullmatch(number):
        report("value", f"{raw!r} is not a number (a rate as 14% or 0.14)")
        return None
    value = float(number)
    if unit == "rate":
        if percent:
            value /= 100
        elif value > 1:
            report("value", f"{raw!r}: write a rate as a percentage (14%) or a fraction (0.14)")
            return None
        if not 0 <= value <= 1:
            report("value", f"{raw!r}: a rate is between 0% and 100%")
            return None
        return round(value, 4)
    if percent:
        report("value", f"{raw!r}: a {unit} is not a percentage (or set unit to rate)")
        return None
    return value


def published_comparators() -> list[Comparator]:
    """The example shipped with carevoice (`surveys/data/comparators.csv`): figures as
    printed in public reports to corporate parenting boards, each with its source."""
    text, where = builtin_text("comparators.csv")
    return parse_comparators_csv(text, source=where)
