"""The statistical layer: a linear model over word and character n-grams, in plain Python.

It catches what no phrase was written for ("nobody would care if i wasnt here", "he
says its our special game"). It was trained with scikit-learn on the development part of
the corpus in ``tests/data/safeguarding/``, with everyday care answers from the theme and
sentiment sets as further ordinary messages (``python -m benchmarks.safeguarding_train``), and
ships as ``surveys/data/safeguarding_model.json.gz`` (gzipped JSON, to stay under 1 MiB): the
vocabulary, each n-gram's inverse document frequency, and the weights of two logistic
regressions, one saying whether a text is a risk and one saying which category. Scoring
needs no numpy: TF-IDF with sublinear term frequency and no norm (so a two-word answer cannot
score as high as a disclosure), then a dot product, exactly as scikit-learn computes it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

from surveys.data_files import builtin_text, parse_json
from surveys.safeguarding.categories import RiskCategory

__all__ = ["ModelError", "RiskModel", "Verdict", "features"]

_CHAR_SIZES = (3, 4, 5)


def features(words: str) -> list[str]:
    """The n-grams the model reads from canonical words (see `canonical`).

    Words ("w:"), pairs of words ("b:") and 3- to 5-letter pieces of each word with a space
    either side ("c:"), so "suicidal" shares pieces with "suicide" and with "sucidal".
    """
    tokens = words.split()
    result: list[str] = []
    for token in tokens:
        result.extend(_word_features(token))
    result.extend(f"b:{a} {b}" for a, b in pairwise(tokens))
    return result


def _word_features(token: str) -> tuple[str, ...]:
    padded = f" {token} "
    length = len(padded)
    pieces = ["w:" + token]
    for size in _CHAR_SIZES:
        pieces.extend("c:" + padded[i : i + size] for i in range(length - size + 1))
    return tuple(pieces)


_NO_ROW: list[float] = []  # a feature the category model does not read
_WORD_CACHE = 50_000  # words whose n-grams are remembered


class ModelError(ValueError):
    """A model file is malformed."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """How likely a text is a risk, and the category the model thinks most likely."""

    probability: float
    category: RiskCategory | None


class RiskModel:
    """Scores canonical words; built from the JSON that the training script writes."""

    def __init__(self, data: Any) -> None:
        try:
            vocabulary: list[str] = data["vocabulary"]
            idf: list[float] = data["idf"]
            risk_coef: list[float] = data["risk"]["coef"]
            classes = [RiskCategory(c) for c in data["category"]["classes"]]
            category_features: list[int] = data["category"]["features"]
            category_coef: list[list[float]] = data["category"]["coef"]
            self._risk_intercept = float(data["risk"]["intercept"])
            self._category_intercepts = [float(x) for x in data["category"]["intercepts"]]
            self.threshold = float(data["threshold"])
            rows = {
                vocabulary[i]: [float(x) for x in row]
                for i, row in zip(category_features, category_coef, strict=True)
            }
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise ModelError(f"safeguarding model: malformed ({error!r})") from None
        if (
            len({len(vocabulary), len(idf), len(risk_coef)}) != 1
            or len(self._category_intercepts) != len(classes)
            or any(len(row) != len(classes) for row in rows.values())
        ):
            raise ModelError("safeguarding model: the arrays do not have matching lengths")
        self._classes = classes
        self._index = {feature: n for n, feature in enumerate(vocabulary)}
        self._idf = [float(x) for x in idf]
        self._coef = [float(x) for x in risk_coef]
        self._rows = [rows.get(feature, _NO_ROW) for feature in vocabulary]
        self._by_word: dict[str, tuple[int, ...]] = {}  # a word's known n-grams, once read

    @classmethod
    def default(cls) -> RiskModel:
        """The model shipped with carevoice (loaded once)."""
        return _default_model()

    def knows(self, word: str) -> bool:
        """Whether `word` (canonical) was seen as a word in training: English, mostly."""
        return "w:" + word in self._index

    @classmethod
    def from_json(cls, text: str) -> RiskModel:
        """Build from the JSON text the training script writes."""
        return cls(parse_json(text, "safeguarding model", ModelError))

    def _weighted(self, words: str) -> list[tuple[int, float]]:
        """Each known n-gram of the text and its TF-IDF weight (not normalised)."""
        index, by_word = self._index, self._by_word
        tokens = words.split()
        found: list[int] = []
        for token in tokens:
            known = by_word.get(token)
            if known is None:
                known = tuple(n for f in _word_features(token) if (n := index.get(f)) is not None)
                if len(by_word) < _WORD_CACHE:
                    by_word[token] = known
            found.extend(known)
        for first, second in pairwise(tokens):
            n = index.get(f"b:{first} {second}")
            if n is not None:
                found.append(n)
        idf = self._idf
        return [
            (n, (1.0 + math.log(count)) * idf[n] if count > 1 else idf[n])
            for n, count in Counter(found).items()
        ]

    def probability(self, words: str) -> float:
        """The probability that the text is a risk."""
        return _sigmoid(self._risk_score(self._weighted(words)))

    def _risk_score(self, weighted: list[tuple[int, float]]) -> float:
        coef = self._coef
        return self._risk_intercept + sum(value * coef[n] for n, value in weighted)

    def assess(self, words: str) -> Verdict:
        """The probability of risk and, when it reaches the threshold, the likeliest category."""
        weighted = self._weighted(words)
        probability = _sigmoid(self._risk_score(weighted))
        if probability < self.threshold or not weighted:
            return Verdict(probability, None)
        scores = list(self._category_intercepts)
        for n, value in weighted:
            for index, coef in enumerate(self._rows[n]):
                scores[index] += value * coef
        best = max(range(len(scores)), key=scores.__getitem__)
        return Verdict(probability, self._classes[best])


def _sigmoid(score: float) -> float:
    if score < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-score))


@cache
def _default_model() -> RiskModel:
    text, _ = builtin_text("safeguarding_model.json.gz")
    return RiskModel.from_json(text)
