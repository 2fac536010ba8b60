"""Measure a detector on a labelled corpus: recall per category and the false-alarm rate.

A corpus file is UTF-8 TSV with the header ``category, voice, text``; ``category`` is a
`RiskCategory` value or ``none`` for an ordinary message. The corpus kept with carevoice is
in ``tests/data/safeguarding/`` (its README says how it was written and split).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from surveys.safeguarding.categories import RiskCategory
from surveys.safeguarding.phrases import RiskHit

__all__ = [
    "CARE_SETS",
    "CORPUS_DIR",
    "NONE",
    "CorpusError",
    "Message",
    "Score",
    "care_answers",
    "load_corpus",
    "score",
]

NONE = "none"
CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "safeguarding"
_VOICES = frozenset({"child", "teen", "care_leaver"})
_TESTS_DATA = CORPUS_DIR.parent
CARE_SETS = (_TESTS_DATA / "themes" / "answers", _TESTS_DATA / "sentiment" / "phrases.csv")
"""Everyday answers about care, labelled for themes and feelings (not for risk)."""


class CorpusError(ValueError):
    """A corpus file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Message:
    """One labelled message: its category (or `NONE`), who it sounds like, and the text."""

    category: str
    voice: str
    text: str

    @property
    def is_risk(self) -> bool:
        return self.category != NONE


def load_corpus(part: str, directory: str | os.PathLike[str] = CORPUS_DIR) -> list[Message]:
    """The messages of one part, ``development`` or ``held_out``."""
    path = Path(directory) / f"{part}.tsv"
    known = {c.value for c in RiskCategory} | {NONE}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as error:
        raise CorpusError(f"{path}: cannot read the corpus: {error.strerror}") from None
    if not rows or rows[0] != ["category", "voice", "text"]:
        raise CorpusError(f"{path}: the first line must be: category, voice, text")
    messages: list[Message] = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 3 or row[0] not in known or row[1] not in _VOICES or not row[2].strip():
            raise CorpusError(f"{path}:{number}: expected a known category, voice and a text")
        messages.append(Message(*row))
    return messages


@dataclass
class Score:
    """What a detector did on a set of messages."""

    risk: int = 0
    caught: int = 0
    ordinary: int = 0
    false_alarms: int = 0
    by_category: dict[str, list[int]] = field(default_factory=dict)  # [messages, caught, named]
    missed: list[Message] = field(default_factory=list)
    alarmed: list[Message] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.risk if self.risk else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.ordinary if self.ordinary else 0.0

    def category_recall(self, category: str) -> float:
        total, caught, _ = self.by_category.get(category, [0, 0, 0])
        return caught / total if total else 1.0

    def category_named(self, category: str) -> float:
        """The share of a category's messages whose hits include that category."""
        total, _, named = self.by_category.get(category, [0, 0, 0])
        return named / total if total else 1.0


def score(detect: Callable[[str], Sequence[RiskHit]], messages: Iterable[Message]) -> Score:
    """Run `detect` on every message and count what it caught and what it raised wrongly."""
    result = Score()
    for message in messages:
        hits = detect(message.text)
        if message.is_risk:
            counts = result.by_category.setdefault(message.category, [0, 0, 0])
            counts[0] += 1
            result.risk += 1
            if hits:
                result.caught += 1
                counts[1] += 1
                counts[2] += any(hit.category == message.category for hit in hits)
            else:
                result.missed.append(message)
        else:
            result.ordinary += 1
            if hits:
                result.false_alarms += 1
                result.alarmed.append(message)
    return result


def care_answers(
    part: str, flagged_by_book: Callable[[str], object], sets: Sequence[Path] = CARE_SETS
) -> list[Message]:
    """Everyday answers about care from the theme and sentiment sets (their `part` rows; a
    folder in `sets` stands for each CSV in it),
    as ordinary messages: what children write in surveys is mostly short and about home,
    school and workers, wording the corpus's ordinary messages cover thinly. Texts the
    phrase book flags are left out: a few are real disclosures ("I self harm sometimes")."""
    found: list[Message] = []
    files = [f for s in sets for f in (sorted(s.glob("*.csv")) if s.is_dir() else [s])]
    for path in files:
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as error:
            raise CorpusError(f"{path}: cannot read: {error.strerror}") from None
        for row in rows:
            if row.get("split") == part and not flagged_by_book(row["text"]):
                found.append(Message(NONE, "care_answer", row["text"]))
    return found
