"""Text every store can keep: what a young person sends is cleaned, never refused.

PostgreSQL cannot store a NUL character, nor a lone UTF-16 surrogate (JSON's "\\ud800"),
in text; SQLite can. So that an answer is never lost on either, and both keep the same
words, input is cleaned once, where it enters the use cases: NUL and the other control
characters (all but tab, line feed and carriage return) are removed, and a lone surrogate
becomes U+FFFD (the replacement character).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final, overload

from surveys.engine import UserInput

__all__ = ["storable", "storable_input"]

_UNSTORABLE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _swap(match: re.Match[str]) -> str:
    return "\ufffd" if match.group() >= "\ud800" else ""


@overload
def storable(text: str) -> str: ...
@overload
def storable(text: None) -> None: ...
def storable(text: str | None) -> str | None:
    """`text` without the characters no store can keep (None stays None)."""
    if text is None or not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(_swap, text)


def storable_input(user_input: UserInput) -> UserInput:
    """The input with its text and ids made storable (the same object when already so)."""
    fields = {
        name: storable(value)
        for name in ("text", "option", "question_id")
        if (value := getattr(user_input, name)) is not None and storable(value) != value
    }
    return replace(user_input, **fields) if fields else user_input
