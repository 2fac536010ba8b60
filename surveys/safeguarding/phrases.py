"""The phrase-book layer: patterns kept as data, each naming a risk category.

The phrases are data: ``surveys/data/safeguarding_phrases.yaml``, whose header documents
the small pattern language and the safe contexts. Councils can add their own file with
``PhraseBook.from_path``. A hit names a category and a phrase id only; nothing here keeps,
logs or returns the young person's words.

Speed: every pattern is translated into regexes keyed by its possible first words (one
regex per category and first word). Detection normalises the text once, then tries only the
regexes for the words it contains, whatever the size of the phrase book. Each regex is
compiled the first time a text holds its first word (the book has about 1,900 first words
and 3,900 regexes; most never turn up in a given run), so loading it costs 0.18 s of CPU
where compiling every regex as well cost 0.63 s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from surveys.data_files import builtin_text, parse_yaml, read_text
from surveys.safeguarding.categories import RiskCategory
from surveys.safeguarding.normalising import Spellings, canonical, fold, normalise

__all__ = ["PhraseBook", "PhraseBookError", "RiskHit"]

_REPEATS = re.compile(r"(?<=([^\W\d_]))\1+")


@dataclass(frozen=True)
class RiskHit:
    """One category found in an answer, and the id of the phrase (or layer) that found it."""

    category: RiskCategory
    phrase_id: str


class PhraseBookError(ValueError):
    """A phrase-book file is missing, unreadable or malformed."""


# --- pattern language ----------------------------------------------------------------------

_GAP = r"(?: \S+){0,3}"  # "*": up to three more words
_MAX_SPELLINGS = 5000
_SLOT_REF = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_PATTERN_JUNK = re.compile(r"[^\w()|?*^$ ]+|_")
_ID = re.compile(r"[a-z][a-z0-9_]*")
_WORDS = re.compile(r"[^\W_]+(?: [^\W_]+)*")


# A whole word of a pattern: between spaces or group marks, not glued to other letters.
_PATTERN_WORD = re.compile(r"(?<![^\s(|])[^\W_]+(?![^\s)|?])")


def _normalise_pattern(pattern: str, slots: Mapping[str, str], words: Mapping[str, str]) -> str:
    """Fold a pattern like the text, expanding ``{slot}`` and keeping the syntax."""
    folded = fold(pattern)

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in slots:
            raise ValueError(f"unknown slot {{{name}}}")
        return slots[name]

    folded = _SLOT_REF.sub(expand, folded)
    if "{" in folded or "}" in folded:
        raise ValueError("braces must hold a slot name, like {someone}")
    folded = _REPEATS.sub("", _PATTERN_JUNK.sub(" ", folded))
    # Text-speak in a pattern reads like text-speak in an answer: "(u|you)" is "you".
    folded = _PATTERN_WORD.sub(lambda m: words.get(m.group(), m.group()), folded)
    # Keep single spaces inside groups: "(some )?help" needs its space.
    return re.sub(r" {2,}", " ", folded).strip()


def _split_tokens(pattern: str) -> list[str]:
    """Split on spaces outside groups, checking that groups are flat and balanced."""
    tokens: list[str] = []
    current: list[str] = []
    depth = 0
    for char in pattern:
        if char == "(":
            if depth:
                raise ValueError("groups cannot be nested")
            depth = 1
        elif char == ")":
            if not depth:
                raise ValueError("')' without '('")
            depth = 0
        elif char == " " and not depth:
            tokens.append("".join(current))
            current = []
            continue
        current.append(char)
    if depth:
        raise ValueError("'(' without ')'")
    tokens.append("".join(current))
    return [token for token in tokens if token]


def _parse_token(token: str) -> list[tuple[list[str], bool]]:
    """A word-token as a list of (alternatives, optional); a plain letter is one choice."""
    parts: list[tuple[list[str], bool]] = []
    i = 0
    while i < len(token):
        char = token[i]
        if char == "(":
            end = token.index(")", i)
            inside = token[i + 1 : end]
            alternatives = inside.split("|")
            if not all(_WORDS.fullmatch(a.strip(" ")) for a in alternatives):
                raise ValueError(f"only words may go inside a group: ({inside})")
            i = end + 1
            optional = i < len(token) and token[i] == "?"
            i += optional
            parts.append((alternatives, optional))
        elif char in "|?*^$":
            where = {"|": "inside a group", "?": "right after a group"}.get(char, "on its own")
            raise ValueError(f"{char!r} may only appear {where}")
        else:
            parts.append(([char], False))
            i += 1
    return parts


def _is_optional_word(token: str) -> bool:
    """Whether the token is one optional group, like "(really)?"."""
    return token.startswith("(") and token.endswith(")?") and token.count("(") == 1


def _token_regex(token: str) -> str:
    return "".join(
        "(?:" + "|".join(map(re.escape, alternatives)) + ")" + ("?" if optional else "")
        if len(alternatives) > 1 or optional or len(alternatives[0]) > 1
        else re.escape(alternatives[0])
        for alternatives, optional in _parse_token(token)
    )


def _spellings(token: str) -> list[str]:
    """Every string a (first) word-token can stand for."""
    spellings = [""]
    for alternatives, optional in _parse_token(token):
        choices = [*alternatives, ""] if optional else alternatives
        spellings = [s + c for s in spellings for c in choices]
        if len(spellings) > _MAX_SPELLINGS:
            raise ValueError("the first word has too many spellings; split the pattern")
    return list(dict.fromkeys(spellings))


def _tail_regex(tokens: list[str]) -> str:
    """Regex for the words after the first, each preceded by its space."""
    parts: list[str] = []
    for token in tokens:
        if token == "*":
            parts.append(_GAP)
        elif token == "$":
            parts.append("$")
        elif _is_optional_word(token):
            parts.append(f"(?: {_token_regex(token[:-1])})?")
        else:
            parts.append(" " + _token_regex(token))
    return "".join(parts)


def _translate(pattern: str) -> list[tuple[str, bool, str]]:
    """Translate a normalised pattern into (first word, anchored at start, regex for the rest).

    Matching looks a text's words up by first word and tries only the regexes for that word,
    so a book of hundreds of patterns costs a few dictionary lookups per answer.
    """
    tokens = _split_tokens(pattern)
    anchored = bool(tokens) and tokens[0] == "^"
    tokens = tokens[anchored:]
    for index, token in enumerate(tokens):
        if token == "^":
            raise ValueError("'^' must come first")
        if token == "$" and index != len(tokens) - 1:
            raise ValueError("'$' must come last")
    # Leading gaps and optional words cannot change whether a pattern matches somewhere in
    # the text, so they are dropped; after '^' optional words are spelled out both ways.
    prefixes: list[list[str]] = [[]]
    while tokens and (tokens[0] == "*" or _is_optional_word(tokens[0])):
        if anchored and tokens[0] == "*":
            raise ValueError("'*' cannot follow '^'")
        if anchored:
            prefixes = [[*p, tokens[0][:-1]] for p in prefixes] + prefixes
        tokens = tokens[1:]
    if not tokens or tokens[0] in ("*", "$"):
        raise ValueError("pattern could match nothing; it needs at least one required word")
    result: list[tuple[str, bool, str]] = []
    for prefix in prefixes:
        first, *rest = [*prefix, *tokens]
        tail = _tail_regex(rest)
        for spelling in _spellings(first):
            head, space, more = spelling.partition(" ")
            if not head:
                raise ValueError("the first word of a pattern cannot be empty")
            result.append((head, anchored, (" " + re.escape(more) if space else "") + tail))
    return result


# --- phrase book ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One spelling of a phrase's first word, and the regex for what must follow it."""

    category: RiskCategory | None  # None: a safe context, masked before matching
    phrase_id: str
    head: str
    anchored: bool
    rest: str


_SAFE_MARK = "_"  # no pattern starts with it; "*" gaps step over it like a word


def _spans(words: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, word) for each word of a normalised text."""
    start = 0
    for word in words.split(" ") if words else ():
        end = start + len(word)
        yield start, end, word
        start = end + 1


class _Matcher:
    """The regex for one first word and category, compiled when it is first needed."""

    __slots__ = ("category", "names", "regex", "source")

    def __init__(
        self, category: RiskCategory | None, source: str, names: dict[str, str]
    ) -> None:
        self.category = category
        self.source = source
        self.names = names  # regex group name -> phrase id
        self.regex: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        """The regex (compiling it the first time; two threads racing compile it twice,
        harmlessly)."""
        if self.regex is None:
            self.regex = re.compile(self.source)
        return self.regex


class PhraseBook:
    """Compiled safeguarding phrases, looked up by the first word of each pattern.

    Build one with `default`, `from_path` or `from_yaml`; combine with `extended`.
    """

    def __init__(self, entries: Iterable[_Entry], spellings: Spellings | None = None) -> None:
        self._entries = tuple(dict.fromkeys(entries))
        self._spellings = spellings or Spellings.default()
        grouped: dict[tuple[bool, str, RiskCategory | None], dict[str, list[str]]] = {}
        for entry in self._entries:
            key = (entry.anchored, entry.head, entry.category)
            grouped.setdefault(key, {}).setdefault(entry.phrase_id, []).append(entry.rest)
        self._heads: dict[str, list[_Matcher]] = {}
        self._first_heads: dict[str, list[_Matcher]] = {}  # for patterns starting with "^"
        self._safe_heads: dict[str, list[_Matcher]] = {}
        self._safe_first_heads: dict[str, list[_Matcher]] = {}
        order = {category: n for n, category in enumerate((None, *RiskCategory))}
        for (anchored, head, category), phrases in sorted(
            grouped.items(), key=lambda item: order[item[0][2]]
        ):
            names = {f"g{n}": phrase_id for n, phrase_id in enumerate(phrases)}
            source = "|".join(
                f"(?P<g{n}>{'|'.join(rests)})" for n, rests in enumerate(phrases.values())
            )
            source = rf"(?:{source})(?!\S)"
            if category is None:
                table = self._safe_first_heads if anchored else self._safe_heads
            else:
                table = self._first_heads if anchored else self._heads
            table.setdefault(head, []).append(_Matcher(category, source, names))

    def compile_all(self) -> PhraseBook:
        """Compile every regex now rather than on first use (for timing detection alone, or
        to find a faulty pattern at once); returns the book."""
        for table in (self._heads, self._first_heads, self._safe_heads, self._safe_first_heads):
            for matchers in table.values():
                for matcher in matchers:
                    matcher.compiled()
        return self

    @classmethod
    def default(cls) -> PhraseBook:
        """The phrases shipped with carevoice (loaded once)."""
        return _default_book()

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> PhraseBook:
        """Load a phrase-book YAML file; raise `PhraseBookError` if it is not right."""
        text = read_text(path, PhraseBookError, "phrase book")
        return cls.from_yaml(text, source=os.fspath(path))

    @classmethod
    def from_yaml(
        cls, text: str, *, source: str = "<string>", spellings: Spellings | None = None
    ) -> PhraseBook:
        """Build a phrase book from YAML text; `source` names it in error messages.

        `spellings` replaces the text-speak list that text and patterns are read with.
        """
        spellings = spellings or Spellings.default()
        data = parse_yaml(text, source, PhraseBookError)
        return cls(_parse_book(data, source, spellings.words), spellings)

    def extended(self, other: PhraseBook) -> PhraseBook:
        """A new book with both books' phrases (the same id in a category adds patterns)."""
        return PhraseBook(self._entries + other._entries, self._spellings)

    @property
    def phrase_ids(self) -> Mapping[RiskCategory, tuple[str, ...]]:
        """The phrase ids of each category that has any, in file order."""
        ids: dict[RiskCategory, dict[str, None]] = {}
        for entry in self._entries:
            if entry.category is not None:
                ids.setdefault(entry.category, {})[entry.phrase_id] = None
        return {category: tuple(ids[category]) for category in RiskCategory if category in ids}

    @property
    def safe_ids(self) -> tuple[str, ...]:
        """The ids of the safe contexts, in file order."""
        return tuple(dict.fromkeys(e.phrase_id for e in self._entries if e.category is None))

    def words(self, text: str) -> str:
        """`text` as this book reads it (see `canonical`)."""
        return canonical(text, self._spellings)

    def detect(self, text: str) -> tuple[RiskHit, ...]:
        """Return at most one hit per category, in `RiskCategory` order.

        Within a category the earliest match in the text wins.
        """
        return self.detect_words(self.words(text))

    def detect_words(self, words: str, *, masked: bool = False) -> tuple[RiskHit, ...]:
        """`detect` for text already read by `words` (and by `mask_safe`, if `masked`)."""
        if not masked:
            words = self.mask_safe(words)
        found: dict[RiskCategory, str] = {}
        for start, end, word in _spans(words):
            for table in (self._heads, self._first_heads) if start == 0 else (self._heads,):
                for matcher in table.get(word, ()):
                    category = matcher.category
                    if category is not None and category not in found:
                        match = (matcher.regex or matcher.compiled()).match(words, end)
                        if match is not None and match.lastgroup is not None:
                            found[category] = matcher.names[match.lastgroup]
        if not found:  # most answers: no need to walk the categories
            return ()
        return tuple(RiskHit(c, found[c]) for c in RiskCategory if c in found)

    def mask_safe(self, words: str) -> str:
        """Replace each safe context ("dying to see", "killing me lol") by a mark."""
        if not (self._safe_heads or self._safe_first_heads):
            return words
        cuts: list[tuple[int, int]] = []
        for start, end, word in _spans(words):
            if cuts and start < cuts[-1][1]:
                continue
            tables = (
                (self._safe_heads, self._safe_first_heads) if start == 0 else (self._safe_heads,)
            )
            for table in tables:
                for matcher in table.get(word, ()):
                    match = (matcher.regex or matcher.compiled()).match(words, end)
                    if match is not None:
                        cuts.append((start, match.end()))
                        break
                else:
                    continue
                break
        if not cuts:
            return words
        pieces: list[str] = []
        last = 0
        for start, end in cuts:
            pieces.append(words[last:start] + _SAFE_MARK)
            last = end
        pieces.append(words[last:])
        return "".join(pieces)

    def is_help_request(self, text: str) -> bool:
        """Whether the young person is asking, in plain words, for help now."""
        return any(hit.category is RiskCategory.HELP_NOW for hit in self.detect(text))


def _parse_book(
    data: Any, source: str, words: Mapping[str, str], *, compile_each: bool = True
) -> list[_Entry]:
    """Check the YAML structure and translate every pattern; `compile_each` also compiles
    each pattern alone, so a faulty one is named by its line before the book is used (the
    shipped books skip it: `tests/surveys/test_safeguarding.py` checks them so)."""

    def fail(where: str, problem: str) -> PhraseBookError:
        return PhraseBookError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict):
        raise fail("top level", "expected a mapping with 'version' and 'categories'")
    unknown = set(data) - {"version", "slots", "categories", "safe"}
    if unknown:
        raise fail("top level", f"unknown keys {sorted(map(str, unknown))}")
    if data.get("version") != 1:
        raise fail("version", "must be 1")

    slots: dict[str, str] = {}
    raw_slots = data.get("slots") or {}
    if not isinstance(raw_slots, dict):
        raise fail("slots", "expected a mapping of slot name to a list of phrases")
    for name, values in raw_slots.items():
        where = f"slots.{name}"
        if not isinstance(name, str) or not _ID.fullmatch(name):
            raise fail(where, "slot names are lower-case letters, digits and _")
        if not isinstance(values, list) or not values:
            raise fail(where, "expected a non-empty list of phrases")
        phrases: list[str] = []
        for n, value in enumerate(values):
            plain = normalise(value) if isinstance(value, str) else ""
            spaced = " ".join(_PATTERN_JUNK.sub(" ", fold(value)).split()) if plain else ""
            if not _WORDS.fullmatch(spaced):
                raise fail(f"{where}[{n}]", "slot phrases must be plain words, no pattern syntax")
            phrases.append(plain)
        slots[name] = "(" + "|".join(dict.fromkeys(phrases)) + ")"

    categories = data.get("categories")
    if not isinstance(categories, dict) or not categories:
        raise fail("categories", "expected a mapping of category to a list of phrases")
    sections: list[tuple[str, RiskCategory | None, Any]] = []
    for category_name, entries in categories.items():
        where = f"categories.{category_name}"
        try:
            category = RiskCategory(category_name)
        except ValueError:
            known = ", ".join(c.value for c in RiskCategory)
            raise fail(where, f"unknown category; use one of {known}") from None
        sections.append((where, category, entries))
    if "safe" in data:
        sections.append(("safe", None, data["safe"]))

    result: list[_Entry] = []
    for where, section, entries in sections:
        if not isinstance(entries, list) or not entries:
            raise fail(where, "expected a non-empty list of {id, patterns}")
        seen: set[str] = set()
        for n, entry in enumerate(entries):
            here = f"{where}[{n}]"
            if not isinstance(entry, dict) or set(entry) != {"id", "patterns"}:
                raise fail(here, "each phrase needs exactly the keys 'id' and 'patterns'")
            phrase_id, patterns = entry["id"], entry["patterns"]
            if not isinstance(phrase_id, str) or not _ID.fullmatch(phrase_id):
                raise fail(here, "id must be lower-case letters, digits and _")
            if phrase_id in seen:
                raise fail(here, f"id {phrase_id!r} is used twice in this section")
            seen.add(phrase_id)
            if not isinstance(patterns, list) or not patterns:
                raise fail(here, "patterns must be a non-empty list")
            for m, pattern in enumerate(patterns):
                at = f"{here}.patterns[{m}]"
                if not isinstance(pattern, str):
                    raise fail(at, "a pattern must be a string")
                try:
                    translated = _translate(_normalise_pattern(pattern, slots, words))
                    for _, _, rest in translated if compile_each else ():
                        re.compile(rest)
                except (ValueError, re.error) as error:
                    raise fail(at, f"{error} in {pattern!r}") from None
                result.extend(_Entry(section, phrase_id, *t) for t in translated)
    return result


# The shipped books: English, then Welsh (awaiting review by a Welsh speaker), read
# together so a child who writes in either, or mixes them, is read by both.
BUILTIN_BOOKS = ("safeguarding_phrases.yaml", "safeguarding_phrases_cy.yaml")


@cache
def _default_book() -> PhraseBook:
    # Parsed one by one (so an error names its file) and built once, together (building each
    # book and then `extended` did the English one twice). Each pattern's regex is compiled
    # on first use; that each compiles is checked by the tests, not at every start.
    spellings = Spellings.default()
    entries: list[_Entry] = []
    for text, source in map(builtin_text, BUILTIN_BOOKS):
        data = parse_yaml(text, source, PhraseBookError)
        entries.extend(_parse_book(data, source, spellings.words, compile_each=False))
    return PhraseBook(entries, spellings)
