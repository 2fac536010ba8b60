"""A second opinion on themes: a linear model over words and word pairs.

Keywords alone mistake other uses of a theme's words for the theme ("my mum has a new
flat", "the wifi at college"): on answers written after the keywords were tuned, home and
carers, school and leaving-care housing were the themes most often shown wrongly. For a
theme whose taxonomy entry says `confirm_above: P`, an answer its keywords find counts only
when this model gives the theme a probability of at least P. Keywords also miss wordings
nobody wrote down ("third PA this year"): for a theme whose entry says `add_above: Q`, an
answer the keywords did not find counts when the model gives it at least Q, unless the
answer rules the theme out (an `unless` phrase, or an `if` rule's keywords with a `not`
word: "my mum has a prepayment meter" is not the young person's leaving-care money).

Trained with scikit-learn on the development part of ``tests/data/themes/answers/``
(``python -m benchmarks.themes_train``) and shipped as ``surveys/data/themes_model.json.gz``:
the vocabulary, each n-gram's inverse document frequency and, for each theme, the weights
of a logistic regression (as whole multiples of ``1 / coef_scale``, where the file gives
one). Features come in two blocks, each TF-IDF with sublinear term frequency and its own L2
norm: the normalised words and word pairs, and (when the file has them) the words'
character 3- to 5-grams, padded with a space each side as scikit-learn's ``char_wb`` makes
them, which catch spellings and word forms nobody labelled ("skool", "forster", "moved" from
"moving"). Scoring needs no numpy: the two blocks, then a dot product, as scikit-learn
computes it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cache
from itertools import pairwise
from operator import mul
from typing import Any

from surveys.data_files import builtin_text, parse_json

__all__ = ["ThemeModel", "ThemeModelError", "char_grams", "ngrams"]

MODEL_FILE = "themes_model.json.gz"
CHAR_LOW, CHAR_HIGH = 3, 5


class ThemeModelError(ValueError):
    """A theme model file is malformed."""


def ngrams(normalised: str) -> list[str]:
    """The words of normalised text (`surveys.topics.normalise`) and each pair of words."""
    tokens = normalised.split()
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def char_grams(normalised: str, low: int = CHAR_LOW, high: int = CHAR_HIGH) -> list[str]:
    """Each word's character n-grams, `low` to `high` long, the word padded with a space each
    side; a padded word shorter than `low` counts once whole (scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    for word in normalised.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1))
            if len(padded) <= n:
                break
    return grams


class ThemeModel:
    """Scores normalised text for the themes it was trained on."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        try:
            vocabulary = [str(gram) for gram in data["vocabulary"]]
            self._idf = [float(x) for x in data["idf"]]
            characters = [str(gram) for gram in data.get("char_vocabulary", ())]
            self._char_idf = [float(x) for x in data.get("char_idf", ())]
            scale = float(data.get("coef_scale", 1))  # weights stored as whole 1/scale
            if not (math.isfinite(scale) and scale > 0):
                raise ValueError(f"coef_scale {scale} is not a number above 0")
            self._themes = {
                str(key): ([float(x) / scale for x in spec["coef"]], float(spec["intercept"]))
                for key, spec in data["themes"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ThemeModelError(f"theme model: malformed ({error!r})") from None
        width = len(vocabulary) + len(characters)
        if (
            len(vocabulary) != len(self._idf)
            or len(characters) != len(self._char_idf)
            or any(len(coef) != width for coef, _ in self._themes.values())
        ):
            raise ThemeModelError("theme model: the arrays do not have matching lengths")
        self._index = {gram: n for n, gram in enumerate(vocabulary)}
        self._char_index = {gram: len(vocabulary) + n for n, gram in enumerate(characters)}
        if len(self._index) != len(vocabulary) or len(self._char_index) != len(characters):
            raise ThemeModelError("theme model: an n-gram is listed twice")
        self._columns_of_word: dict[str, tuple[int, ...]] = {}

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
        columns = [n for n, _ in weighted]
        values = [value for _, value in weighted]

        def chance(theme: str) -> float:
            if theme not in self._themes:
                raise ThemeModelError(f"theme model: no weights for theme {theme!r}")
            coef, intercept = self._themes[theme]
            score = intercept + sum(map(mul, values, map(coef.__getitem__, columns)))
            return 1.0 / (1.0 + math.exp(-score)) if score > -60 else 0.0

        return chance

    def _weighted(self, normalised: str) -> list[tuple[int, float]]:
        index = self._index
        weighted = _block(
            Counter(n for gram in ngrams(normalised) if (n := index.get(gram)) is not None),
            self._idf, 0,
        )
        if self._char_index:
            columns = Counter[int]()
            for word in normalised.split():
                columns.update(self._word_columns(word))
            weighted += _block(columns, self._char_idf, len(index))
        return weighted

    def _word_columns(self, word: str) -> tuple[int, ...]:
        """The character block's columns for one word's n-grams (kept: words recur)."""
        found = self._columns_of_word.get(word)
        if found is None:
            index = self._char_index
            found = tuple(n for gram in char_grams(word) if (n := index.get(gram)) is not None)
            if len(self._columns_of_word) >= _WORDS_KEPT:
                self._columns_of_word.clear()
            self._columns_of_word[word] = found
        return found


_WORDS_KEPT = 50_000


def _block(counts: Counter[int], idf: list[float], offset: int) -> list[tuple[int, float]]:
    """One feature block: (column, weight) for each column counted, sublinear TF-IDF, L2 norm."""
    weighted = [(n, (1.0 + math.log(count)) * idf[n - offset]) for n, count in counts.items()]
    norm = math.sqrt(sum(value * value for _, value in weighted))
    return [(n, value / norm) for n, value in weighted] if norm else []


@cache
def _default_model() -> ThemeModel:
    text, _ = builtin_text(MODEL_FILE)
    return ThemeModel.from_json(text)
