"""Keeping within Telegram's flood limits: about 30 messages a second, one a second per chat.

A sliding-window log, with sends also spaced evenly through the window: Telegram counts
the messages that arrived in the last second, so a burst (a token bucket's, or a full
window sent at once) meets network jitter and is refused. A small margin on the window
absorbs the jitter between when we send and when Telegram counts.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class WindowLimiter:
    """At most `limit` acquisitions in any `window` seconds, at least `window / limit`
    apart; waiters are served in order."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self.spacing = window / limit
        self._next_slot = 0.0  # the timeline of evenly spaced sends
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    async def acquire(self) -> None:
        """Wait for a slot, and take it."""
        async with self._lock:
            while True:
                now = self._clock()
                wait = max(self._paused_until, self._next_slot) - now
                if wait <= 0:
                    # (the same arithmetic as the wait below, so a float never spins)
                    while self._times and self._times[0] + self.window - now <= 0:
                        self._times.popleft()
                    if len(self._times) < self.limit:
                        self._times.append(now)
                        # a late wake-up is made up on the next slot, never as a burst
                        slot = max(self._next_slot, now - self.spacing / 2)
                        self._next_slot = slot + self.spacing
                        return
                    wait = self._times[0] + self.window - now
                await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Take no slots for `seconds` (Telegram said RetryAfter)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0


class SendLimiter:
    """The global limit and a per-chat limit together; `acquire(chat)` before each send."""

    def __init__(
        self,
        per_second: int = 30,
        per_chat_interval: float = 1.0,
        *,
        margin: float = 0.06,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.overall = WindowLimiter(per_second, 1.0 + margin, clock=clock, sleep=sleep)
        self.per_chat_interval = per_chat_interval + margin
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[str, _Chat] = {}
        self._acquired = 0

    async def acquire(self, chat: str) -> None:
        """Wait until a message may go to `chat`, counting it against both limits."""
        state = self._chats.setdefault(chat, _Chat())
        async with state.lock:
            wait = state.next_at - self._clock()
            if wait > 0:
                await self._sleep(wait)
            await self.overall.acquire()
            state.next_at = self._clock() + self.per_chat_interval
        self._acquired += 1
        if self._acquired % 1000 == 0:
            self._forget_idle()

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds`."""
        self.overall.pause(seconds)

    def _forget_idle(self) -> None:
        now = self._clock()
        for chat, state in list(self._chats.items()):
            if state.next_at < now and not state.lock.locked():
                del self._chats[chat]
