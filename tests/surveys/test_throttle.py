"""The throttle on guesses: misses counted per client and overall, with the wait to tell."""

from __future__ import annotations

import pytest

from surveys.throttle import Throttles, parse_limits


def test_a_client_is_stopped_after_its_misses_and_told_how_long_to_wait() -> None:
    guard = Throttles.from_limits(keys_per_client="3/minute", keys_overall="100/minute").keys
    for _ in range(3):
        assert guard.wait("10.0.0.1") == 0
        guard.miss("10.0.0.1")
    assert 1 <= guard.wait("10.0.0.1") <= 60
    assert guard.wait("10.0.0.2") == 0  # another client is not held up


def test_misses_from_many_clients_hit_the_overall_limit() -> None:
    guard = Throttles.from_limits(codes_per_client="5/minute", codes_overall="4/minute").codes
    for n in range(4):
        guard.miss(f"10.0.0.{n}")
    assert guard.wait("10.0.9.9") > 0


def test_keys_and_codes_are_counted_apart() -> None:
    throttles = Throttles.from_limits(keys_per_client="1/minute", codes_per_client="1/minute")
    throttles.keys.miss("10.0.0.1")
    assert throttles.keys.wait("10.0.0.1") > 0
    assert throttles.codes.wait("10.0.0.1") == 0


@pytest.mark.parametrize("bad", ["", "ten a minute", "10/fortnight"])
def test_a_limit_that_cannot_be_read_is_refused_clearly(bad: str) -> None:
    with pytest.raises(ValueError, match=r"is not a limit|gives no limit"):
        parse_limits(bad)
