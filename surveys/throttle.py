"""Throttling guesses: wrong API keys and unknown invitation codes, per client and overall.

    throttles = Throttles.from_limits(keys_per_client="10/minute;50/hour", ...)
    wait = throttles.keys.wait(client)      # seconds to wait, or 0: may it try at all?
    throttles.keys.miss(client)             # it guessed wrong: count it

Only misses are counted, so staff who type their key right and young people who open
their own link are never slowed. A client over its limit is refused even with a right
guess (otherwise guessing would carry on, merely unanswered). The overall limit caps
guesses from many clients at once (a botnet, or many Telegram accounts). Windows are
moving (the `limits` library's moving-window strategy, kept in process memory), so the
wait is the time until the oldest counted miss leaves the window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

__all__ = ["Guard", "Throttles", "parse_limits"]

OVERALL = "*"
"""The identifier under which every client's misses are counted together."""


def parse_limits(text: str) -> tuple[RateLimitItem, ...]:
    """Limits such as "10/minute;50/hour"; a ValueError names what is wrong."""
    try:
        items = tuple(parse_many(text))
    except ValueError as error:
        raise ValueError(f"{text!r} is not a limit such as '10/minute;50/hour' ({error})") from None
    if not items:
        raise ValueError(f"{text!r} gives no limit")
    return items


@dataclass(frozen=True, slots=True)
class Guard:
    """Misses of one kind ("keys", "codes"), limited per client and overall."""

    kind: str
    per_client: tuple[RateLimitItem, ...]
    overall: tuple[RateLimitItem, ...]
    limiter: MovingWindowRateLimiter
    clock: Callable[[], float] = time.time

    def _checks(self, client: str) -> list[tuple[RateLimitItem, str]]:
        return [(item, client) for item in self.per_client] + [
            (item, OVERALL) for item in self.overall
        ]

    def wait(self, client: str) -> int:
        """Whole seconds `client` must wait before trying again; 0 when it may try now."""
        longest = 0.0
        for item, who in self._checks(client):
            if not self.limiter.test(item, self.kind, who):
                reset = self.limiter.get_window_stats(item, self.kind, who).reset_time
                longest = max(longest, reset - self.clock())
        return max(1, math.ceil(longest)) if longest > 0 else 0

    def miss(self, client: str) -> None:
        """Count a wrong guess from `client` (against its own limits and the overall one)."""
        for item, who in self._checks(client):
            self.limiter.hit(item, self.kind, who)


@dataclass(frozen=True, slots=True)
class Throttles:
    """The guards the adapters use: `keys` (sign-in and bearer keys), `codes` (invitations)."""

    keys: Guard
    codes: Guard

    @classmethod
    def from_limits(
        cls,
        *,
        keys_per_client: str = "10/minute;50/hour",
        keys_overall: str = "300/minute",
        codes_per_client: str = "10/minute;50/hour",
        codes_overall: str = "300/minute",
    ) -> Throttles:
        """Guards with limits in the `limits` notation, kept in this process's memory."""
        limiter = MovingWindowRateLimiter(MemoryStorage())
        return cls(
            keys=Guard("keys", parse_limits(keys_per_client), parse_limits(keys_overall), limiter),
            codes=Guard(
                "codes", parse_limits(codes_per_client), parse_limits(codes_overall), limiter
            ),
        )
