"""Topics of free text: which of the lexicon's topics an answer talks about.

The lexicon is data (`surveys/data/topics.yaml`). An answer is tagged once, when it is
stored (`topics_of`), so boards count tags instead of searching text. Matching: the text
is lower-cased, punctuation and runs of white space become one space, and a keyword must
appear as whole words ("mum" matches "my mum said", not "mumble"); a keyword ending in
"*" matches the start of a word ("brother*" matches "brothers").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from surveys.data_files import builtin_text, parse_yaml, read_text

__all__ = ["PUNCTUATION", "Topic", "load_topics", "needle", "normalise", "topics_of"]

PUNCTUATION: Final = ".,!?;:'\"()-/\n\t’‘“”…&"
"""Characters that become spaces before keywords are matched."""

_KEYWORD_ONLY: Final = "*%_"  # also blanked in keywords (a trailing "*" is kept as a flag)


@dataclass(frozen=True, slots=True)
class Topic:
    """Something young people write about, found by keywords."""

    key: str
    label: str
    keywords: tuple[str, ...]


def normalise(text: str, extra: str = "") -> str:
    """Lower case, punctuation (and `extra`) as spaces, single spaces, trimmed."""
    for char in PUNCTUATION + extra:
        text = text.replace(char, " ")
    return " ".join(text.lower().split())


def needle(keyword: str) -> str:
    """What to look for in ' normalised text ': the keyword as whole words, or (ending in
    "*") as the start of a word."""
    if keyword.endswith("*"):
        return f" {keyword[:-1]}"
    return f" {keyword} "


def topics_of(text: str | None, topics: Sequence[Topic] | None = None) -> tuple[str, ...]:
    """The keys of the topics `text` is about, in lexicon order (none for no text)."""
    if not text:
        return ()
    padded = f" {normalise(text)} "
    return tuple(
        topic.key
        for topic in (load_topics() if topics is None else topics)
        if any(needle(k) in padded for k in topic.keywords)
    )


def load_topics(path: Path | None = None) -> tuple[Topic, ...]:
    """The topic lexicon: `path`, or the built-in `surveys/data/topics.yaml`."""
    if path is None:
        return _builtin_topics()
    return _parse_topics(read_text(path, ValueError, "topic lexicon"), str(path))


@lru_cache(maxsize=1)
def _builtin_topics() -> tuple[Topic, ...]:
    return _parse_topics(*builtin_text("topics.yaml"))


def _parse_topics(text: str, where: str) -> tuple[Topic, ...]:
    data = parse_yaml(text, where, ValueError)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        raise ValueError(f"{where}: expected a mapping with 'topics'")
    topics = []
    for key, spec in data["topics"].items():
        keywords = spec.get("keywords") if isinstance(spec, dict) else None
        if not isinstance(keywords, list) or not keywords:
            raise ValueError(f"{where}: topic {key!r} needs a list of keywords")
        cleaned = tuple(
            normalise(str(k).removesuffix("*"), _KEYWORD_ONLY)
            + ("*" if str(k).endswith("*") else "")
            for k in keywords
        )
        if any(not k.strip("*") for k in cleaned):
            raise ValueError(f"{where}: topic {key!r} has an empty keyword")
        if len(str(key)) > 32:
            raise ValueError(f"{where}: topic key {key!r} is longer than 32 characters")
        topics.append(Topic(str(key), str(spec.get("label") or key), cleaned))
    return tuple(topics)
