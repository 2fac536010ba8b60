"""Inline-button data: short, within Telegram's 64 bytes, and bound to one chat.

    a|mood|3|Xq1...      answer: question id, option id (or a control: back, skip, done)
    c|<code>|Xq1...      consent given: redeem this invitation code
    n|Xq1...             consent declined
    d|y|Xq1...           /delete confirmed (d|n: kept)
    i|42|Xq1...          start invitation 42 (a button on an invitation or reminder)
    m|wrong|Xq1...       /message: the kind of message they want to send

The last field is a tag: an HMAC of the chat id and the fields, keyed by a secret derived
from the bot token. A button copied to another chat, edited by a client or made up fails
the check. The question id in an answer lets the engine tell a stale button from a fresh
one; if both ids are very long (the loader allows 31 characters each) the question id is
left out ("-") to stay within 64 bytes, and the engine checks the option alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64
TAG_CHARS = 10  # 60 bits
SEPARATOR = "|"
ANY_QUESTION = "-"


class ButtonKind(StrEnum):
    """The first field of callback data."""

    ANSWER = "a"
    CONSENT = "c"
    DECLINE = "n"
    DELETE = "d"
    INVITATION = "i"
    CONTACT = "m"
    LANGUAGE = "l"


@dataclass(frozen=True, slots=True)
class Button:
    """Callback data that passed the check."""

    kind: ButtonKind
    fields: tuple[str, ...]


class Signer:
    """Makes and checks callback data and keys that identify incoming messages."""

    def __init__(self, token: str) -> None:
        self._key = hmac.new(token.encode(), b"carevoice/telegram/v1", hashlib.sha256).digest()

    def _mac(self, message: str) -> bytes:
        return hmac.new(self._key, message.encode(), hashlib.sha256).digest()

    def _tag(self, chat_id: int, body: str) -> str:
        raw = self._mac(f"{chat_id}{SEPARATOR}{body}")
        return base64.urlsafe_b64encode(raw).decode()[:TAG_CHARS]

    def encode(self, chat_id: int, kind: ButtonKind, *fields: str) -> str:
        """Callback data for a button in `chat_id`; ValueError if it cannot fit in 64 bytes."""
        if any(SEPARATOR in f for f in fields):
            raise ValueError("callback fields cannot contain the separator")
        body = SEPARATOR.join((kind.value, *fields))
        data = f"{body}{SEPARATOR}{self._tag(chat_id, body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data is {len(data.encode())} bytes, over {MAX_BYTES}")
        return data

    def fits(self, kind: ButtonKind, *fields: str) -> bool:
        """Whether callback data with these fields fits in 64 bytes."""
        try:
            self.encode(0, kind, *fields)
        except ValueError:
            return False
        return True

    def answer(self, chat_id: int, question_id: str | None, option_id: str) -> str:
        """Callback data for an answer button (question id dropped only if it cannot fit)."""
        try:
            return self.encode(chat_id, ButtonKind.ANSWER, question_id or ANY_QUESTION, option_id)
        except ValueError:
            return self.encode(chat_id, ButtonKind.ANSWER, ANY_QUESTION, option_id)

    def decode(self, chat_id: int, data: str | None) -> Button | None:
        """The button, if `data` was made by `encode` for this chat; None otherwise."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        body, _, tag = data.rpartition(SEPARATOR)
        if not body or not hmac.compare_digest(tag, self._tag(chat_id, body)):
            return None
        kind, *fields = body.split(SEPARATOR)
        try:
            return Button(ButtonKind(kind), tuple(fields))
        except ValueError:
            return None

    def message_key(self, kind: str, chat_id: int, ident: int | str) -> str:
        """A key naming one incoming message or button press, without the chat id in it."""
        digest = self._mac(f"key{SEPARATOR}{kind}{SEPARATOR}{chat_id}{SEPARATOR}{ident}")
        return f"tg:{kind}:{base64.urlsafe_b64encode(digest).decode()[:32]}"

    def webhook_secret(self) -> str:
        """A default secret token for the webhook header (A-Z, a-z, 0-9, _ and -)."""
        return base64.urlsafe_b64encode(self._mac("webhook")).decode().rstrip("=")[:48]
