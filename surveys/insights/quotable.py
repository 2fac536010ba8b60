"""Whether an answer says enough to be quoted to a board.

A board reads a handful of quotes: "Not sure", "No" or "idk" tell it nothing and take the
place of an answer that would. `says_something` is False for an answer of fewer than two
words, and for one whose every word is a filler of non-answers ("not sure", "nothing
really", "i dont know", "no comment", "n/a"):

    >>> says_something("Not sure")
    False
    >>> says_something("Shorter meetings")
    True

Only the choice of quotes uses it: every answer is still counted, scored and themed.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["FILLER", "says_something"]

_FILLER_WORDS: Final = """
    a all am and any anything as at before comment comments dont dunno else erm fine
    i idea idk im it just know maybe me n na nah no nope not nothing now of ok okay
    really same say so sure thank thanks that the this to um whatever ye yeah yes yep
"""
FILLER: Final = frozenset(_FILLER_WORDS.split())
"""Words that, on their own, make up the non-answers young people give to an open
question: an answer made only of these is not a quote."""

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def says_something(text: str) -> bool:
    """True when `text` has at least two words and one of them is not a filler."""
    words = [w.replace("'", "").replace("’", "") for w in _WORD.findall(text.lower())]
    return len(words) >= 2 and any(w not in FILLER for w in words)
