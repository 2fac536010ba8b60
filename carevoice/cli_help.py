"""Help screens in words people read: `TEXT`, `FILE`, `1-65535`, nothing after a flag.

Typer (0.2x) shows each option's Python type and range, `<bool>`, `<list[Path]>`,
`<int range> [1<=x<=65535]`, in a column that squeezes the help text until setting names
are cut off (`CAREVOICE_DATABASE_UR…`). `use_plain_types()` shows the words click has
always shown instead (a range as `1-65535`); an option's own `metavar` is kept. Imported
by `carevoice.cli`, before any help is drawn.

It also keeps two other typer habits out of sight. Help written over several lines in the
code (a docstring) kept its line breaks on screen, so a sentence broke in the middle
("lists⏎what is missing") whatever the terminal's width: `reflow` joins the lines of each
paragraph (a blank line still starts a new one) so rich wraps the text to the terminal.
A value typer could not read was said in pydantic's words ("Input should be a valid integer,
unable to parse string as an integer"); `plain_error` says what was typed and what is
wanted instead ("'abc' is not a whole number"), for options and for settings alike.

And an argument showed in the usage line and in errors by its Python name in braces,
`{files}...`: it is shown by its word instead, `FILE...`, `KEY`, `REF`, as the README
writes it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
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

ARGUMENT_WORDS = {
    "files": "FILE",
    "file": "FILE",
    "council_ref": "REF",
    "alert_id": "ID",
    "campaign": "ID",
}
"""An argument's word where its Python name is not the word people read (else the name in
capitals: `key` -> `KEY`)."""

Display = Callable[[Any, Any], "str | None"]

PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def reflow(text: str | None) -> str | None:
    """Help text with each paragraph on one line: lines are joined with a space, a blank
    line still parts paragraphs, and a paragraph marked with click's `\\b` (keep my lines)
    is kept as written."""
    if not text:
        return text
    paragraphs = PARAGRAPH_BREAK.split(inspect.cleandoc(text))
    return "\n\n".join(
        p if p.startswith("\b") else " ".join(line.strip() for line in p.splitlines())
        for p in paragraphs
    )


def argument_word(name: str | None, metavar: str | None, *, many: bool) -> str:
    """How an argument is shown in a usage line and in errors: `FILE...`, `KEY`."""
    word = metavar or ARGUMENT_WORDS.get(name or "", (name or "value").upper())
    return word + ("..." if many and not word.endswith("...") else "")


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


PLAIN_ERRORS = {
    "int_parsing": "{input!r} is not a whole number",
    "int_from_float": "{input!r} is not a whole number",
    "float_parsing": "{input!r} is not a number",
    "bool_parsing": "{input!r} is not yes or no (true/false, 1/0)",
    "date_from_datetime_parsing": "{input!r} is not a date (YYYY-MM-DD)",
    "date_parsing": "{input!r} is not a date (YYYY-MM-DD)",
    "datetime_parsing": "{input!r} is not a date and time (YYYY-MM-DDTHH:MM)",
    "datetime_from_date_parsing": "{input!r} is not a date and time (YYYY-MM-DDTHH:MM)",
    "greater_than_equal": "{input!r} is too small (at least {ge})",
    "less_than_equal": "{input!r} is too big (at most {le})",
}
"""A pydantic error type, in words: what was typed and what is wanted."""


def plain_error(fault: Mapping[str, Any]) -> str:
    """One pydantic error (a dict of `ValidationError.errors()`) in words people read:
    `'abc' is not a whole number`; pydantic's own message for any other kind."""
    kind = str(fault.get("type", ""))
    words = PLAIN_ERRORS.get(kind)
    if kind == "value_error":  # our own validator's words, without pydantic's "Value error, "
        return str(fault.get("msg", "")).removeprefix("Value error, ")
    if words is None or "input" not in fault:
        return str(fault.get("msg", ""))
    value = fault["input"]
    limits = {k: str(v) for k, v in (fault.get("ctx") or {}).items()}
    try:
        return words.format(input=value if isinstance(value, str) else str(value), **limits)
    except (KeyError, IndexError):  # a limit the words name is not given
        return str(fault.get("msg", ""))


def _plain_error_messages() -> None:
    """typer (0.2x) reads values with pydantic and says its first error in pydantic's
    words: say the common ones with `plain_error` instead."""
    import importlib

    for name in ("typer._coercion", "typer._param_types"):
        try:
            module = importlib.import_module(name)
        except ImportError:  # an older typer reads values with click, in click's words
            continue
        original = getattr(module, "get_error_msg", None)
        if original is None or getattr(original, "_plain", False):
            continue

        setattr(module, "get_error_msg", _in_words(original))  # noqa: B010 (typer keeps it private)


def _in_words(original: Callable[..., Any]) -> Callable[..., str]:
    """typer's `get_error_msg`, saying the common pydantic errors in `plain_error`'s words
    and passing anything else (and any other argument) to typer's own."""

    def get_error_msg(exc: Any, *args: Any, **kwargs: Any) -> str:
        faults = exc.errors() if hasattr(exc, "errors") else []
        if faults and str(faults[0].get("type", "")) in (*PLAIN_ERRORS, "value_error"):
            return _printable(plain_error(faults[0]))
        return str(original(exc, *args, **kwargs))

    get_error_msg._plain = True  # type: ignore[attr-defined]
    return get_error_msg


def _printable(text: str) -> str:
    """No terminal control characters in what is said back (a pasted escape sequence)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def use_plain_types() -> None:
    """Install the plain words on typer's option and argument classes (once), help that
    reflows (`reflow`) and arguments by their word (`argument_word`)."""
    _reflow_help()
    _argument_words()
    _plain_error_messages()
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


def _reflow_help() -> None:
    classes = (typer.core.TyperCommand, typer.core.TyperGroup, typer.core.TyperArgument,
               typer.core.TyperOption)
    for cls in classes:
        original = cls.__init__
        if getattr(original, "_reflow", False):
            continue

        def init(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> None:
            _original(self, *args, **kwargs)
            for attribute in ("help", "short_help", "epilog"):
                value = getattr(self, attribute, None)
                if isinstance(value, str):
                    setattr(self, attribute, reflow(value))

        init._reflow = True  # type: ignore[attr-defined]
        cls.__init__ = init  # type: ignore[method-assign]


def _argument_words() -> None:
    cls = typer.core.TyperArgument
    if getattr(cls.get_usage_pieces, "_words", False):
        return

    def word(self: Any) -> str:
        return argument_word(self.name, self.metavar, many=self.nargs != 1)

    def usage_pieces(self: Any, ctx: Any) -> list[str]:
        return [word(self) if self.required else f"[{word(self)}]"]

    def error_hint(self: Any) -> str:
        return f"'{word(self)}'"

    usage_pieces._words = True  # type: ignore[attr-defined]
    if isinstance(getattr(cls, "display_name_raw", None), property):  # the Arguments panel
        cls.display_name_raw = property(  # type: ignore[method-assign,assignment]
            lambda self: argument_word(self.name, self.metavar, many=False))
    cls.get_usage_pieces = usage_pieces  # type: ignore[method-assign]
    cls.get_error_hint = error_hint  # type: ignore[method-assign]
