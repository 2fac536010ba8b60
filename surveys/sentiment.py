"""How positive or negative a young person's free-text answer sounds.

Scorers share the `SentimentScorer` protocol: `TextBlobScorer` (TextBlob's pattern lexicon),
`VaderScorer` (VADER's compound score) and `BlendedScorer`, the default, which blends the two
and lets a youth lexicon (``surveys/data/youth_lexicon.yaml``) correct them where it knows
the words. TextBlob and VADER load lazily, on the first scorer built; nothing here needs
NLTK corpora. Agreement with human ratings: ``benchmarks/sentiment_agreement.py``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, Protocol

from surveys.data_files import builtin_text, parse_yaml, read_text
from surveys.safeguarding import normalise

__all__ = [
    "DEFAULT_WEIGHTS",
    "NEGATIVE_BELOW",
    "POSITIVE_ABOVE",
    "BlendParts",
    "BlendWeights",
    "BlendedScorer",
    "LexiconError",
    "SentimentLabel",
    "SentimentScore",
    "SentimentScorer",
    "TextBlobScorer",
    "VaderScorer",
    "YouthLexicon",
    "blend",
    "default_scorer",
    "label_for",
    "score_text",
]

NEGATIVE_BELOW = -0.05  # polarity below this is negative
POSITIVE_ABOVE = 0.05  # polarity above this is positive
NEGATION_SCALAR = -0.75  # a negated lexicon phrase keeps three quarters of its weight, flipped
NEGATION_WINDOW = 3  # words before a phrase in which a negator counts
FULL_COVERAGE = 0.25  # the lexicon has its full weight once its phrases cover this share


class SentimentLabel(StrEnum):
    """Three-way reading of a polarity."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


def label_for(polarity: float) -> SentimentLabel:
    """Label a polarity with the module thresholds."""
    if polarity < NEGATIVE_BELOW:
        return SentimentLabel.NEGATIVE
    if polarity > POSITIVE_ABOVE:
        return SentimentLabel.POSITIVE
    return SentimentLabel.NEUTRAL


def _clamp(value: float, low: float, high: float) -> float:
    """Clamp into [low, high]; NaN (no opinion) becomes 0."""
    return 0.0 if math.isnan(value) else min(high, max(low, value))


@dataclass(frozen=True)
class SentimentScore:
    """Polarity in -1..1, subjectivity in 0..1, and the label the polarity gives."""

    polarity: float
    subjectivity: float
    label: SentimentLabel

    def __post_init__(self) -> None:
        if not -1.0 <= self.polarity <= 1.0:
            raise ValueError(f"polarity {self.polarity} is outside -1..1")
        if not 0.0 <= self.subjectivity <= 1.0:
            raise ValueError(f"subjectivity {self.subjectivity} is outside 0..1")

    @classmethod
    def of(cls, polarity: float, subjectivity: float) -> SentimentScore:
        """Clamp both values into range and label the polarity."""
        polarity = _clamp(polarity, -1.0, 1.0)
        return cls(polarity, _clamp(subjectivity, 0.0, 1.0), label_for(polarity))


NEUTRAL = SentimentScore(0.0, 0.0, SentimentLabel.NEUTRAL)


class SentimentScorer(Protocol):
    """Anything that scores a text."""

    def score(self, text: str) -> SentimentScore:
        """Score `text`; text with no letters or digits scores `NEUTRAL`."""
        ...


def _has_words(text: str) -> bool:
    return bool(normalise(text))


class TextBlobScorer:
    """TextBlob's PatternAnalyzer, polarity and subjectivity as they come."""

    def __init__(self) -> None:
        from textblob import TextBlob
        from textblob.en.sentiments import PatternAnalyzer

        self._blob: Any = TextBlob
        self._analyzer: Any = PatternAnalyzer()

    def raw(self, text: str) -> tuple[float, float]:
        """Polarity and subjectivity straight from TextBlob."""
        sentiment = self._blob(text, analyzer=self._analyzer).sentiment
        return float(sentiment.polarity), float(sentiment.subjectivity)

    def score(self, text: str) -> SentimentScore:
        """Score `text` with TextBlob."""
        return SentimentScore.of(*self.raw(text)) if _has_words(text) else NEUTRAL


class VaderScorer:
    """VADER's compound score as polarity; the share of pos + neg text as subjectivity."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer: Any = SentimentIntensityAnalyzer()

    def raw(self, text: str) -> tuple[float, float]:
        """Compound score and the pos + neg share of the text."""
        scores = self._analyzer.polarity_scores(text)
        return float(scores["compound"]), float(scores["pos"]) + float(scores["neg"])

    def score(self, text: str) -> SentimentScore:
        """Score `text` with VADER."""
        return SentimentScore.of(*self.raw(text)) if _has_words(text) else NEUTRAL


class LexiconError(ValueError):
    """A youth-lexicon file is missing, unreadable or malformed."""


class YouthLexicon:
    """Phrases young people in care use, with valences; see the YAML file's header."""

    def __init__(
        self,
        phrases: Mapping[str, float],
        *,
        negators: Iterable[str] = (),
        breakers: Iterable[str] = (),
    ) -> None:
        self._index: dict[str, list[tuple[tuple[str, ...], float]]] = {}  # by first word
        seen: dict[tuple[str, ...], str] = {}
        for phrase, valence in phrases.items():
            words = tuple(normalise(phrase).split())
            if not words:
                raise LexiconError(f"phrase {phrase!r} has no words")
            if isinstance(valence, bool) or not isinstance(valence, int | float):
                raise LexiconError(f"phrase {phrase!r}: valence must be a number")
            if not -1.0 <= valence <= 1.0:
                raise LexiconError(f"phrase {phrase!r}: valence {valence} is outside -1..1")
            if words in seen:
                raise LexiconError(f"phrases {seen[words]!r} and {phrase!r} are the same")
            seen[words] = phrase
            self._index.setdefault(words[0], []).append((words, float(valence)))
        self._negators = frozenset(self._single_words(negators, "negators"))
        self._breakers = frozenset(self._single_words(breakers, "breakers"))

    @staticmethod
    def _single_words(words: Iterable[str], what: str) -> list[str]:
        result = [normalise(word) for word in words]
        if any(not word or " " in word for word in result):
            raise LexiconError(f"{what} must be single words")
        return result

    @classmethod
    def default(cls) -> YouthLexicon:
        """The lexicon shipped with carevoice (loaded once)."""
        return _default_lexicon()

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> YouthLexicon:
        """Load a lexicon YAML file; raise `LexiconError` if it is not right."""
        text = read_text(path, LexiconError, "lexicon")
        return cls.from_yaml(text, source=os.fspath(path))

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> YouthLexicon:
        """Build a lexicon from YAML text; `source` names it in error messages."""
        data = parse_yaml(text, source, LexiconError)
        if not isinstance(data, dict) or data.get("version") != 1:
            raise LexiconError(f"{source}: expected a mapping with 'version: 1' and 'phrases'")
        unknown = set(data) - {"version", "negators", "breakers", "phrases"}
        if unknown:
            raise LexiconError(f"{source}: unknown keys {sorted(map(str, unknown))}")
        phrases, negators, breakers = (data.get(k) for k in ("phrases", "negators", "breakers"))
        if not isinstance(phrases, dict) or not all(isinstance(k, str) for k in phrases):
            raise LexiconError(f"{source}: 'phrases' must map phrases to valences")
        for key, value in (("negators", negators), ("breakers", breakers)):
            if value is not None and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise LexiconError(f"{source}: '{key}' must be a list of words")
        try:
            return cls(phrases, negators=negators or (), breakers=breakers or ())
        except LexiconError as error:
            raise LexiconError(f"{source}: {error}") from None

    def assess(self, text: str) -> tuple[float | None, float]:
        """Mean valence of the phrases found (None if none) and the share of words they cover.

        Longer phrases are chosen first and phrases do not overlap, so "like my meeting" wins
        over "i like". A negator up to `NEGATION_WINDOW` words before a phrase, with no
        breaker between, flips it (times `NEGATION_SCALAR`).
        """
        words = normalise(text).split()
        candidates = [
            (len(phrase), start, valence)
            for start, word in enumerate(words)
            for phrase, valence in self._index.get(word, ())
            if tuple(words[start : start + len(phrase)]) == phrase
        ]
        taken = bytearray(len(words))
        valences: list[float] = []
        covered = 0
        for length, start, valence in sorted(candidates, key=lambda c: (-c[0], c[1])):
            if any(taken[start : start + length]):
                continue
            taken[start : start + length] = b"\x01" * length
            if valence:
                if self._negated(words, start):
                    valence *= NEGATION_SCALAR
                valences.append(valence)
                covered += length
        if not valences:
            return None, 0.0
        return sum(valences) / len(valences), covered / len(words)

    def _negated(self, words: list[str], start: int) -> bool:
        for word in reversed(words[max(0, start - NEGATION_WINDOW) : start]):
            if word in self._breakers:
                return False
            if word in self._negators:
                return True
        return False


@cache
def _default_lexicon() -> YouthLexicon:
    text, source = builtin_text("youth_lexicon.yaml")
    return YouthLexicon.from_yaml(text, source=source)


@dataclass(frozen=True)
class BlendWeights:
    """How `BlendedScorer` mixes its sources.

    The general score is ``textblob_share * TextBlob + (1 - textblob_share) * VADER``. Where
    the youth lexicon found phrases, it gets weight ``lexicon * min(1, coverage / 0.25)``
    against the general score.
    """

    textblob_share: float
    lexicon: float

    def __post_init__(self) -> None:
        for name in ("textblob_share", "lexicon"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")


# textblob_share: chosen on a fixed 30% tuning split of the human-rated VADER sets, maximising
# 3-class macro-F1 (benchmarks/sentiment_agreement.py). The best share is 0: TextBlob's
# polarity does not improve VADER's labels there (it does raise Pearson's r, which peaks at
# 0.5), so TextBlob contributes subjectivity only. Those sets flatter VADER, which was built
# on them. lexicon: set by hand; there is no human-rated care data to tune it on.
DEFAULT_WEIGHTS = BlendWeights(textblob_share=0.0, lexicon=0.6)


@dataclass(frozen=True)
class BlendParts:
    """What each source said about one text, before blending."""

    textblob: float
    subjectivity: float
    vader: float
    lexicon: float | None
    coverage: float


def blend(parts: BlendParts, weights: BlendWeights) -> SentimentScore:
    """Combine the sources' scores with `weights`; subjectivity is TextBlob's."""
    share = weights.textblob_share
    polarity = share * parts.textblob + (1.0 - share) * parts.vader
    if parts.lexicon is not None:
        weight = weights.lexicon * min(1.0, parts.coverage / FULL_COVERAGE)
        polarity = (1.0 - weight) * polarity + weight * parts.lexicon
    return SentimentScore.of(polarity, parts.subjectivity)


class BlendedScorer:
    """TextBlob and VADER blended, corrected by the youth lexicon where it applies."""

    def __init__(
        self, weights: BlendWeights = DEFAULT_WEIGHTS, *, lexicon: YouthLexicon | None = None
    ) -> None:
        self.weights = weights
        self._textblob = TextBlobScorer()
        self._vader = VaderScorer()
        self._lexicon = lexicon if lexicon is not None else YouthLexicon.default()

    def parts(self, text: str) -> BlendParts | None:
        """Each source's reading of `text`, or None if it has no words."""
        if not _has_words(text):
            return None
        polarity, subjectivity = self._textblob.raw(text)
        compound, _ = self._vader.raw(text)
        valence, coverage = self._lexicon.assess(text)
        return BlendParts(polarity, subjectivity, compound, valence, coverage)

    def score(self, text: str) -> SentimentScore:
        """Score `text`; text with no letters or digits is neutral."""
        parts = self.parts(text)
        return NEUTRAL if parts is None else blend(parts, self.weights)


@cache
def default_scorer() -> BlendedScorer:
    """The shared default scorer, built on first use."""
    return BlendedScorer()


def score_text(text: str) -> SentimentScore:
    """Score `text` with the default `BlendedScorer`."""
    return default_scorer().score(text)
