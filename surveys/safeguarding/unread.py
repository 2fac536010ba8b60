"""Words the net cannot read: a person must read them instead.

The phrase books read English and Welsh, the model English. An answer written mostly in
another script (Arabic, Tigrinya, Pashto, Farsi, Kurdish Sorani, Amharic...) or typed by a
young person whose survey is in a language the net has no phrases for would pass it
silently, so it raises a quiet alert instead: the young person is told nothing (nothing
was seen to worry about), and an officer reads or has the answer translated. Welsh is read
only in part (its book, with no model behind it, caught 44 of 72 disclosures in Welsh
written blind), so an answer in Welsh that the net does not flag goes to a person too.
"""

from __future__ import annotations

import unicodedata

from surveys.safeguarding.model import RiskModel
from surveys.safeguarding.normalising import canonical

__all__ = [
    "READ_IN_PART",
    "READ_LANGUAGES",
    "UNREAD_CATEGORY",
    "UNREAD_LABEL",
    "cannot_read",
    "needs_reading",
]

READ_LANGUAGES = frozenset({"en", "cy"})
"""Languages the phrase books are written in (base codes, as in `cy-GB` -> `cy`)."""
READ_IN_PART = frozenset({"cy"})
"""Of those, the languages whose book is not trusted alone: the Welsh book caught 44 of 72
disclosures in Welsh written blind (tests/data/safeguarding/welsh_held_out.tsv), and the
model reads English only. An answer in one of them that raises nothing and is mostly not
English is read by a person as well. Take a language out once a book for it is measured
to catch what the English net does."""
UNREAD_CATEGORY = "unread"
UNREAD_LABEL = (
    "Not read by the net: written in a language or script it cannot read, "
    "or in Welsh, which it reads only in part"
)


def _latin(letter: str) -> bool:
    return letter.isascii() or unicodedata.name(letter, "").startswith("LATIN")


def cannot_read(text: str, language: str = "en") -> bool:
    """Whether the net cannot read `text` written by someone answering in `language`.

    True when most of its letters are outside the Latin alphabet; or when its language is
    not one the phrase books are written in and at most half of its words are words the
    model learnt (English, mostly), so a child whose language is Arabic and who writes
    "I am happy with my carer" is read, and one who writes Arabic in Latin letters is not.
    Digits, emoji and punctuation alone are nothing to read.

    >>> cannot_read("أريد أن أموت"), cannot_read("I want to die"), cannot_read("👍")
    (True, False, False)
    >>> cannot_read("je veux mourir", "fr"), cannot_read("I miss my mum", "ar")
    (True, False)

    A language the net reads only in part (`READ_IN_PART`: Welsh) counts as one it cannot
    read, so Welsh the phrase book did not flag still goes to a person.

    >>> cannot_read("dw i'n hapus efo fy ngofalwyr", "cy"), cannot_read("I'm fine", "cy")
    (True, False)
    """
    base = (language or "en").replace("_", "-").split("-")[0].lower()
    fully_read = base in READ_LANGUAGES and base not in READ_IN_PART
    if text.isascii():  # the usual case: Latin letters, or nothing to read
        if fully_read or not any(c.isalpha() for c in text):
            return False
        return _mostly_unknown(text)
    latin = other = 0
    for character in text:
        if character.isalpha():
            if _latin(character):
                latin += 1
            else:
                other += 1
    if latin + other == 0:
        return False
    if other > latin:
        return True
    return not fully_read and _mostly_unknown(text)


def needs_reading(text: str, language: str = "en", *, free_text: bool = False) -> bool:
    """Whether `text` should go to a person unread: `cannot_read`, and typed to a free-text
    question or two words or more ("نعم" to a yes-or-no question is not worth an officer's
    time; "ساعدني الآن" is)."""
    return (free_text or len(text.split()) >= 2) and cannot_read(text, language)


def _mostly_unknown(text: str) -> bool:
    """At most half the words are words the model learnt."""
    words = canonical(text).split()
    model = RiskModel.default()
    return sum(map(model.knows, words)) * 2 <= len(words)
