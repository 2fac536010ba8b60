"""Invitation codes, web chat session ids and PINs: made, typed back, and kept only hashed.

A code is 12 characters of Crockford's base 32 (digits and capital letters without I, L,
O and U), shown in groups of four: `K7MQ-2X9P-H3TD`. It is typed back in any case, with or
without the dashes or spaces, and an I or L read as 1 and an O as 0, so look-alikes never
fail. 60 random bits: with 10,000 live codes an attacker trying 100 codes a second would
need 36 years on average to hit one, before any throttling.

Codes and web session ids are stored as their SHA-256 (`code_hash`, `address`). They are
high-entropy random tokens, so a plain hash is enough: nothing short enough to guess
hides behind it, and no salt or slow hash is needed (as for API keys and staff
sessions). The plain code exists only when it is issued: on the letter, the screen or
the API's reply. Printing it again makes a new code, and the old one stops working.

A PIN (4 to 6 digits a young person chooses when they start a web chat) is short, so it
is hashed with scrypt and a salt, and trying it is throttled (`ResumeThrottle`): a few
tries, then a wait that doubles, then only a new letter will do.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_CHARS: Final = 12
GROUP: Final = 4
_LOOK_ALIKES: Final = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS: Final = re.compile(r"[\s\-_.]+")
_SHORT_CODE: Final = re.compile(rf"[{ALPHABET}]{{{CODE_CHARS}}}")
_PIN: Final = re.compile(r"\d{4,6}")
PIN_RULE: Final = "4 to 6 numbers"


def new_code() -> str:
    """A new code in its canonical form (12 characters, no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))


def canonical(typed: str) -> str:
    """The code as stored: a typed short code in capitals without separators and with
    look-alikes mapped; anything else (an older long code) as it was, trimmed."""
    typed = typed.strip()
    short = _SEPARATORS.sub("", typed).upper().translate(_LOOK_ALIKES)
    return short if _SHORT_CODE.fullmatch(short) else typed


def is_short_code(typed: str) -> bool:
    """Whether text reads as a short code (what the "type your code" box accepts)."""
    return _SHORT_CODE.fullmatch(canonical(typed)) is not None


def display(code: str) -> str:
    """A short code as printed on a letter: `K7MQ-2X9P-H3TD`."""
    code = canonical(code)
    if not _SHORT_CODE.fullmatch(code):
        return code
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(code: str) -> str:
    """What the database keeps of a code (typed in any accepted form)."""
    return hashlib.sha256(canonical(code).encode()).hexdigest()


def session_hash(session_id: str) -> str:
    """What the database keeps of a web chat session id (the cookie keeps the id)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


# ----- PINs ------------------------------------------------------------------------------

_SCRYPT: Final = {"n": 2**14, "r": 8, "p": 1}


def valid_pin(pin: str) -> bool:
    return _PIN.fullmatch(pin) is not None


def hash_pin(pin: str) -> str:
    """`scrypt$<salt hex>$<hash hex>` of a PIN."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), dklen=32, **_SCRYPT)
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def name_matches(typed: str, stored: str | None) -> bool:
    """A first name typed back: case, accents aside, and spaces do not matter."""
    if not stored:
        return False
    return _fold(typed) == _fold(stored)


def _fold(name: str) -> str:
    return "".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class ResumeThrottle:
    """How many wrong answers to the carry-on check are allowed, and the waits after.

    After `tries` wrong answers in a row the link waits `first_wait`; each further
    `tries` doubles the wait; after `limit` wrong answers in all only a new letter (a
    new code, which resets the count) will do. 15 wrong answers at most: a 4-digit PIN
    is guessed with a chance of 0.15%.
    """

    tries: int = 5
    first_wait: timedelta = timedelta(minutes=15)
    limit: int = 15

    def locked(self, failures: int) -> bool:
        """Too many wrong answers: only a new letter (a new code) will do."""
        return failures >= self.limit

    def wait_until(self, failures: int, last_failure: datetime | None) -> datetime | None:
        """When the next try is allowed after `failures` wrong answers in a row, the last
        at `last_failure` (None: at once)."""
        if failures == 0 or failures % self.tries or last_failure is None:
            return None
        wait: timedelta = self.first_wait * 2 ** (failures // self.tries - 1)
        return last_failure + wait

    def left(self, failures: int) -> int:
        """Tries left before the next wait."""
        return self.tries - failures % self.tries
