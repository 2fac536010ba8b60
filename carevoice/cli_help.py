"""Help screens in words people read: `TEXT`, `FILE`, `1-65535`, nothing after a flag.

Typer (0.2x) shows each option's Python type and range, `<bool>`, `<list[Path]>`,
`<int range> [1<=x<=65535]`, in a column that squeezes the help text until setting names
are cut off (`CAREVOICE_DATABASE_UR…`). `use_plain_types()` shows the words click has
always shown instead (a range as `1-65535`); an option's own `metavar` is kept. Imported
by `carevoice.cli`, before any help is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer.core

WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "NUMBER",
    "int range": "INTEGER",
    "float range": "NUMBER",
    "Path": "FILE",
    "path": "PATH",
    "file": "FILE",
    "directory": "FOLDER",
    "datetime": "DATE",
}

Display = Callable[[Any, Any], "str | None"]


def plain_type(shown: str | None, *, flag: bool, many: bool) -> str | None:
    """The word for typer's `<type>` label: `<list[Path]>` -> `FILE...` (an argument taking
    several), `<str>` -> `TEXT`, `<a|b>` -> `a|b`; a flag takes no value, so nothing."""
    if flag or shown is None:
        return None
    inner = shown.strip().removesuffix("...").removeprefix("<").removesuffix(">")
    if inner.startswith("list[") and inner.endswith("]"):
        inner = inner[5:-1]
    word = WORDS.get(inner, inner if "|" in inner else inner.upper())
    return word + ("..." if many else "")


def _plain(original: Display, *, argument: bool) -> Display:
    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if self.metavar is not None:
            return str(self.metavar)
        flag = bool(getattr(self, "is_flag", False) or getattr(self, "count", False))
        low, high = getattr(self, "min", None), getattr(self, "max", None)
        if not flag and (low is not None or high is not None):  # the range is the word
            return f"{low}-{high}" if low is not None and high is not None else (
                f">={low}" if low is not None else f"<={high}")
        return plain_type(original(self, ctx), flag=flag, many=argument and self.nargs != 1)

    return display_type_rich


def use_plain_types() -> None:
    """Install the plain words on typer's option and argument classes (once)."""
    for cls, argument in ((typer.core.TyperOption, False), (typer.core.TyperArgument, True)):
        original = getattr(cls, "display_type_rich", None)
        if original is None or getattr(original, "_plain", False):
            continue  # an older typer shows click's words already
        plain = _plain(original, argument=argument)
        plain._plain = True  # type: ignore[attr-defined]
        cls.display_type_rich = plain  # type: ignore[method-assign,assignment]
        if hasattr(cls, "_get_number_range_help_str"):  # shown as the word instead
            cls._get_number_range_help_str = _no_range  # type: ignore[method-assign]


def _no_range(self: Any) -> None:
    return None
