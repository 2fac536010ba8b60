"""Young people as pseudonymous records, and reading them from CSV with a report of bad rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from surveys.errors import ImportFault, PeopleImportError
from surveys.i18n import LANGUAGES, normalize_language


class Cohort(StrEnum):
    """Whether a young person is in care now or a care leaver."""

    IN_CARE = "in_care"
    CARE_LEAVER = "care_leaver"


AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 8", 0, 7),
    ("8-12", 8, 12),
    ("13-15", 13, 15),
    ("16-17", 16, 17),
    ("18-21", 18, 21),
    ("22-25", 22, 25),
    ("over 25", 26, 200),
)
AGE_BAND_NAMES = tuple(name for name, _, _ in AGE_BANDS)
COLUMNS = (
    "council_ref",
    "date_of_birth",
    "age_band",
    "cohort",
    "team",
    "next_review_date",
    "first_name",
    "easy_read",
    "language",
)
REQUIRED = ("council_ref", "cohort")
_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")
_NAME_RE = re.compile(r"^[^\W\d_][^\W\d_' -]{0,40}([' -][^\W\d_]+)*$", re.UNICODE)
MAX_ROWS = 200_000
EASY_READ_WORDS = {"": False, "no": False, "n": False, "false": False, "0": False,
                   "yes": True, "y": True, "true": True, "1": True}  # fmt: skip
"""What the `easy_read` column may hold (any case)."""
EASY_BAND = "under 8"
"""Children in this age band (4 to 7) are asked the easy survey, as `easy_read` people are."""


def wants_easy(easy_read: bool, band: str | None) -> bool:
    """Whether a young person is asked the easy survey where one stands in."""
    return easy_read or band == EASY_BAND


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One young person to import; either a date of birth or an age band is given."""

    council_ref: str
    cohort: Cohort
    date_of_birth: date | None = None
    age_band: str | None = None
    team: str | None = None
    next_review_date: date | None = None
    first_name: str | None = None
    easy_read: bool = False  # reads little: asked the easy survey where there is one
    language: str | None = None  # a shipped language code (`surveys.i18n.LANGUAGES`)

    def band_on(self, day: date) -> str | None:
        """The age band on a day: from the date of birth when known."""
        if self.date_of_birth is None:
            return self.age_band
        return age_band(age_on(self.date_of_birth, day))


def age_on(born: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int) -> str:
    """The band an age falls in, e.g. 14 -> "13-15"."""
    return next(name for name, low, high in AGE_BANDS if low <= age <= high)


def decode_csv(data: bytes, *, source: str) -> str:
    """The text of a CSV file as spreadsheets save it: UTF-8 with or without a byte-order
    mark, UTF-16 (Excel's "Unicode text", with or without a mark) or Windows-1252 (Excel's
    plain "CSV" on Windows). Anything else is a PeopleImportError saying how to save it."""
    if data.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    elif len(data) >= 4 and data[1:64:2].count(0) > len(data[1:64:2]) // 2:
        candidates = ("utf-16-le",)
    elif len(data) >= 4 and data[0:64:2].count(0) > len(data[0:64:2]) // 2:
        candidates = ("utf-16-be",)
    else:
        candidates = ("utf-8", "cp1252")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PeopleImportError(source, [ImportFault(
        1, "file", "the file is not text in UTF-8, UTF-16 or Windows-1252; in Excel use "
        "Save As, then 'CSV UTF-8 (Comma delimited)'",
    )])


def delimiter(text: str) -> str:
    """What separates a CSV's columns: the comma, semicolon or tab its header row has most
    of (Excel saves semicolons in some locales, tabs as "Unicode text")."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return max(",;\t", key=first.count) if first.strip() else ","


def parse_people_csv(text: str | bytes, *, source: str, today: date) -> list[PersonRecord]:
    """Read people from CSV (text, or the file's bytes in any encoding `decode_csv` reads);
    raise PeopleImportError listing every bad row. Commas, semicolons or tabs may separate
    the columns (the header row says which)."""
    if isinstance(text, bytes):
        text = decode_csv(text, source=source)
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text), strict=True)
    numbered, faults = _csv_rows(reader)
    if not numbered:
        raise PeopleImportError(source, faults or [ImportFault(1, "file", "the file is empty")])
    header_line, header_row = numbered[0]
    header = [h.strip().lower() for h in header_row]
    faults += [
        ImportFault(header_line, name, f"unknown column (expected some of: {', '.join(COLUMNS)})")
        for name in header
        if name not in COLUMNS
    ]
    faults += [
        ImportFault(header_line, name, "required column is missing")
        for name in REQUIRED
        if name not in header
    ]
    if faults:
        raise PeopleImportError(source, faults)
    rows: list[tuple[int, dict[str, object]]] = []
    for line, row in numbered[1:]:
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            faults.append(ImportFault(
                line, "row", f"has {len(row)} values but the header names {len(header)} "
                "columns (a comma inside a value needs quotes around the value)",
            ))
            continue
        rows.append((line, {name: (row[i] if i < len(row) else "") for i, name in
                            enumerate(header) if name}))
    if faults:
        raise PeopleImportError(source, faults)
    return _parse_numbered(rows, source=source, today=today, first_line=2)


def numbered_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """The CSV's data rows as `parse_people_csv` reads them: blank rows (and rows of only
    separators, as Excel saves them) left out, each with the line of the file it starts on
    and its cells by lower-case column name. Rows that cannot be read are left out too
    (`parse_people_csv` names them)."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text), strict=True)
    numbered, _ = _csv_rows(reader)
    if not numbered:
        return []
    header = [h.strip().lower() for h in numbered[0][1]]
    return [
        (line, {name: (row[i].strip() if i < len(row) else "")
                for i, name in enumerate(header) if name})
        for line, row in numbered[1:]
    ]  # fmt: skip


def _csv_rows(reader: Any) -> tuple[list[tuple[int, list[str]]], list[ImportFault]]:
    """Non-blank rows with the line each starts on; a quote left open, a NUL character or
    a broken row is a fault at its line (never a row swallowed into the one before)."""
    rows: list[tuple[int, list[str]]] = []
    faults: list[ImportFault] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            why = str(error)
            if "unexpected end of data" in why:
                why = 'a quote (") opened on this line is never closed'
            faults.append(ImportFault(start, "row", f"cannot be read: {why}"))
            break
        end = reader.line_num
        if end > start and any("\n" in cell or "\r" in cell for cell in row):
            faults.append(ImportFault(
                start, "row", f'a quote (") opened on this line is not closed before the line '
                f"ends, so it would swallow line{'s' if end - start > 1 else ''} "
                f"{start + 1}{f'-{end}' if end - start > 1 else ''}; close or remove it",
            ))
            continue
        if any("\x00" in cell for cell in row):
            faults.append(ImportFault(start, "row", "holds a NUL character; remove it"))
            continue
        if any(cell.strip() for cell in row):
            rows.append((start, row))
    return rows, faults


def parse_people_rows(
    rows: Iterable[Mapping[str, object]], *, source: str, today: date, first_line: int = 1
) -> list[PersonRecord]:
    """Validate mappings (from CSV or JSON) into records; every fault is reported at once."""
    return _parse_numbered(
        enumerate(rows, first_line), source=source, today=today, first_line=first_line
    )


def _parse_numbered(
    rows: Iterable[tuple[int, Mapping[str, object]]], *, source: str, today: date,
    first_line: int,
) -> list[PersonRecord]:
    records: list[PersonRecord] = []
    faults: list[ImportFault] = []
    seen: dict[str, int] = {}
    for count, (line, row) in enumerate(rows):
        if count >= MAX_ROWS:
            faults.append(ImportFault(line, "file", f"more than {MAX_ROWS} rows"))
            break
        record, row_faults = _parse_row(row, line, today)
        if record is not None and record.council_ref in seen:
            row_faults.append(
                ImportFault(line, "council_ref", f"duplicate of line {seen[record.council_ref]}")
            )
        faults += row_faults
        if record is not None and not row_faults:
            seen[record.council_ref] = line
            records.append(record)
    if faults:
        raise PeopleImportError(source, faults)
    if not records:
        raise PeopleImportError(source, [ImportFault(first_line, "file", "no rows to import")])
    return records


def _text(row: Mapping[str, object], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(row: Mapping[str, object], key: str, line: int, faults: list[ImportFault]) -> date | None:
    raw = _text(row, key)
    if raw is None:
        return None
    try:
        return parse_day(raw)
    except ValueError as error:
        faults.append(ImportFault(line, key, str(error)))
    return None


def parse_day(raw: str) -> date:
    """A date as `YYYY-MM-DD` or `DD/MM/YYYY` (as councils' spreadsheets write it);
    ValueError with a message that says which forms are accepted."""
    raw = raw.strip()
    for parse in (date.fromisoformat, _uk_date):
        try:
            return parse(raw)
        except ValueError:
            continue
    raise ValueError(f"{raw!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _uk_date(raw: str) -> date:
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
    if not match:
        raise ValueError(raw)
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


def _parse_row(
    row: Mapping[str, object], line: int, today: date
) -> tuple[PersonRecord | None, list[ImportFault]]:
    faults: list[ImportFault] = []
    unknown = [k for k in row if k not in COLUMNS]
    faults += [ImportFault(line, k, "unknown field") for k in unknown]
    ref = _text(row, "council_ref")
    if ref is None:
        faults.append(ImportFault(line, "council_ref", "is required"))
    elif not _REF_RE.match(ref):
        faults.append(ImportFault(line, "council_ref", "use letters, digits and / _ . - only"))
    cohort_raw = (_text(row, "cohort") or "").lower().replace(" ", "_").replace("-", "_")
    cohort: Cohort | None = None
    try:
        cohort = Cohort(cohort_raw)
    except ValueError:
        faults.append(ImportFault(line, "cohort", "must be in_care or care_leaver"))
    born = _date(row, "date_of_birth", line, faults)
    band = _text(row, "age_band")
    if band is not None and band not in AGE_BAND_NAMES:
        faults.append(ImportFault(line, "age_band", f"must be one of {', '.join(AGE_BAND_NAMES)}"))
    if born is not None:
        age = age_on(born, today)
        if born > today:
            faults.append(ImportFault(line, "date_of_birth", "is in the future"))
        elif not 4 <= age <= 25:
            faults.append(ImportFault(line, "date_of_birth", f"gives age {age}; expected 4 to 25"))
    if born is None and band is None and not any(f.field == "date_of_birth" for f in faults):
        faults.append(ImportFault(line, "date_of_birth", "give a date of birth or an age band"))
    review = _date(row, "next_review_date", line, faults)
    name = _text(row, "first_name")
    if name is not None and not _NAME_RE.match(name):
        faults.append(ImportFault(line, "first_name", "should be a first name only"))
    team = _text(row, "team")
    if team is not None and len(team) > 64:
        faults.append(ImportFault(line, "team", "is longer than 64 characters"))
    easy = (_text(row, "easy_read") or "").casefold()
    if easy not in EASY_READ_WORDS:
        faults.append(ImportFault(line, "easy_read", "must be yes or no (or leave it empty)"))
    language_raw = _text(row, "language")
    language = normalize_language(language_raw) if language_raw is not None else None
    if language_raw is not None and language is None:
        faults.append(
            ImportFault(
                line,
                "language",
                f"must be one of {', '.join(LANGUAGES)} ({', '.join(LANGUAGES.values())})",
            )
        )
    if faults or ref is None or cohort is None:
        return None, faults
    record = PersonRecord(ref, cohort, born, band, team, review, name, language=language)
    return replace(record, easy_read=EASY_READ_WORDS.get(easy, False)), faults


PRIVATE_UNDER = 13
"""Below this age a young person's words are "only counted" unless they choose otherwise."""


ADULT_FROM = 18
"""From this age a young person has left care: a care leaver, whom Childline (under 19s)
soon stops serving and who has a PA, not an IRO."""


def is_adult(born: date | None, band: str | None, day: date) -> bool:
    """Whether a young person is 18 or over on `day`, by date of birth, else by an age band
    that starts at 18 or later; False when the age is not known."""
    if born is not None:
        return age_on(born, day) >= ADULT_FROM
    lows = {name: low for name, low, _ in AGE_BANDS}
    return band is not None and lows.get(band, 0) >= ADULT_FROM


def words_private_by_default(born: date | None, band: str | None, day: date) -> bool:
    """Whether free text starts as "only count it, don't show my words to anyone": under
    13 by date of birth, else by an age band that ends below 13; and when the age is not
    known at all (the most private choice is the safe one)."""
    if born is not None:
        return age_on(born, day) < PRIVATE_UNDER
    ages = {name: high for name, _, high in AGE_BANDS}
    if band is None or band not in ages:
        return True
    return ages[band] < PRIVATE_UNDER
