"""The board's charts say what a hidden figure is."""

from __future__ import annotations

from api.web.charts import ShareRow, shares


def test_a_large_group_with_a_hidden_share_is_not_called_too_few() -> None:
    """53 answers about reviews, one share of them 5 or fewer: the bar is hidden, and the
    chart says a share is small, not the group (the table beside it shows the 53)."""
    chart = shares([ShareRow("Review", None, None, None), ShareRow("Home", 0.2, 0.3, 0.5)],
                   "Feelings by theme")
    said = [t.text for t in chart.texts]
    assert "c: shares hidden, one is 5 or fewer" in said
    assert not any("too few" in t for t in said)
