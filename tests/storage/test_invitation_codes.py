"""Invitation codes typed back, hashes kept, PINs and the carry-on throttle."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from storage.invitation_codes import (
    ALPHABET,
    ResumeThrottle,
    canonical,
    code_hash,
    display,
    hash_pin,
    is_short_code,
    new_code,
    pin_matches,
    session_hash,
)


def test_new_codes_are_short_unambiguous_and_printed_in_groups() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 12 and not set(code) & set("ILOU") and set(code) <= set(ALPHABET)
    code = next(iter(codes))
    printed = display(code)
    assert len(printed) == 14 and printed.replace("-", "") == code and printed.count("-") == 2


@given(st.text(alphabet=ALPHABET, min_size=12, max_size=12))
def test_a_code_typed_any_way_is_the_same_code(code: str) -> None:
    typed = [code.lower(), display(code), f"  {display(code).lower()} ", " ".join(code)]
    typed.append(code.replace("1", "l").replace("0", "o"))  # look-alikes
    for variant in typed:
        assert canonical(variant) == code and is_short_code(variant)
        assert code_hash(variant) == hashlib.sha256(code.encode()).hexdigest()


def test_older_long_codes_are_kept_as_they_are() -> None:
    old = "Abc_def-GHIJKLMNOPqrstuvwxyz0123"
    assert canonical(f" {old} ") == old and not is_short_code(old)
    assert code_hash(old) == hashlib.sha256(old.encode()).hexdigest()
    assert not is_short_code("K7MQ-2X9P") and not is_short_code("K7MQ-2X9P-H3TU")


def test_session_ids_and_pins_are_never_stored_plain() -> None:
    assert session_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    stored = hash_pin("4821")
    assert "4821" not in stored and stored != hash_pin("4821")  # salted
    assert pin_matches("4821", stored) and not pin_matches("4822", stored)
    assert not pin_matches("4821", "garbage") and not pin_matches("4821", "md5$00$00")


def test_the_throttle_allows_a_few_tries_then_waits_longer_then_locks() -> None:
    throttle = ResumeThrottle()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert [throttle.wait_until(n, at) for n in range(5)] == [None] * 5
    assert throttle.wait_until(5, at) == at + timedelta(minutes=15)
    assert throttle.wait_until(7, at) is None and throttle.left(7) == 3
    assert throttle.wait_until(10, at) == at + timedelta(minutes=30)
    assert not throttle.locked(14) and throttle.locked(15)
