"""What the board routes share: the `period` and `format` parameters, and replies as JSON
or CSV built from the store's figures (frozen dataclasses, already suppressed).

CSV has a header row and one row per figure; nested records become `outer.inner`
columns, a list of records becomes one row each (its parent's columns repeated), a list
of plain values is joined with "; ". Suppressed cells stay "c"; a withheld value is empty.
Text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with '.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response

from api.errors import InvalidParameter
from api.schemas import error_responses
from surveys.insights.periods import Period, PeriodError, parse_period

BOARD_ERRORS = error_responses(401, 403, 422)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Format(StrEnum):
    """How board figures are sent."""

    JSON = "json"
    CSV = "csv"


FormatQuery = Annotated[
    Format, Query(alias="format", description="json (default), or csv with a header row.")
]
PeriodText = Annotated[
    str,
    Query(
        alias="period", min_length=1, max_length=32,
        description="A UK financial year or quarter: 2017-18, or 2017-18 Q1 (April to June).",
        examples=["2017-18", "2017-18 Q1"],
    ),
]


def period_of(text: str, name: str = "period") -> Period:
    """The period a parameter names; 422 naming the parameter and how to write it."""
    try:
        return parse_period(text)
    except PeriodError as error:
        raise InvalidParameter(name, str(error)) from None


def choices_of(text: str, name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    """A comma-separated list of allowed words; 422 naming the parameter and the choices."""
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    wrong = [c for c in chosen if c not in allowed]
    if wrong or not chosen:
        what = f"{', '.join(repr(w) for w in wrong)} not allowed" if wrong else "nothing given"
        raise InvalidParameter(name, f"{what}; use a comma-separated list of: "
                                     f"{', '.join(allowed)}")
    return chosen


def csv_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries: JSON or, with `format=csv`, CSV; plus the board error statuses."""
    return {
        200: {
            "description": description,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **BOARD_ERRORS,
    }


def plain(value: Any) -> Any:
    """Dataclasses (`dataclasses.asdict`) and enums as plain JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _is_record_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _flatten(record: Mapping[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """One record as one or more flat rows (a list of records multiplies them)."""
    flat: dict[str, Any] = {}
    nested: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            for row in _flatten(value, f"{name}."):
                flat.update(row)
        elif _is_record_list(value):
            nested.append((name, value))
        elif isinstance(value, list):
            flat[name] = "; ".join(_cell(v) for v in value)
        else:
            flat[name] = value
    if not nested:
        return [flat]
    (name, records), rest = nested[0], nested[1:]
    for other, values in rest:  # rare: more than one list of records
        flat[other] = json.dumps(values, ensure_ascii=False, default=str)
    rows = []
    for child in records:
        for part in _flatten(child, f"{name}."):
            rows.append({**flat, **part})
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(data: Any, columns: Sequence[str] = ()) -> str:
    """CSV text for figures: a header row (`columns` when there are no rows), then rows."""
    value = plain(data)
    records: Iterable[Any] = value if isinstance(value, list) else [value]
    rows: list[dict[str, Any]] = []
    for record in records:
        rows.extend(_flatten(record) if isinstance(record, dict) else [{"value": record}])
    header = list(dict.fromkeys(k for row in rows for k in row)) or list(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in header])
    return out.getvalue()


def reply(data: Any, fmt: Format, name: str, row_type: type | None = None) -> Any:
    """The figures as JSON-ready values, or as a CSV download named after `name`."""
    if fmt is Format.CSV:
        columns = (
            [f.name for f in dataclasses.fields(row_type)]
            if row_type is not None and dataclasses.is_dataclass(row_type) else []
        )
        return Response(
            to_csv(data, columns),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return plain(data)
