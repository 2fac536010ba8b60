"""Which answers say enough to be quoted to a board."""

from __future__ import annotations

import pytest

from surveys.insights.quotable import says_something


@pytest.mark.parametrize(
    "text",
    [
        "Not sure", "no", "Nothing.", "idk", "I don't know", "I dont know really",
        "no comment", "N/A", "nope nothing", "Yes", "ok", "Im fine", "same as before",
        "nothing really to say", "dunno", "  ", "...", "😀😀", "12345",
    ],
)  # fmt: skip
def test_non_answers_are_not_quotes(text: str) -> None:
    assert not says_something(text)


@pytest.mark.parametrize(
    "text",
    [
        "Shorter meetings", "I like my meeting", "Not good", "No one listens to me",
        "The meeting was boring and too long", "I don’t like the new house rules",
        "more pocket money", "Nothing changes",
    ],
)  # fmt: skip
def test_answers_with_something_to_say_are_quotes(text: str) -> None:
    assert says_something(text)
