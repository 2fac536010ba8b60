"""The tests' copy of the seed table is the shared original, row for row."""

from __future__ import annotations

import pytest

from tests.seed import SEED_CSV, SHARED_CSV, seed_rows


def test_the_seed_has_its_eight_rows() -> None:
    rows = seed_rows()
    assert len(rows) == 8
    assert (rows[0]["form"], rows[0]["audience"], rows[0]["sent"], rows[0]["returned"]) == (
        "consultation", "child", "581", "83",
    )


@pytest.mark.skipif(not SHARED_CSV.exists(), reason=f"no shared original at {SHARED_CSV}")
def test_the_copy_matches_the_shared_original() -> None:
    assert SEED_CSV.read_bytes() == SHARED_CSV.read_bytes()
