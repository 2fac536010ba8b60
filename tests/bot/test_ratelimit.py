"""The flood-control limiter, on a fake clock: windows, per-chat spacing, pauses."""

from __future__ import annotations

import asyncio

import pytest

from bot.ratelimit import SendLimiter, WindowLimiter


class FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def test_evenly_spaced_and_at_most_limit_in_any_window() -> None:
    time = FakeTime()
    limiter = WindowLimiter(3, 1.0, clock=time.clock, sleep=time.sleep)
    stamps = []
    for _ in range(7):
        await limiter.acquire()
        stamps.append(time.now)
    assert stamps == pytest.approx([i / 3 for i in range(7)])
    for i, stamp in enumerate(stamps):
        assert sum(stamp - 1.0 + 1e-9 < s <= stamp for s in stamps[: i + 1]) <= 3


async def test_a_late_wake_up_is_made_up_without_a_burst() -> None:
    time = FakeTime()
    limiter = WindowLimiter(10, 1.0, clock=time.clock, sleep=time.sleep)
    await limiter.acquire()
    time.now += 0.14  # the event loop was busy: 0.04s late for the next slot
    await limiter.acquire()
    assert time.now == pytest.approx(0.14)
    await limiter.acquire()
    assert time.now == pytest.approx(0.2)  # back on the timeline
    time.now += 1.0  # a long stall
    await limiter.acquire()
    await limiter.acquire()
    assert time.now == pytest.approx(1.25)  # half a slot later, not at once


async def test_pause_holds_everything() -> None:
    time = FakeTime()
    limiter = WindowLimiter(30, 1.0, clock=time.clock, sleep=time.sleep)
    await limiter.acquire()
    limiter.pause(5)
    await limiter.acquire()
    assert time.now == 5.0


async def test_one_per_chat_per_interval_others_not_held_up() -> None:
    time = FakeTime()
    limiter = SendLimiter(30, 1.0, margin=0.0, clock=time.clock, sleep=time.sleep)
    await limiter.acquire("a")
    await limiter.acquire("b")
    assert time.now == pytest.approx(1 / 30)  # evenly spaced overall
    await limiter.acquire("a")
    assert time.now == pytest.approx(1.0)


async def test_overall_rate_with_margin() -> None:
    time = FakeTime()
    limiter = SendLimiter(30, 1.0, margin=0.05, clock=time.clock, sleep=time.sleep)
    for n in range(91):
        await limiter.acquire(str(n))
    assert time.now == pytest.approx(3 * 1.05)  # 91 messages: three windows of 30 and one


async def test_concurrent_waiters_are_served_in_turn() -> None:
    time = FakeTime()
    limiter = WindowLimiter(2, 1.0, clock=time.clock, sleep=time.sleep)
    order: list[int] = []

    async def one(n: int) -> None:
        await limiter.acquire()
        order.append(n)

    await asyncio.gather(*(one(n) for n in range(6)))
    assert order == list(range(6))
