"""Failures are described by type and place, never by what they carry."""

from __future__ import annotations

from surveys.failures import describe, where


def _fail(words: str) -> None:
    raise ValueError(f"could not store {words!r}")


def test_a_failure_is_described_by_its_type_and_place_only() -> None:
    try:
        _fail("I feel sad at home, Jo 07700 900123")
    except ValueError as error:
        text = describe(error)
    assert text.startswith("ValueError at test_failures.py:")
    assert "sad" not in text and "07700" not in text and "Jo" not in text


def test_an_error_that_was_never_raised_has_no_place() -> None:
    assert where(KeyError("x")) == "?" and where(None) == "?"
    assert describe(None) == "NoneType at ?"
