"""Describing a failure for the logs without what it carries: the type and the place only.

An exception's message or arguments can hold what a young person wrote, a name or a chat
id (a database error quotes the row it could not store), so logs get `describe(error)`:
"IntegrityError at conversations.py:231", never `str(error)` or a traceback.
"""

from __future__ import annotations

__all__ = ["describe", "where"]


def where(error: BaseException | None) -> str:
    """The innermost frame of an error's traceback, as file:line (no values); "?" if none."""
    tb = error.__traceback__ if error is not None else None
    if tb is None:
        return "?"
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"


def describe(error: BaseException | None) -> str:
    """The error's type and where it was raised, e.g. "KeyError at engine.py:120"."""
    return f"{type(error).__name__} at {where(error)}"
