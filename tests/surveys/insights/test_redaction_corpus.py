"""The adversarial quotes (`tests/data/redaction/`): nothing identifying is shown, and
ordinary words are left alone. `python -m benchmarks.redaction_leaks --show` prints the
same figures beside the redaction before this set was made."""

from __future__ import annotations

from benchmarks.redaction_leaks import load, score
from surveys.insights.redaction import safe_quote


def test_the_set_has_at_least_100_adversarial_quotes_each_with_its_secrets() -> None:
    corpus, ordinary = load()
    assert len(corpus["quotes"]) >= 100 and len(ordinary) >= 100
    assert all(item["secrets"] for item in corpus["quotes"])


def test_no_secret_survives() -> None:
    result = score(safe_quote)
    assert result.leaks == [], "\n".join(f"{f}: {t!r} -> {o!r}" for t, o, f in result.leaks)
    assert result.dropped <= result.quotes // 10  # made safe, not just thrown away


def test_ordinary_words_are_left_alone() -> None:
    result = score(safe_quote)
    assert result.changed == []
