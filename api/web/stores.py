"""What the web pages keep in memory: staff sessions and the chat's last reply.

Staff sessions are server-side: the cookie holds a random token; only its SHA-256 is kept
here, with the key it was opened with. Each request also checks that key is not revoked.
They live in this process (a restart signs staff out; run one worker, or put a shared
store behind the same methods, for more).

The chat keeps no survey state here: progress is in the database. After a POST the
reply is held for the redirect that follows (post-redirect-get); if it is gone (another
worker, a restart, a reload) the page simply asks the current question again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final, Generic, TypeVar

from fastapi import Request

from storage.conversations import Turn
from storage.keys import Role

T = TypeVar("T")

STAFF_IDLE: Final = timedelta(hours=1)
STAFF_LONGEST: Final = timedelta(hours=12)
FLASH_FOR: Final = timedelta(minutes=10)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class _Bounded(Generic[T]):
    """A dict that forgets its oldest entries beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, T] = OrderedDict()

    def put(self, key: str, value: T) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def pop(self, key: str) -> T | None:
        return self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A signed-in member of staff: the key they used and when."""

    key_id: int
    name: str
    prefix: str
    role: Role
    started: datetime
    seen: datetime

    @property
    def actor(self) -> str:
        """How they are named in the audit log (as the API names a key)."""
        return f"{self.name} ({self.prefix})"


class StaffSessions:
    """Server-side staff sessions, by the hash of the cookie's token."""

    def __init__(self, limit: int = 10_000) -> None:
        self._sessions: _Bounded[StaffSession] = _Bounded(limit)

    def start(self, token: str, session: StaffSession) -> None:
        self._sessions.put(_digest(token), session)

    def get(self, token: str | None, now: datetime) -> StaffSession | None:
        """The live session for a cookie token (and mark it seen), or None."""
        if not token:
            return None
        key = _digest(token)
        session = self._sessions.get(key)
        if session is None:
            return None
        if now - session.seen > STAFF_IDLE or now - session.started > STAFF_LONGEST:
            self._sessions.pop(key)
            return None
        seen = replace(session, seen=now)
        self._sessions.put(key, seen)
        return seen

    def end(self, token: str | None) -> None:
        if token:
            self._sessions.pop(_digest(token))


@dataclass(frozen=True, slots=True)
class Flash(Generic[T]):
    value: T
    until: datetime


class Flashes(Generic[T]):
    """One short-lived value per key (the chat's reply to its last POST)."""

    def __init__(self, limit: int = 20_000) -> None:
        self._items: _Bounded[Flash[T]] = _Bounded(limit)

    def put(self, key: str, value: T, now: datetime) -> None:
        self._items.put(_digest(key), Flash(value, now + FLASH_FOR))

    def pop(self, key: str, now: datetime) -> T | None:
        found = self._items.pop(_digest(key))
        if found is None or found.until < now:
            return None
        return found.value

    def peek(self, key: str, now: datetime) -> T | None:
        """The value, kept (a reload shows the same page again)."""
        found = self._items.get(_digest(key))
        if found is None or found.until < now:
            return None
        return found.value


@dataclass(frozen=True, slots=True)
class ChatFlash:
    """The chat's reply to a POST, for the page the redirect shows: which invitation, the
    turn, what the young person sent (`echo`) and their text if it was not taken (`draft`)."""

    code: str
    turn: Turn
    echo: str | None = None
    draft: str | None = None


@dataclass
class WebState:
    """The web pages' in-memory stores, one set per app."""

    staff: StaffSessions = field(default_factory=StaffSessions)
    chat: Flashes[ChatFlash] = field(default_factory=Flashes)


def web_state(request: Request) -> WebState:
    state = request.app.state.web
    assert isinstance(state, WebState)
    return state
