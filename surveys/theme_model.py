"""A second opinion on themes: a linear model over words and word pairs.

Keywords alone mistake other uses of a theme's words for the theme ("my mum has a new
flat", "the wifi at college"): on answers written after the keywords were tuned, home and
carers, school and leaving-care housing were the themes most often shown wrongly. For a
theme whose taxonomy entry says `confirm_above: P`, an answer its keywords find counts only
when this model gives the theme a probability of at least P. Keywords also miss wordings
nobody wrote down ("third PA this year"): for a theme whose entry says `add_above: Q`, an
answer the keywords did not find counts when the model gives it at least Q.

Trained with scikit-learn on the development part of ``tests/data/themes/answers.csv``
(``python -m benchmarks.themes_train``) and shipped as ``surveys/data/themes_model.json.gz``:
the vocabulary, each n-gram's inverse document frequency and, for each theme, the weights
of a logistic regression. Scoring needs no numpy: TF-IDF over the normalised words and word
pairs with sublinear term frequency and an L2 norm, then a dot product, as scikit-learn
computes it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cache
from itertools import pairwise
from typing import Any

from surveys.data_files import builtin_text, parse_json

__all__ = ["ThemeModel", "ThemeModelError", "ngrams"]

MODEL_FILE = "themes_model.json.gz"


class ThemeModelError(ValueError):
    """A theme model file is malformed."""


def ngrams(normalised: str) -> list[str]:
    """The words of normalised text (`surveys.topics.normalise`) and each pair of words."""
    tokens = normalised.split()
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


class ThemeModel:
    """Scores normalised text for the themes it was trained on."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        try:
            vocabulary = [str(gram) for gram in data["vocabulary"]]
            self._idf = [float(x) for x in data["idf"]]
            self._themes = {
                str(key): ([float(x) for x in spec["coef"]], float(spec["intercept"]))
                for key, spec in data["themes"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ThemeModelError(f"theme model: malformed ({error!r})") from None
        if len(vocabulary) != len(self._idf) or any(
            len(coef) != len(vocabulary) for coef, _ in self._themes.values()
        ):
            raise ThemeModelError("theme model: the arrays do not have matching lengths")
        self._index = {gram: n for n, gram in enumerate(vocabulary)}

    @classmethod
    def default(cls) -> ThemeModel:
        """The model shipped with carevoice (loaded once)."""
        return _default_model()

    @classmethod
    def from_json(cls, text: str) -> ThemeModel:
        """Build from the JSON text the training script writes."""
        return cls(parse_json(text, "theme model", ThemeModelError))

    @property
    def themes(self) -> frozenset[str]:
        """The theme keys the model can score."""
        return frozenset(self._themes)

    def probability(self, theme: str, normalised: str) -> float:
        """How likely normalised text is about `theme` (a key in `themes`)."""
        return self.scorer(normalised)(theme)

    def scorer(self, normalised: str) -> Callable[[str], float]:
        """`probability` for one text and any theme, weighting the text's n-grams once."""
        weighted = self._weighted(normalised)

        def chance(theme: str) -> float:
            if theme not in self._themes:
                raise ThemeModelError(f"theme model: no weights for theme {theme!r}")
            coef, intercept = self._themes[theme]
            score = intercept + sum(value * coef[n] for n, value in weighted)
            return 1.0 / (1.0 + math.exp(-score)) if score > -60 else 0.0

        return chance

    def _weighted(self, normalised: str) -> list[tuple[int, float]]:
        counts = Counter(
            n for gram in ngrams(normalised) if (n := self._index.get(gram)) is not None
        )
        idf = self._idf
        weighted = [(n, (1.0 + math.log(count)) * idf[n]) for n, count in counts.items()]
        norm = math.sqrt(sum(value * value for _, value in weighted))
        return [(n, value / norm) for n, value in weighted] if norm else []


@cache
def _default_model() -> ThemeModel:
    text, _ = builtin_text(MODEL_FILE)
    return ThemeModel.from_json(text)
