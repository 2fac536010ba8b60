"""How positive or negative a young person's free-text answer sounds.

Scorers share the `SentimentScorer` protocol: `TextBlobScorer` (TextBlob's pattern lexicon),
`VaderScorer` (VADER's compound score) and `CareScorer`, the default: a small learned
combination of TextBlob's polarity and subjectivity, VADER's compound, pos and neg, a care
lexicon of our own (``surveys/data/youth_lexicon.yaml``, with negation: the mean of the
phrases found and the most positive and most negative, so a mixed answer is not read as
flat) and word weights (words, word pairs, words in a negator's reach and the 4-letter
spelling fragments of longer words, which the label reads and the polarity does not), shipped as
weights (``surveys/data/sentiment_model.json``) and scored in plain Python.
Facts of care ("I am a care leaver", "my foster carer") are hidden from TextBlob and VADER,
which read "care" as a warm word. TextBlob and VADER load lazily, on the first scorer
built; nothing here needs NLTK corpora. Trained by ``benchmarks/sentiment_train.py``;
agreement with people: ``benchmarks/sentiment_agreement.py`` (figures the board shows:
``surveys/data/sentiment_agreement.json``).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from typing import Any, Protocol

from surveys.data_files import builtin_text, parse_yaml, read_text
from surveys.safeguarding import normalise

__all__ = [
    "CLASSES",
    "DENSE",
    "GRAM_MARK",
    "LABEL_MARGIN",
    "NEGATIVE_BELOW",
    "POSITIVE_ABOVE",
    "CareScorer",
    "LexiconError",
    "ModelError",
    "Parts",
    "SentimentLabel",
    "SentimentModel",
    "SentimentScore",
    "SentimentScorer",
    "TextBlobScorer",
    "VaderScorer",
    "YouthLexicon",
    "care_polarity",
    "default_scorer",
    "how_measured",
    "label_for",
    "score_text",
    "social_marks",
    "tokens",
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

    def scores(self, text: str) -> dict[str, float]:
        """VADER's compound, pos, neg and neu scores."""
        return {k: float(v) for k, v in self._analyzer.polarity_scores(text).items()}

    def raw(self, text: str) -> tuple[float, float]:
        """Compound score and the pos + neg share of the text."""
        scores = self.scores(text)
        return scores["compound"], scores["pos"] + scores["neg"]

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
        facts: Iterable[str] = (),
        non_answers: Iterable[str] = (),
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
        self._non_answers = frozenset(normalise(answer) for answer in non_answers)
        if "" in self._non_answers:
            raise LexiconError("non_answers must have words")
        facts = sorted((f.strip() for f in facts), key=len, reverse=True)
        if any(not f for f in facts):
            raise LexiconError("facts must not be empty")
        self._facts = (
            re.compile(r"\b(?:" + "|".join(re.escape(f) for f in facts) + r")\b", re.I)
            if facts
            else None
        )

    def without_facts(self, text: str) -> str:
        """`text` with the facts of care ("care leaver", "foster carer") taken out, for
        general scorers that read "care" as a warm word."""
        return text if self._facts is None else self._facts.sub(" ", text)

    def says_nothing(self, text: str) -> bool:
        """Whether the whole answer is a non-answer ("idk", "nah", "not sure", "n/a"): neutral
        whatever the scorers make of a lone word they do not know."""
        return normalise(text) in self._non_answers

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
        unknown = set(data) - {"version", "negators", "breakers", "facts", "non_answers", "phrases"}
        if unknown:
            raise LexiconError(f"{source}: unknown keys {sorted(map(str, unknown))}")
        phrases, negators, breakers, facts, non_answers = (
            data.get(k) for k in ("phrases", "negators", "breakers", "facts", "non_answers")
        )
        if not isinstance(phrases, dict) or not all(isinstance(k, str) for k in phrases):
            raise LexiconError(f"{source}: 'phrases' must map phrases to valences")
        lists = (
            ("negators", negators), ("breakers", breakers), ("facts", facts),
            ("non_answers", non_answers),
        )  # fmt: skip
        for key, value in lists:
            if value is not None and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                hint = " (quote yes and no: YAML reads them as true and false)" * any(
                    isinstance(v, bool) for v in value or ()
                )
                raise LexiconError(f"{source}: '{key}' must be a list of words{hint}")
        try:
            return cls(
                phrases,
                negators=negators or (),
                breakers=breakers or (),
                facts=facts or (),
                non_answers=non_answers or (),
            )
        except LexiconError as error:
            raise LexiconError(f"{source}: {error}") from None

    def assess(self, text: str) -> tuple[float | None, float]:
        """Mean valence of the phrases found (None if none) and the share of words they cover.

        Longer phrases are chosen first and phrases do not overlap, so "like my meeting" wins
        over "i like". A negator up to `NEGATION_WINDOW` words before a phrase, with no
        breaker between, flips it (times `NEGATION_SCALAR`).
        """
        valence, coverage, _, _ = self.reading(text)
        return valence, coverage

    def extremes(self, text: str) -> tuple[float, float]:
        """The most positive and the most negative valence found (after negation), 0 for
        none: "my carers are nice but I miss my dog" has both, whose mean hides them."""
        _, _, high, low = self.reading(text)
        return high, low

    def reading(self, text: str) -> tuple[float | None, float, float, float]:
        """`assess` and `extremes` from one pass over the text: mean valence, coverage,
        most positive, most negative."""
        valences, covered, words = self._found(text)
        if not valences:
            return None, 0.0, 0.0, 0.0
        high, low = max(0.0, *valences), min(0.0, *valences)
        return sum(valences) / len(valences), covered / words, high, low

    def _found(self, text: str) -> tuple[list[float], int, int]:
        """The valences of the phrases found, the words they cover and the words in all."""
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
        return valences, covered, len(words)

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


TOKEN = re.compile(r"[a-z0-9]+")
WORD_OR_STOP = re.compile(r"[a-z0-9]+|[.,;:!?]")
SCOPE_NEGATORS = frozenset({
    "not", "never", "no", "dont", "didnt", "doesnt", "isnt", "wasnt", "werent", "arent",
    "aint", "cant", "cannot", "couldnt", "wouldnt", "wont", "shouldnt", "havent", "hasnt",
    "hadnt", "nobody", "noone", "nothing", "without", "hardly", "barely", "nor", "neither",
})  # fmt: skip
SCOPE_ENDS = frozenset({
    "but", "although", "though", "however", "except", "yet", "whereas", "apart", "and", "so",
    "because",
})  # with punctuation, these end a negator's reach


GRAM = 4  # letters in a spelling fragment
GRAM_MARK = "#"  # marks a spelling fragment among the tokens


def tokens(text: str) -> list[str]:
    """Lower-case words (apostrophes dropped: "didn't" -> "didnt"), adjacent word pairs,
    marked "~", the up to `NEGATION_WINDOW` words after a negator ("didnt like it" ->
    "~like", "~it"; a comma or "but" ends the reach) and, marked "#", the `GRAM`-letter
    fragments of words longer than that ("evicted" -> "#evic", "#vict", "#icte", "#cted"),
    so a spelling or a form of a word the model never saw still counts, as the word weights
    are keyed."""
    plain = text.lower().replace("'", "").replace("\u2019", "")
    words = TOKEN.findall(plain)
    negated: list[str] = []
    reach = 0
    for part in WORD_OR_STOP.findall(plain):
        if not part[0].isalnum() or part in SCOPE_ENDS:
            reach = 0
            continue
        if reach:
            negated.append(f"~{part}")
            reach -= 1
        if part in SCOPE_NEGATORS:
            reach = NEGATION_WINDOW
    fragments = [
        f"{GRAM_MARK}{word[i : i + GRAM]}"
        for word in dict.fromkeys(words)  # each word once, in order
        if len(word) > GRAM and not word.isdigit()
        for i in range(len(word) - GRAM + 1)
    ]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)] + negated + fragments


@dataclass(frozen=True)
class Parts:
    """What each source said about one text (after facts of care were hidden)."""

    textblob: float
    subjectivity: float
    vader: float
    vader_pos: float
    vader_neg: float
    lexicon: float | None
    coverage: float
    words: int = 0
    exclaims: float = 0.0  # 1 if the text has "!", else 0
    markers: float = 0.0  # 1 if the text has social-media marks (`social_marks`), else 0
    lexicon_high: float = 0.0  # the lexicon's most positive valence found, else 0
    lexicon_low: float = 0.0  # the lexicon's most negative valence found, else 0

    def dense(self) -> list[float]:
        """The model's dense features, in `DENSE` order."""
        short = 1.0 if self.words <= SHORT_WORDS else 0.0
        lexicon = 0.0 if self.lexicon is None else self.lexicon
        weight = 0.0 if self.lexicon is None else min(1.0, self.coverage / FULL_COVERAGE)
        tb, vd = self.textblob, self.vader
        return [
            tb,
            self.subjectivity,
            tb * self.subjectivity,
            vd,
            self.vader_pos,
            self.vader_neg,
            lexicon * weight,
            weight,
            tb * abs(tb),
            vd * abs(vd),
            *(max(0.0, vd - knot) for knot in KNOTS),
            short,
            vd * short,
            tb * short,
            math.log1p(self.words) / 4,
            vd * self.exclaims,
            1.0 if vd > POSITIVE_ABOVE else 0.0,
            1.0 if vd < NEGATIVE_BELOW else 0.0,
            1.0 if tb > POSITIVE_ABOVE else 0.0,
            1.0 if tb < NEGATIVE_BELOW else 0.0,
            short * (1.0 if vd > POSITIVE_ABOVE else 0.0),
            short * (1.0 if vd < NEGATIVE_BELOW else 0.0),
            self.markers,
            self.markers * vd,
            self.markers * tb,
            self.markers * (1.0 if vd > POSITIVE_ABOVE else 0.0),
            self.markers * (1.0 if vd < NEGATIVE_BELOW else 0.0),
            self.lexicon_high,
            self.lexicon_low,
            self.lexicon_high * self.lexicon_low,
        ]


KNOTS = (-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75)  # hinges of VADER's compound
DENSE = (
    "textblob", "subjectivity", "textblob_x_subjectivity", "vader", "vader_pos", "vader_neg",
    "lexicon", "lexicon_weight", "textblob_signed_square", "vader_signed_square",
    *(f"vader_above_{k:+.2f}" for k in KNOTS),
    "short", "vader_x_short", "textblob_x_short", "log_words", "vader_x_exclaims",
    "vader_says_positive", "vader_says_negative", "textblob_says_positive",
    "textblob_says_negative", "short_and_vader_positive", "short_and_vader_negative",
    "marks", "vader_x_marks", "textblob_x_marks", "marks_and_vader_positive",
    "marks_and_vader_negative", "lexicon_high", "lexicon_low", "lexicon_high_x_low",
)  # fmt: skip
SOCIAL_MARKS = re.compile(
    r"@\w|#\w|https?:|&amp;|(?<!\w)[:;=]-?[()dpDP/]|<3|\b(?:lol|lmao|haha\w*|omg)\b", re.I
)


def social_marks(text: str) -> float:
    """1 if `text` reads like a chat message (a mention, hashtag, link, emoticon, "lol"),
    where VADER, built on such messages, is the best reader; else 0."""
    return 1.0 if SOCIAL_MARKS.search(text) else 0.0


SHORT_WORDS = 12  # texts of at most this many words are "short"
CLASSES = (SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE)


class ModelError(ValueError):
    """The sentiment model file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Linear:
    """A linear function of the dense features and the words present."""

    intercept: float
    dense: tuple[float, ...]
    words: Mapping[str, float]

    def __call__(self, dense: Sequence[float], words: Iterable[str]) -> float:
        total = self.intercept + sum(w * x for w, x in zip(self.dense, dense, strict=True))
        return total + sum(self.words.get(word, 0.0) for word in set(words))


@dataclass(frozen=True)
class SentimentModel:
    """Weights learned offline: `polarity` (a ridge regression of the human rating) and one
    logistic score per class; the class decides the label, the polarity how strong."""

    polarity: Linear
    classes: Mapping[SentimentLabel, Linear]
    trained_on: str

    @classmethod
    def default(cls) -> SentimentModel:
        """The model shipped with carevoice (loaded once)."""
        return _default_model()

    @cached_property
    def _linears(self) -> tuple[Linear, ...]:
        """The polarity, then each class's score, in `CLASSES` order."""
        return (self.polarity, *(self.classes[c] for c in CLASSES))

    @cached_property
    def _weights_by_word(self) -> dict[str, tuple[float, ...]]:
        """Each word's weight in each of `_linears`, in one lookup: a text's words are
        looked up once, not once per score."""
        vocabulary = set().union(*(f.words for f in self._linears))
        return {w: tuple(f.words.get(w, 0.0) for f in self._linears) for w in vocabulary}

    @classmethod
    def untrained(cls) -> SentimentModel:
        """All weights zero (everything neutral): for reading parts before training."""
        zero = Linear(0.0, (0.0,) * len(DENSE), {})
        return cls(zero, dict.fromkeys(CLASSES, zero), "")

    @classmethod
    def from_json(cls, text: str, *, source: str = "<string>") -> SentimentModel:
        """Build a model from its JSON; raise `ModelError` if it is not right."""
        try:
            data = json.loads(text)
            if data.get("version") != 1 or tuple(data["dense"]) != DENSE:
                raise ModelError(f"{source}: expected version 1 with dense features {DENSE}")
            vocabulary = [str(w) for w in data["vocabulary"]]

            def linear(spec: Mapping[str, Any]) -> Linear:
                words = [float(w) for w in spec["words"]]
                if len(words) != len(vocabulary) or len(spec["dense"]) != len(DENSE):
                    raise ModelError(f"{source}: weights do not match the features")
                return Linear(
                    float(spec["intercept"]),
                    tuple(float(w) for w in spec["dense"]),
                    {v: w for v, w in zip(vocabulary, words, strict=True) if w},
                )

            classes = {label: linear(data["classes"][label.value]) for label in CLASSES}
            return cls(linear(data["polarity"]), classes, str(data.get("trained_on", "")))
        except ModelError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ModelError(f"{source}: not a sentiment model: {error!r}") from None

    def predict(self, parts: Parts, words: Sequence[str]) -> tuple[float, SentimentLabel]:
        """Polarity in -1..1 whose label (`label_for`) is the most likely class: 0 for a
        neutral text, so that every common rule reads it as neutral (VADER's, compound of at
        least 0.05, and TextBlob's, any polarity above 0, as well as ours); a positive or
        negative one at least `LABEL_MARGIN` past its threshold."""
        dense = parts.dense()
        sums = [0.0] * (1 + len(CLASSES))  # the polarity's word weights, then each class's
        table = self._weights_by_word
        for word in set(words):
            found = table.get(word)
            if found is not None:
                sums = [total + weight for total, weight in zip(sums, found, strict=True)]
        polarity_score, *class_scores = [
            f.intercept + sum(w * x for w, x in zip(f.dense, dense, strict=True)) + words_sum
            for f, words_sum in zip(self._linears, sums, strict=True)
        ]
        label = max(zip(CLASSES, class_scores, strict=True), key=lambda pair: pair[1])[0]
        polarity = _clamp(polarity_score, -1.0, 1.0)
        if label is SentimentLabel.NEUTRAL:
            polarity = 0.0  # whatever rule reads it (above 0.05, at least 0.05, above 0)
        elif label is SentimentLabel.POSITIVE:
            polarity = max(polarity, POSITIVE_ABOVE + LABEL_MARGIN)
        else:
            polarity = min(polarity, NEGATIVE_BELOW - LABEL_MARGIN)
        return polarity, label


LABEL_MARGIN = 0.01  # a positive or negative polarity is at least this far past its threshold


@cache
def _default_model() -> SentimentModel:
    text, source = builtin_text("sentiment_model.json")
    return SentimentModel.from_json(text, source=source)


class CareScorer:
    """TextBlob, VADER and the care lexicon combined by the learned `SentimentModel`."""

    def __init__(
        self, model: SentimentModel | None = None, *, lexicon: YouthLexicon | None = None
    ) -> None:
        self.model = model if model is not None else SentimentModel.default()
        self._textblob = TextBlobScorer()
        self._vader = VaderScorer()
        self._lexicon = lexicon if lexicon is not None else YouthLexicon.default()

    def parts(self, text: str) -> Parts | None:
        """Each source's reading of `text`, or None if it has no words."""
        if not _has_words(text):
            return None
        plain = self._lexicon.without_facts(text)
        polarity, subjectivity = self._textblob.raw(plain)
        scores = self._vader.scores(plain)
        valence, coverage, high, low = self._lexicon.reading(text)
        return Parts(
            polarity, subjectivity, scores["compound"], scores["pos"], scores["neg"],
            valence, coverage, len(text.split()), 1.0 if "!" in text else 0.0,
            social_marks(text), high, low,
        )  # fmt: skip

    def score(self, text: str) -> SentimentScore:
        """Score `text`; text with no letters or digits, or a non-answer, is neutral."""
        parts = self.parts(text)
        if parts is None or self._lexicon.says_nothing(text):
            return NEUTRAL
        polarity = care_polarity(self.model, parts, text, self._lexicon)
        return SentimentScore.of(polarity, parts.subjectivity)


def care_polarity(
    model: SentimentModel, parts: Parts, text: str, lexicon: YouthLexicon | None = None
) -> float:
    """The model's polarity for `text`, 0 for a non-answer (`YouthLexicon.says_nothing`):
    what `CareScorer` gives and the benchmarks measure."""
    if (lexicon or YouthLexicon.default()).says_nothing(text):
        return 0.0
    return model.predict(parts, tokens(text))[0]


@cache
def default_scorer() -> CareScorer:
    """The shared default scorer, built on first use."""
    return CareScorer()


def score_text(text: str) -> SentimentScore:
    """Score `text` with the default `CareScorer`."""
    return default_scorer().score(text)


CARE_SET = "care_phrases"


def how_measured(figures: Mapping[str, Any] | None = None) -> str:
    """A sentence for the board on how feelings are measured and how well that agrees
    with people, from the held-out figures `benchmarks.sentiment_agreement --write` stores
    in ``surveys/data/sentiment_agreement.json`` (or `figures`, shaped the same)."""
    if figures is None:
        figures = _agreement_figures()
    method = (
        "Feelings are read by a scorer that combines TextBlob, VADER and a lexicon of the "
        "words young people in care use, learned from texts people have rated."
    )
    try:
        human = [row for name, row in figures.items() if name != CARE_SET]
        n = sum(int(row["ours"]["n"]) for row in human)

        def share(scorer: str) -> str:
            right = sum(row[scorer]["accuracy"] * row[scorer]["n"] for row in human)
            return f"{round(100 * right / n)}%"

        care = figures[CARE_SET]
        return (
            f"{method} On {n:,} texts it had not learned from (tweets, reviews, news), it "
            f"agreed with people's reading (negative, neutral or positive) {share('ours')} of "
            f"the time, against {share('TextBlob')} for TextBlob and {share('VADER')} for "
            f"VADER alone; on {int(care['ours']['n'])} answers written in young people's "
            f"words it gave our label {round(100 * care['ours']['accuracy'])}% of the time."
        )
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return method


@cache
def _agreement_figures() -> Mapping[str, Any]:
    text, _ = builtin_text("sentiment_agreement.json")
    figures: Mapping[str, Any] = json.loads(text)
    return figures
