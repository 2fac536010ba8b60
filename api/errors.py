"""The one place errors become HTTP replies, all in the same JSON shape.

    {"error": {"code": "not_found", "message": "no campaign 7", "faults": []}}

    CarevoiceError (surveys.errors)       status
    ├── NotFoundError                     404 not_found
    ├── ConflictError                     409 conflict
    ├── ValidationError                   422 invalid
    │   └── InvalidParameter (here)       422 invalid_parameter, one fault naming it
    ├── SurveyDefinitionError             422 invalid_survey, a fault per problem
    ├── PeopleImportError                 422 invalid_import, a fault per bad cell
    ├── PeriodError                       422 invalid_period
    ├── InvitationError                   404 invitation_unknown, else 410 invitation_<reason>
    └── anything else                     400 bad_request
    ApiError (here): 401 unauthorized (with WWW-Authenticate), 403 forbidden, 413 too_large,
                     429 too_many_requests (with Retry-After)
    RequestValidationError                422 invalid_request, a fault per bad field
    IntegrityError (a clash in the store) 409 conflict
    HTTPException (unknown path, ...)     its status, code from the status (a browser
                                          asking for a web page gets an HTML page instead:
                                          api.web.errors)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.schemas import ErrorResponse, FaultPublic
from surveys.errors import (
    CarevoiceError,
    ConflictError,
    InvitationError,
    NotFoundError,
    PeopleImportError,
    SurveyDefinitionError,
    ValidationError,
    what_needs_fixing,
)
from surveys.insights.periods import PeriodError

BEARER = {"WWW-Authenticate": "Bearer"}


class ApiError(Exception):
    """An error only the HTTP adapter raises (authentication, roles, sizes)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def unauthorized(message: str) -> ApiError:
    """401: no key, or a key that is unknown or revoked."""
    return ApiError(401, "unauthorized", message, BEARER)


def forbidden(message: str) -> ApiError:
    """403: a good key whose role may not do this."""
    return ApiError(403, "forbidden", message)


class InvalidParameter(ValidationError):
    """A query or path parameter that cannot be accepted; names it and what is allowed."""

    def __init__(self, name: str, message: str, *, where: str = "query") -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.where = where
        self.detail = message


def error_body(code: str, message: str, faults: Sequence[FaultPublic] = ()) -> dict[str, Any]:
    return ErrorResponse.build(code, message, faults).model_dump(mode="json")


def _reply(
    status: int,
    code: str,
    message: str,
    faults: Sequence[FaultPublic] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, faults), status_code=status, headers=headers)


def carevoice_reply(error: CarevoiceError) -> JSONResponse:
    """The reply for an error raised on purpose by the domain or the store."""
    if isinstance(error, SurveyDefinitionError):
        faults = [
            FaultPublic(location=f.location or None, line=f.line, message=f.message)
            for f in error.faults
        ]
        count = len(faults)
        return _reply(
            422, "invalid_survey",
            f"the survey definition has {count} problem{'s' if count != 1 else ''}", faults,
        )
    if isinstance(error, PeopleImportError):
        faults = [
            FaultPublic(location=f"line {f.line}", line=f.line, field=f.field, message=f.message)
            for f in error.faults
        ]
        return _reply(
            422, "invalid_import", f"nothing was imported; {what_needs_fixing(error.faults)}",
            faults,
        )
    if isinstance(error, InvalidParameter):
        fault = FaultPublic(
            location=f"{error.where}.{error.name}", field=error.name, message=error.detail
        )
        return _reply(422, "invalid_parameter", str(error), [fault])
    if isinstance(error, PeriodError):
        fault = FaultPublic(location="query.period", field="period", message=str(error))
        return _reply(422, "invalid_period", str(error), [fault])
    if isinstance(error, InvitationError):
        status = 404 if error.reason == "unknown" else 410
        return _reply(status, f"invitation_{error.reason}", str(error))
    if isinstance(error, NotFoundError):
        return _reply(404, "not_found", str(error))
    if isinstance(error, ConflictError):
        return _reply(409, "conflict", str(error))
    if isinstance(error, ValidationError):
        return _reply(422, "invalid", str(error))
    return _reply(400, "bad_request", str(error))


def _location(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def validation_faults(error: RequestValidationError) -> list[FaultPublic]:
    """A fault per problem FastAPI found in the request."""
    faults = []
    for problem in error.errors():
        loc = tuple(problem.get("loc", ()))
        field = next((str(p) for p in reversed(loc) if isinstance(p, str)), None)
        message = str(problem.get("msg", ""))
        faults.append(FaultPublic(location=_location(loc) or None, field=field, message=message))
    return faults


def allowed_methods(request: Request) -> str:
    """The methods the routes at this request's path take (Starlette names only the first
    route's, so a path with GET and POST routes answered 405 with `Allow: GET`).

    Where the OpenAPI schema describes the path, only its most specific entry counts:
    `/campaigns/rolling` (POST) is a resource of its own, although the route for
    `/campaigns/{campaign_id}` (GET) also matches it (and refuses "rolling" as an id)."""
    routes = request.app.router.routes
    methods = {
        method
        for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in routes
        )
    }
    documented = _documented_methods(request.app.openapi(), request.url.path)
    if documented is not None:
        methods &= documented
    return ", ".join(sorted(methods))


def _documented_methods(schema: dict[str, Any], path: str) -> set[str] | None:
    """The methods of the schema's most specific path (fewest parameters) matching `path`,
    or None when the schema describes no such path."""
    best: tuple[int, set[str]] | None = None
    for template, operations in schema.get("paths", {}).items():
        parts = re.split(r"(\{[^}/]+\})", template)
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
        if re.fullmatch(pattern, path) is None:
            continue
        params = template.count("{")
        if best is None or params < best[0]:
            best = (params, set())
        if params == best[0]:
            best[1].update(method.upper() for method in operations if method != "parameters")
    return None if best is None else best[1]


def http_error_reply(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """The JSON reply for an HTTP error (an unknown path, a method the path does not take):
    its status, and a code made from the status's phrase."""
    if error.status_code == 405:  # Allow: every method of every route at this path
        error.headers = {**(error.headers or {}), "Allow": allowed_methods(request)}
    try:
        phrase = HTTPStatus(error.status_code).phrase
    except ValueError:
        phrase = "error"
    code = getattr(error, "code", None) or phrase.lower().replace(" ", "_").replace("-", "_")
    message = error.detail if isinstance(error.detail, str) else phrase
    headers = dict(error.headers) if error.headers else None
    return _reply(error.status_code, code, message, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to the JSON error shape, in one place."""

    async def on_carevoice(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CarevoiceError)
        return carevoice_reply(error)

    async def on_api(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return _reply(error.status, error.code, error.message, headers=error.headers)

    async def on_request(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        faults = validation_faults(error)
        where = ", ".join(f.location or "request" for f in faults[:5])
        return _reply(422, "invalid_request", f"the request is not valid ({where})", faults)

    async def on_integrity(_: Request, error: Exception) -> JSONResponse:
        return _reply(409, "conflict", "this clashes with something already stored; try again")

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return http_error_reply(request, error)

    app.add_exception_handler(CarevoiceError, on_carevoice)
    app.add_exception_handler(ApiError, on_api)
    app.add_exception_handler(RequestValidationError, on_request)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(StarletteHTTPException, on_http)
