"""The first layer: write a young person's text the way the phrase book and the model read it.

`normalise` folds case, accents, apostrophes, punctuation, emoji and stretched letters;
`canonical` also turns leetspeak into letters, the few emoji that carry a risk's meaning
into words ("🔪" reads "knife") and text-speak and common misspellings
(``surveys/data/safeguarding_spellings.yaml``) into ordinary words, so "i wnt 2 d13" reads
"i want to die". Nothing here keeps or logs the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any

from surveys.data_files import builtin_text, parse_yaml

__all__ = ["Spellings", "SpellingsError", "canonical", "fold", "normalise"]

_APOSTROPHES = dict.fromkeys(map(ord, "'’‘‛ʼʻ`´′＇"), None)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_WORD = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"(?<=([^\W\d_]))\1+")
# The usual, ASCII case runs on bytes: translate is far faster than a regex substitution.
_ASCII_TABLE = bytes(c if chr(c).isalnum() else 32 for c in range(128)).lower() + b" " * 128
_ASCII_REPEATS = re.compile(rb"(?<=([a-z]))\1")


def fold(text: str) -> str:
    """Lower-case, NFKC, with combining marks and apostrophes removed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    return folded.translate(_APOSTROPHES)


def normalise(text: str) -> str:
    """Return `text` as plain lower-case words, one space apart, runs of a letter as one.

    >>> normalise("I DON’T feel safe!!! 😢 Sooo scared")
    'i dont fel safe so scared'
    """
    if text.isascii():
        raw = text.encode("ascii").translate(_ASCII_TABLE, b"'`")
        return _ASCII_REPEATS.sub(b"", b" ".join(raw.split())).decode("ascii")
    return _REPEATS.sub("", _NON_WORD.sub(" ", fold(text))).strip()


# --- leetspeak and text-speak ----------------------------------------------------------------

# Symbols standing for letters inside a word ("k!ll", "$ex", "r@pe"), before punctuation goes.
_SYMBOL_LETTERS = (
    (re.compile(r"(?<=[^\W\d_])@(?=[^\W\d_])"), "a"),
    (re.compile(r"(?<![\w$])\$(?=[^\W\d_])|(?<=[^\W\d_])\$(?=[^\W\d_])"), "s"),
    (re.compile(r"(?<=[^\W\d_])!(?=[^\W\d_])"), "i"),
)
# "s/h", "s.h", "s-h": self-harm's short form written with a mark between the letters.
_SH = re.compile(r"(?<![^\W\d_])s\s?[/.\-]\s?h(?![^\W\d_])", re.IGNORECASE)
# "sh'd", "sh’ing": the short form made a verb with an apostrophe (which goes next).
_SH_VERB = re.compile(r"(?<![^\W\d_])sh['’‘](d|ed|ing|in)(?![^\W\d_])", re.IGNORECASE)
# A word spelled out a letter at a time: "c.u.t.t.i.n.g", "d-i-e", "k i l l" read as one word.
# With marks between them three letters are enough; with spaces, four ("u r a" stays apart).
_SPELLED_WITH_MARKS = re.compile(r"(?<![^\W_])(?:[^\W\d_][.\-*_]){2,}[^\W\d_](?![^\W_])")
_SPELLED_WITH_SPACES = re.compile(r"(?<![^\W_])(?:[^\W\d_] ){3,}[^\W\d_](?![^\W_])")
_LETTERS_ONLY = re.compile(r"[^\W\d_]")
_SH_ENDINGS = {"d": "self harmed", "ed": "self harmed", "ing": "self harming", "in": "self harming"}
_LEET = str.maketrans("0134579", "oieastg")
_HAS_DIGIT = re.compile(r"\d")
_NUMBER_WITH_UNIT = re.compile(r"\d+(?:st|nd|rd|th|s|pm|am|k|m|km|kg|p|x|yo|yrs)?")
# "want 2 go" reads "want to go", but "in 2 weeks" stays a number.
_NUMBER_WORDS = {"2": "to", "4": "for"}
_SPELLING_KEYS = frozenset({"version", "words", "emoji"})
_VARIATION_SELECTOR = "\ufe0f"  # "❄️" is "❄" and this; the key is read without it
_MEASURES = frozenset(
    normalise(
        "a an of or and days day weeks week months month years year hours hour mins min "
        "minutes times grand pound pounds quid people pm am oclock"
    ).split(" ")
)


class SpellingsError(ValueError):
    """A spellings file is malformed."""


class Spellings:
    """Whole-word replacements: text-speak and misspellings to ordinary words; and emoji
    that stand for a word ("💊" for "pills"), read as that word."""

    def __init__(self, words: Mapping[str, str], emoji: Mapping[str, str] | None = None) -> None:
        self._words = dict(words)
        self._emoji = dict(emoji or {})
        self._emoji_table = {ord(e): f" {w} " for e, w in self._emoji.items()}

    @classmethod
    def default(cls) -> Spellings:
        """The spellings shipped with carevoice (loaded once)."""
        return _default_spellings()

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> Spellings:
        """Build from YAML text (`version: 1`, `words: {written: ordinary words}`, and
        optionally `emoji: {emoji: ordinary words}`)."""
        data = parse_yaml(text, source, SpellingsError)
        return cls(_parse_spellings(data, source), _parse_emoji(data, source))

    @property
    def words(self) -> Mapping[str, str]:
        """Each normalised written word and the normalised words it stands for."""
        return self._words

    @property
    def emoji(self) -> Mapping[str, str]:
        """Each emoji read as words, and the normalised words it is read as."""
        return self._emoji

    def emoji_as_words(self, text: str) -> str:
        """`text` with each listed emoji replaced by its words, set apart by spaces."""
        if not self._emoji_table or text.isascii():
            return text
        return text.translate(self._emoji_table)

    def replace_words(self, words: str) -> str:
        """Normalised words, with leetspeak and every listed word replaced."""
        if not words:
            return words
        table = self._words
        tokens = words.split(" ")
        out: list[str] = []
        last = len(tokens) - 1
        for index, token in enumerate(tokens):
            if not token.isalpha() and _HAS_DIGIT.search(token):
                if token.isdigit():
                    spoken = _NUMBER_WORDS.get(token)
                    if (
                        spoken is not None
                        and 0 < index < last
                        and tokens[index - 1][-1:].isalpha()
                        and tokens[index + 1][:1].isalpha()
                        and tokens[index + 1] not in _MEASURES
                    ):
                        token = spoken
                elif token not in table and not _NUMBER_WITH_UNIT.fullmatch(token):
                    token = _REPEATS.sub("", token.translate(_LEET))
            out.append(table.get(token, token))
        return " ".join(out)


def _parse_spellings(data: Any, source: str) -> dict[str, str]:
    def fail(where: str, problem: str) -> SpellingsError:
        return SpellingsError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict) or not {"version", "words"} <= set(data) <= _SPELLING_KEYS:
        raise fail("top level", "expected a mapping with 'version', 'words' and optionally 'emoji'")
    if data["version"] != 1:
        raise fail("version", "must be 1")
    raw = data["words"]
    if not isinstance(raw, dict) or not raw:
        raise fail("words", "expected a mapping of written word to ordinary words")
    words: dict[str, str] = {}
    for key, value in raw.items():
        where = f"words.{key}"
        if not isinstance(key, str | int) or not isinstance(value, str):
            raise fail(where, "expected a written word and the ordinary words it stands for")
        written, ordinary = normalise(str(key)), normalise(value)
        if not written or " " in written or not ordinary:
            raise fail(where, "a key is one word and its value one or more words")
        if words.get(written, ordinary) != ordinary:
            raise fail(where, f"{written!r} already stands for {words[written]!r}")
        if written != ordinary:
            words[written] = ordinary
    return words


def _parse_emoji(data: dict[str, Any], source: str) -> dict[str, str]:
    raw = data.get("emoji") or {}
    if not isinstance(raw, dict):
        raise SpellingsError(f"{source}: emoji: expected a mapping of emoji to ordinary words")
    emoji: dict[str, str] = {}
    for key, value in raw.items():
        symbol = str(key).replace(_VARIATION_SELECTOR, "")
        if len(symbol) != 1 or symbol.isascii() or symbol.isalnum() or not isinstance(value, str):
            raise SpellingsError(
                f"{source}: emoji.{key}: a key is one emoji (one character) and its value "
                "one or more words"
            )
        words = normalise(value)
        if not words:
            raise SpellingsError(f"{source}: emoji.{key}: the words are empty")
        emoji[symbol] = words
    return emoji


@cache
def _default_spellings() -> Spellings:
    text, source = builtin_text("safeguarding_spellings.yaml")
    return Spellings.from_yaml(text, source=source)


def _joined(match: re.Match[str]) -> str:
    return "".join(_LETTERS_ONLY.findall(match.group()))


def canonical(text: str, spellings: Spellings | None = None) -> str:
    """`normalise`, then leetspeak and text-speak into ordinary words.

    >>> canonical("i w@nna k!ll my$elf 2nite")
    'i want to kil myself tonight'
    """
    if "@" in text or "$" in text or "!" in text:
        for pattern, letter in _SYMBOL_LETTERS:
            text = pattern.sub(letter, text)
    if "." in text or "-" in text or "*" in text or "_" in text:
        text = _SPELLED_WITH_MARKS.sub(_joined, text)
    text = _SPELLED_WITH_SPACES.sub(_joined, text)
    if "/" in text or "." in text or "-" in text:
        text = _SH.sub("sh", text)
    if "'" in text or "’" in text or "‘" in text:
        text = _SH_VERB.sub(lambda m: _SH_ENDINGS[m.group(1).lower()], text)
    spellings = spellings or _default_spellings()
    return spellings.replace_words(normalise(spellings.emoji_as_words(text)))
