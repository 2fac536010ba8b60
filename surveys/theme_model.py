"""A statistical check on the theme keywords: one logistic regression per theme over the
words, word pairs and word starts of an answer and which themes the keywords found, shipped as weights
(``surveys/data/theme_model.json``) and scored in plain Python.

It works with the keywords, never instead of them: a theme the keywords find is kept
when the model gives it at least `keep_above`, and a theme the keywords miss is added when
the model gives it at least `add_above` (set high, so the model rarely adds). Trained on
the development part of ``tests/data/themes/answers.csv`` by
``benchmarks/themes_train.py``, which chose both thresholds by cross-validation.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from surveys.data_files import builtin_text

__all__ = ["PREFIX", "ThemeModel", "ThemeModelError", "features"]

PREFIX: Final = 5
"""Words longer than this also count by their first `PREFIX` letters ("fostering" ->
"foste"), a cheap stem."""


class ThemeModelError(ValueError):
    """The theme model file is missing, unreadable or malformed."""


def features(normalised: str, keyword_hits: Iterable[str] = ()) -> set[str]:
    """Words, adjacent pairs and word starts of text already passed through
    `surveys.topics.normalise`, and "kw=<key>" for each theme its keywords found."""
    words = normalised.split()
    found = set(words) | {f"kw={key}" for key in keyword_hits}
    found.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    found.update(f"{w[:PREFIX]}~" for w in words if len(w) > PREFIX)
    return found


@dataclass(frozen=True)
class ThemeModel:
    """Per theme an intercept and feature weights; the two thresholds of the module doc."""

    intercepts: Mapping[str, float]
    weights: Mapping[str, Mapping[str, float]]
    keep_above: float
    add_above: float

    @classmethod
    def default(cls) -> ThemeModel:
        """The model shipped with carevoice (loaded once)."""
        return _default_model()

    @classmethod
    def from_json(cls, text: str, *, source: str = "<string>") -> ThemeModel:
        """Build a model from its JSON; raise `ThemeModelError` if it is not right."""
        try:
            data = json.loads(text)
            if data.get("version") != 1:
                raise ThemeModelError(f"{source}: expected version 1")
            themes: dict[str, Any] = data["themes"]
            keep, add = float(data["keep_above"]), float(data["add_above"])
            if not 0.0 <= keep <= add <= 1.0:
                raise ThemeModelError(f"{source}: thresholds must be 0 <= keep <= add <= 1")
            return cls(
                {k: float(v["intercept"]) for k, v in themes.items()},
                {
                    k: {str(f): float(w) for f, w in v["weights"].items()}
                    for k, v in themes.items()
                },
                keep,
                add,
            )
        except ThemeModelError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ThemeModelError(f"{source}: not a theme model: {error!r}") from None

    def probability(self, key: str, found: Iterable[str]) -> float | None:
        """How likely the model thinks the answer with features `found` is about theme
        `key` (None for a theme it does not know)."""
        if key not in self.intercepts:
            return None
        weights = self.weights[key]
        z = self.intercepts[key] + sum(weights.get(f, 0.0) for f in found)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, key: str, by_keywords: bool, found: Iterable[str]) -> bool:
        """Whether the answer is about `key`, given what the keywords said."""
        p = self.probability(key, found)
        if p is None:
            return by_keywords
        return p >= (self.keep_above if by_keywords else self.add_above)


@cache
def _default_model() -> ThemeModel:
    text, source = builtin_text("theme_model.json")
    return ThemeModel.from_json(text, source=source)
