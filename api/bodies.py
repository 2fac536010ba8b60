"""Request bodies that come in more than one form: survey YAML, and people as CSV or JSON.

Each reader returns what the domain parses, so a YAML fault or a bad CSV row is reported
by the same code that checks files on the command line.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError
from starlette.datastructures import UploadFile

from api.errors import ApiError
from api.schemas import SurveyUpload
from surveys.errors import ImportFault, PeopleImportError, ValidationError
from surveys.loader import MAX_SURVEY_BYTES
from surveys.people import PersonRecord, parse_people_csv, parse_people_rows

MAX_PEOPLE_BYTES = 20_000_000
YAML_TYPES = frozenset(
    {"text/yaml", "application/yaml", "application/x-yaml", "text/x-yaml", "text/plain"}
)
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
SOURCE = "upload"


def media_type(request: Request) -> str:
    """The request's media type, lower case, without parameters."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported(expected: str) -> ApiError:
    return ApiError(415, "unsupported_media_type", f"send {expected}")


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the body is larger than {limit:,} bytes")


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing one over `limit` bytes (before reading it, when it says its size)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = await request.body()
    if len(body) > limit:
        raise too_large(limit)
    return body


def decode(body: bytes, what: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); a clear 422 otherwise."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"the {what} is not UTF-8 text (byte {error.start}); save it as UTF-8 and retry"
        ) from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"the body is not valid JSON: {error}", "type": "json"}]
        ) from None


async def survey_yaml(request: Request) -> str:
    """The YAML text of a survey upload: a YAML body, or JSON `{"yaml": "..."}`."""
    kind = media_type(request)
    if kind == "application/json":
        body = await read_limited(request, MAX_SURVEY_BYTES * 2)
        try:
            return SurveyUpload.model_validate(_json(body)).yaml
        except PydanticValidationError as error:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
            ) from None
    if kind in YAML_TYPES:
        return decode(await read_limited(request, MAX_SURVEY_BYTES), "survey definition")
    raise unsupported('the YAML as text/yaml, or JSON {"yaml": "..."}')


async def people_records(request: Request, *, today: date) -> list[PersonRecord]:
    """Young people from a CSV body, a multipart file, or a JSON list of objects."""
    kind = media_type(request)
    if kind == "application/json":
        return _people_json(_json(await read_limited(request, MAX_PEOPLE_BYTES)), today)
    if kind in CSV_TYPES:
        return _people_csv(await read_limited(request, MAX_PEOPLE_BYTES), SOURCE, today)
    if kind == "multipart/form-data":
        return await _people_multipart(request, today)
    raise unsupported("text/csv, a multipart form with a `file`, or a JSON list")


def _people_json(data: Any, today: date) -> list[PersonRecord]:
    if not isinstance(data, list):
        raise PeopleImportError(
            SOURCE, [ImportFault(1, "body", "send a JSON list of objects, one per young person")]
        )
    faults = [
        ImportFault(line, "row", "each item must be an object of fields")
        for line, item in enumerate(data, 1)
        if not isinstance(item, dict)
    ]
    if faults:
        raise PeopleImportError(SOURCE, faults)
    return parse_people_rows(data, source=SOURCE, today=today, first_line=1)


async def _people_multipart(request: Request, today: date) -> list[PersonRecord]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PEOPLE_BYTES:
        raise too_large(MAX_PEOPLE_BYTES)
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RequestValidationError(
                [{"loc": ("body", "file"), "msg": "attach the CSV as `file`", "type": "missing"}]
            )
        body = await upload.read(MAX_PEOPLE_BYTES + 1)
    if len(body) > MAX_PEOPLE_BYTES:
        raise too_large(MAX_PEOPLE_BYTES)
    return _people_csv(body, (upload.filename or SOURCE)[:200], today)


def _people_csv(data: bytes, source: str, today: date) -> list[PersonRecord]:
    """UTF-8 (with or without a byte-order mark), UTF-16 or Windows-1252, as Excel saves."""
    try:
        return parse_people_csv(data, source=source, today=today)
    except csv.Error as error:
        raise ValidationError(f"the CSV file cannot be read: {error}") from None
