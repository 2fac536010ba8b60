"""Themes of free text: which of the taxonomy's themes an answer talks about.

The taxonomy is data (`surveys/data/topics.yaml`, or a council's own file): themes drawn
from what children in care and care leavers talk about, each with keywords. An answer is
tagged once, when it is stored (`topics_of`), so boards count tags instead of searching
text; an answer can have several themes or none (never "General"). Matching: the text is
lower-cased, apostrophes are dropped, other punctuation and runs of white space become one
space, and a keyword must appear as whole words ("mum" matches "my mum said", not
"mumble"); a keyword ending in "*" matches the start of a word ("brother*" matches
"brothers"). A theme's `unless` phrases are blanked out before its keywords are looked for,
and its `if` rules count some keywords only beside others. A theme with `confirm_above`
counts what its keywords find only when the theme model agrees (`surveys.theme_model`); one
with `add_above` also counts an answer its keywords missed when the model is that sure.
Agreement with a labelled set: ``benchmarks/themes_agreement.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from surveys.data_files import builtin_text, parse_yaml, read_text
from surveys.theme_model import MODEL_FILE, ThemeModel, ThemeModelError

__all__ = [
    "PUNCTUATION",
    "Rule",
    "Topic",
    "labels",
    "load_topics",
    "needle",
    "normalise",
    "tagging_fingerprint",
    "topics_of",
]

PUNCTUATION: Final = ".,!?;:\"()-/\n\t“”…&+"
"""Characters that become spaces before keywords are matched."""

APOSTROPHES: Final = "'’‘`"
"""Characters dropped before keywords are matched ("carer's" -> "carers")."""

_KEYWORD_ONLY: Final = "*%_"  # also blanked in keywords (a trailing "*" is kept as a flag)
MAX_KEY: Final = 32


@dataclass(frozen=True, slots=True)
class Rule:
    """Keywords that count only beside one of `with_any` and none of `without`."""

    keywords: tuple[str, ...]
    with_any: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    _groups: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        groups = (_needles(self.keywords), _needles(self.with_any), _needles(self.without))
        object.__setattr__(self, "_groups", groups)

    def holds(self, padded: str, whole: str | None = None) -> bool:
        """Whether ' normalised text ' has one of the keywords, beside the words it needs.
        `whole` is the text before its theme's `unless` phrases were blanked (`padded` when
        not given): a word that rules the keywords out counts even inside such a phrase
        ("my brother moved to a new place" is not about the young person's move)."""
        return self._beside(padded) and not self._ruled_out_by(padded if whole is None else whole)

    def vetoes(self, padded: str, whole: str | None = None) -> bool:
        """Whether the keywords are in ' normalised text ' beside the words they need, and a
        `without` word rules them out ("prepayment meter" with "my mum"): the text says it
        is not about the theme, as an `unless` phrase does."""
        return self._beside(padded) and self._ruled_out_by(padded if whole is None else whole)

    def _beside(self, padded: str) -> bool:
        keywords, with_any, _ = self._groups
        return _any(keywords, padded) and (not with_any or _any(with_any, padded))

    def _ruled_out_by(self, whole: str) -> bool:
        return _any(self._groups[2], whole)


@dataclass(frozen=True, slots=True)
class Topic:
    """A theme young people write about, found by keywords."""

    key: str
    label: str
    keywords: tuple[str, ...]
    unless: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    confirm_above: float | None = None
    """When set, what the keywords find counts only if the theme model gives at least this."""
    add_above: float | None = None
    """When set, an answer the keywords missed counts if the theme model gives at least this
    (and the text does not rule the theme out: see `ruled_out`)."""
    _keyword_needles: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _unless_needles: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_keyword_needles", _needles(self.keywords))
        object.__setattr__(self, "_unless_needles", _needles(self.unless))

    def holds(self, padded: str, chance: Callable[[str], float]) -> bool:
        """Whether ' normalised text ' is about this theme, asking the model (`chance`, a
        theme key's probability for this text) where the taxonomy says to."""
        blanked = self._blank(padded)
        if self._keywords_in(blanked, padded):
            return self.confirm_above is None or chance(self.key) >= self.confirm_above
        if self.add_above is None or blanked != padded:
            return False  # not asked, or an `unless` phrase rules it out: the model adds nothing
        # the rules' vetoes last: most answers are far under the threshold
        return chance(self.key) >= self.add_above and not self._vetoed(blanked, padded)

    def ruled_out(self, padded: str) -> bool:
        """Whether ' normalised text ' says it is not about this theme: one of its `unless`
        phrases is in it ("review at school" is not school), or an `if` rule's keywords are,
        ruled out by a `not` word ("my mum has a prepayment meter"). The model adds nothing
        there either."""
        blanked = self._blank(padded)
        return blanked != padded or self._vetoed(blanked, padded)

    def found_in(self, padded: str) -> bool:
        """Whether ' normalised text ' is about this theme by its keywords."""
        return self._keywords_in(self._blank(padded), padded)

    def _blank(self, padded: str) -> str:
        """' normalised text ' with this theme's `unless` phrases blanked out (the same
        string when none is in it)."""
        for phrase in self._unless_needles:
            if phrase in padded:
                padded = padded.replace(phrase, " | ")
        return padded

    def _vetoed(self, blanked: str, whole: str) -> bool:
        return any(rule.vetoes(blanked, whole) for rule in self.rules)

    def _keywords_in(self, blanked: str, whole: str) -> bool:
        return _any(self._keyword_needles, blanked) or any(
            rule.holds(blanked, whole) for rule in self.rules)


def _needles(keywords: Sequence[str]) -> tuple[str, ...]:
    return tuple(needle(k) for k in keywords)


def _any(needles: Sequence[str], padded: str) -> bool:
    return any(n in padded for n in needles)


def normalise(text: str, extra: str = "") -> str:
    """Lower case, apostrophes dropped, punctuation (and `extra`) as spaces, single spaces,
    trimmed."""
    for char in APOSTROPHES:
        text = text.replace(char, "")
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
    """The keys of the themes `text` is about, in taxonomy order (none for no text)."""
    if not text:
        return ()
    words = normalise(text)
    padded = f" {words} "
    chance = _ModelChance(words)
    return tuple(
        topic.key
        for topic in (load_topics() if topics is None else topics)
        if topic.holds(padded, chance)
    )


class _ModelChance:
    """The theme model's probability of each theme for one text, weighed on first use (only
    when a theme has `confirm_above` or `add_above`)."""

    __slots__ = ("_score", "_words")

    def __init__(self, words: str) -> None:
        self._words = words
        self._score: Callable[[str], float] | None = None

    def __call__(self, key: str) -> float:
        if self._score is None:
            self._score = ThemeModel.default().scorer(self._words)
        return self._score(key)


@lru_cache(maxsize=1)
def tagging_fingerprint() -> str:
    """What the built-in taxonomy and theme model tag by, as a SHA-256 hex digest: stored
    answers tagged under another fingerprint need tagging again (`carevoice retag-themes`)."""
    digest = hashlib.sha256()
    for name in ("topics.yaml", MODEL_FILE):
        digest.update(builtin_text(name)[0].encode("utf-8"))
    return digest.hexdigest()


def labels(topics: Sequence[Topic] | None = None) -> dict[str, str]:
    """Each theme's key and the label a board reads, in taxonomy order."""
    return {t.key: t.label for t in (load_topics() if topics is None else topics)}


def load_topics(path: Path | None = None) -> tuple[Topic, ...]:
    """The taxonomy: `path`, or the built-in `surveys/data/topics.yaml`."""
    if path is None:
        return _builtin_topics()
    return _parse_topics(read_text(path, ValueError, "topic lexicon"), str(path))


@lru_cache(maxsize=1)
def _builtin_topics() -> tuple[Topic, ...]:
    return _parse_topics(*builtin_text("topics.yaml"))


def _keywords(value: Any, where: str, what: str, *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        raise ValueError(f"{where}: {what} needs a list of keywords")
    cleaned = tuple(
        normalise(str(k).removesuffix("*"), _KEYWORD_ONLY) + ("*" if str(k).endswith("*") else "")
        for k in value
    )
    if any(not k.strip("*") for k in cleaned):
        raise ValueError(f"{where}: {what} has an empty keyword")
    return cleaned


def _rules(value: Any, where: str, key: str) -> tuple[Rule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValueError(f"{where}: topic {key!r}: 'if' must be a list of mappings")
    rules = []
    for rule in value:
        unknown = set(rule) - {"keywords", "and", "not"}
        if unknown:
            raise ValueError(f"{where}: topic {key!r}: unknown keys {sorted(map(str, unknown))}")
        rules.append(
            Rule(
                _keywords(rule.get("keywords"), where, f"topic {key!r} 'if'", required=True),
                _keywords(rule.get("and"), where, f"topic {key!r} 'and'", required=False),
                _keywords(rule.get("not"), where, f"topic {key!r} 'not'", required=False),
            )
        )
    return tuple(rules)


def _parse_topics(text: str, where: str) -> tuple[Topic, ...]:
    data = parse_yaml(text, where, ValueError)
    themes = data.get("themes", data.get("topics")) if isinstance(data, dict) else None
    if not isinstance(themes, dict):
        raise ValueError(f"{where}: expected a mapping with 'themes'")
    topics = []
    for key, spec in themes.items():
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: topic {key!r} needs a list of keywords")
        if len(str(key)) > MAX_KEY:
            raise ValueError(f"{where}: topic key {key!r} is longer than {MAX_KEY} characters")
        if str(key).lower() == "general" or str(spec.get("label", "")).lower() == "general":
            raise ValueError(f"{where}: 'General' is not a theme; leave such answers untagged")
        topics.append(
            Topic(
                str(key),
                str(spec.get("label") or key),
                _keywords(spec.get("keywords"), where, f"topic {key!r}", required=True),
                _keywords(spec.get("unless"), where, f"topic {key!r} 'unless'", required=False),
                _rules(spec.get("if"), where, str(key)),
                _model_threshold(spec.get("confirm_above"), where, str(key), "confirm_above"),
                _model_threshold(spec.get("add_above"), where, str(key), "add_above"),
            )
        )
        confirm, add = topics[-1].confirm_above, topics[-1].add_above
        if confirm is not None and add is not None and add < confirm:
            raise ValueError(
                f"{where}: topic {key!r}: add_above ({add}) is below confirm_above ({confirm}): "
                "the model would add an answer without its keywords that it drops with them"
            )
    return tuple(topics)


def _model_threshold(value: Any, where: str, key: str, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(f"{where}: topic {key!r}: {name} must be a probability between 0 and 1")
    try:
        known = ThemeModel.default().themes
    except ThemeModelError as error:
        raise ValueError(f"{where}: topic {key!r}: {name}: {error}") from None
    if key not in known:
        raise ValueError(
            f"{where}: topic {key!r}: {name} needs the theme model, which knows only "
            f"{', '.join(sorted(known))}"
        )
    return float(value)
