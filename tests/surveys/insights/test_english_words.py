"""Which words are ordinary English (TextBlob's lexicons and young people's words), so
that redaction can take the others for names and places where they stand."""

from __future__ import annotations

import pytest

from surveys.insights.english_words import BRANDS, is_english_word


@pytest.mark.parametrize(
    "word",
    [
        "carers", "organise", "colour", "centre", "hostel", "rugby", "innit", "dont",
        "mum's", "bursary", "semi", "promisd", "unsupervised", "mcdonalds", "polish",
    ],
)  # fmt: skip
def test_english_words(word: str) -> None:
    assert is_english_word(word)


@pytest.mark.parametrize(
    "word",
    ["shaaron", "middlewich", "kaydun", "hartigans", "beechwood", "tyler", "kev", "kaz"],
)
def test_names_and_places_are_not(word: str) -> None:
    assert not is_english_word(word)


def test_brands_are_english_in_any_case() -> None:
    assert all(is_english_word(b) for b in BRANDS)
