"""The OpenAPI schema, told what the server really accepts, so a client (or schemathesis)
generating "valid" requests from it gets them accepted:

- every free string (parameters, and properties of request bodies) excludes NUL and lone
  UTF-16 surrogates, which `api.hardening` refuses with 400 (no store keeps them);
- a `period` is a UK financial year or quarter, exactly as the server reads it: two
  consecutive years such as `2017-18`, optionally with ` Q1` to ` Q4`, from 0001-02 to
  9998-99 (empty, where it may be left out, means the default); return rates' `by` is a
  comma-separated list of its dimensions;
- request bodies take only the fields they name (`additionalProperties: false`; the
  models forbid others, so an extra field is a 422, never silently dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from fastapi import FastAPI

__all__ = ["BY_PATTERN", "PERIOD_PATTERN", "TEXT_PATTERN", "describe_inputs"]

TEXT_PATTERN: Final = r"^[^\u0000\ud800-\udfff]*$"


def _period_pattern() -> str:
    def years(first: int, last: int) -> str:
        return "|".join(f"{n:02d}-{(n + 1) % 100:02d}" for n in range(first, last + 1))

    return (
        rf"^(?:(?:0[1-9]|[1-8][0-9]|9[0-8])(?:{years(0, 99)})|00(?:{years(1, 99)})"
        rf"|99(?:{years(0, 98)}))(?: Q[1-4])?$"
    )


PERIOD_PATTERN: Final = _period_pattern()
_BY: Final = "form|audience|cohort|team|age_band|quarter"
BY_PATTERN: Final = rf"^(?:{_BY})(?:,(?:{_BY}))*$"
"""Return rates' `by`: a comma-separated list of their dimensions."""


def describe_inputs(app: FastAPI) -> None:
    """Make `app.openapi()` return the schema with the rules above (built once)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            _refine(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _refine(schema: dict[str, Any]) -> None:
    components = schema.get("components", {}).get("schemas", {})
    bodies: list[dict[str, Any]] = []
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name, required = parameter.get("name"), parameter.get("required", False)
                pattern = {"period": PERIOD_PATTERN, "by": BY_PATTERN}.get(name, TEXT_PATTERN)
                if name == "period" and not required:  # empty: the default period
                    pattern = pattern.replace("^(?:", "^(?:|", 1)
                _strings(parameter.get("schema", {}), pattern)
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                if media == "application/json" and "schema" in body:
                    bodies.append(body["schema"])
    seen: set[int] = set()
    while bodies:
        node = bodies.pop()
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            node = components.get(ref.rsplit("/", 1)[1], {})
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.get("type") == "object" or "properties" in node:
            node.setdefault("additionalProperties", False)
            for name, field in node.get("properties", {}).items():
                _strings(field, PERIOD_PATTERN if name == "period" else TEXT_PATTERN)
                bodies.append(field)
        for key in ("items", "anyOf", "allOf", "oneOf"):
            value = node.get(key)
            bodies.extend(value if isinstance(value, list) else [value] if value else [])


def _strings(node: dict[str, Any], pattern: str) -> None:
    """Give a free string schema (or each string in its anyOf) the pattern."""
    for option in node.get("anyOf", [node]):
        free = not any(key in option for key in ("enum", "const", "pattern", "format"))
        if option.get("type") == "string" and free:
            option["pattern"] = pattern
