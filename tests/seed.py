"""The seed table: forms sent and returned in 2017-18, as printed in the Cheshire East IRO
annual report. `tests/data/` keeps a copy of `../shared/data/cheshire_east_2017_18_forms.csv`
so the tests that reproduce it run wherever the repository is cloned."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

SEED_CSV: Final = Path(__file__).parent / "data" / "cheshire_east_2017_18_forms.csv"
SHARED_CSV: Final = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / SEED_CSV.name
)
"""Where the shared original lives beside a checkout in the workplace (may be absent)."""


def seed_rows() -> list[dict[str, str]]:
    """The seed's rows: form, audience, period, sent, returned, target_rate (text)."""
    with SEED_CSV.open(newline="") as f:
        return list(csv.DictReader(f))
