"""Quotes written blind, by people who had not read the redaction code or its test set
(`tests/data/redaction/sittings/`): how many still show a secret, and how many ordinary
answers it changes, may only go down. The development sittings were used to improve
redaction; each held-out one was scored once as written, and again after the change
(`python -m benchmarks.redaction_leaks --file ...`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.redaction_leaks import DATA, score
from surveys.insights.redaction import safe_quote

SITTINGS = DATA / "sittings"
# sitting: (quotes still showing a secret, ordinary answers changed), at most
CEILINGS = {
    "a": (5, 1),
    "b": (5, 1),
    "c": (13, 8),
    "d": (1, 0),
    "e": (2, 5),
    "f": (2, 3),
}


def test_every_sitting_has_a_ceiling() -> None:
    assert sorted(p.stem for p in SITTINGS.glob("*.yaml")) == sorted(CEILINGS)


@pytest.mark.parametrize("name", sorted(CEILINGS))
def test_leaks_and_changes_stay_under_their_ceilings(name: str) -> None:
    result = score(safe_quote, Path(SITTINGS / f"{name}.yaml"))
    leaks, changed = CEILINGS[name]
    assert result.quotes >= 100
    assert len(result.leaks) <= leaks, [text for text, _, _ in result.leaks]
    assert len(result.changed) <= changed, result.changed
    assert result.dropped <= result.quotes // 10
