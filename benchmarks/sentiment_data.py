"""The data the sentiment scorer is trained and measured on, read the same way by
`benchmarks.sentiment_train` and `benchmarks.sentiment_agreement`.

- Human-rated sets (Hutto & Gilbert 2014; ``*_GroundTruth.txt``: id, mean rating -4..+4,
  text), found in ``shared/data/sentiment`` beside the checkout. Human class: mean below
  -0.5 negative, above 0.5 positive, else neutral. A fixed 30% of each set (by a hash of set
  and id) is the tuning part; figures are reported on the other 70%.
- Care phrases we wrote (``tests/data/sentiment/phrases.csv``: split, label, text), split
  once into development (tuning) and held-out.
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from surveys.safeguarding import normalise
from surveys.sentiment import (
    Parts,
    SentimentLabel,
    TextBlobScorer,
    VaderScorer,
    YouthLexicon,
    social_marks,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
CARE_PHRASES = REPO_ROOT / "tests" / "data" / "sentiment" / "phrases.csv"
CARE = "care_phrases"
HUMAN_THRESHOLD = 0.5  # on the -4..+4 scale
TUNING_SHARE = 3  # tenths of each human-rated set used for tuning
CARE_TARGET = {"negative": -0.5, "neutral": 0.0, "positive": 0.5}


def default_data() -> Path:
    """``shared/data/sentiment`` beside this checkout (or beside its parent folder)."""
    for base in (REPO_ROOT.parent, REPO_ROOT.parent.parent):
        if (base / "shared" / "data" / "sentiment").is_dir():
            return base / "shared" / "data" / "sentiment"
    return REPO_ROOT.parent / "shared" / "data" / "sentiment"


@dataclass(frozen=True)
class Item:
    """One rated text: its set, whether it is in the tuning part, the rating scaled to
    -1..1 (care phrases: -0.5, 0, 0.5), the human class and the text."""

    set: str
    tuning: bool
    rating: float
    human: SentimentLabel
    text: str


def human_class(rating: float) -> SentimentLabel:
    """The 3-class label of a -4..+4 human mean."""
    if rating < -HUMAN_THRESHOLD:
        return SentimentLabel.NEGATIVE
    if rating > HUMAN_THRESHOLD:
        return SentimentLabel.POSITIVE
    return SentimentLabel.NEUTRAL


def read_human(folder: Path) -> list[Item]:
    """Every ``*_GroundTruth.txt`` in `folder`."""
    items = []
    for path in sorted(folder.glob("*_GroundTruth.txt")):
        name = path.name.removesuffix("_GroundTruth.txt")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, line in enumerate(handle.read().splitlines(), start=1):
                if not line.strip():
                    continue
                fields = line.split("\t", 2)
                if len(fields) != 3:
                    raise SystemExit(f"{path}:{number}: expected 3 tab-separated fields")
                rating = float(fields[1])
                tuning = zlib.crc32(f"{name}:{fields[0]}".encode()) % 10 < TUNING_SHARE
                items.append(Item(name, tuning, rating / 4, human_class(rating), fields[2]))
    return items


def read_care(path: Path = CARE_PHRASES) -> list[Item]:
    """The care phrases; development is the tuning part."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    items = []
    for number, row in enumerate(rows, start=2):
        if row["split"] not in ("development", "held_out") or row["label"] not in CARE_TARGET:
            raise SystemExit(f"{path}:{number}: bad split or label")
        items.append(
            Item(CARE, row["split"] == "development", CARE_TARGET[row["label"]],
                 SentimentLabel(row["label"]), row["text"])
        )  # fmt: skip
    return items


def read_parts(
    items: Sequence[Item], cache: Path | None = None, *, hide_facts: bool = True
) -> list[Parts | None]:
    """Each item's `Parts`, as `CareScorer.parts` reads them. TextBlob and VADER are slow
    (about a minute for 24,000 texts), so their readings can be kept in `cache` (a JSON
    file keyed by the text they read); the care lexicon is always read afresh.
    `hide_facts=False`: TextBlob and VADER read the text as it is (the baselines)."""
    known: dict[str, list[float]] = {}
    if cache is not None and cache.exists():
        known = json.loads(cache.read_text(encoding="utf-8"))
    lexicon = YouthLexicon.default()
    textblob, vader = TextBlobScorer(), VaderScorer()
    out: list[Parts | None] = []
    for item in items:
        if not normalise(item.text):
            out.append(None)
            continue
        plain = lexicon.without_facts(item.text) if hide_facts else item.text
        if plain not in known:
            scores = vader.scores(plain)
            known[plain] = [*textblob.raw(plain), scores["compound"], scores["pos"], scores["neg"]]
        tb, subjectivity, compound, pos, neg = known[plain]
        valence, coverage, high, low = lexicon.reading(item.text)
        out.append(
            Parts(tb, subjectivity, compound, pos, neg, valence, coverage,
                  len(item.text.split()), 1.0 if "!" in item.text else 0.0,
                  social_marks(item.text), high, low)
        )  # fmt: skip
    if cache is not None:
        cache.write_text(json.dumps(known), encoding="utf-8")
    return out
