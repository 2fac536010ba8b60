"""Topics of free text: whole words, word starts, punctuation and case ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.topics import load_topics, needle, normalise, topics_of


def test_keywords_match_whole_words_or_word_starts() -> None:
    assert topics_of("I miss my Mum!") == ("seeing_family",)
    assert topics_of("Mumble jumble") == ()
    assert topics_of("my brothers' new SCHOOL") == ("seeing_family", "school")
    assert topics_of("I've had too many\nchanges of social   worker") == (
        "social_worker_changes",
        "social_worker",
    )
    assert topics_of("") == () and topics_of(None) == ()


def test_normalise_and_needles() -> None:
    assert normalise("  Social-Worker’s   NEW… ") == "social worker s new"
    assert needle("mum") == " mum " and needle("brother*") == " brother"


def test_custom_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text("topics:\n  pets: {label: Pets, keywords: [dog*, Cat]}\n", encoding="utf-8")
    topics = load_topics(path)
    assert topics_of("My dogs and my cat.", topics) == ("pets",)
    assert topics_of("catalogue", topics) == ()
    path.write_text("topics:\n  pets: {keywords: []}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="keywords"):
        load_topics(path)
