"""Words staff read instead of keys."""

from __future__ import annotations

from api.web.labels import channel_label


def test_a_channel_is_said_in_words() -> None:
    assert channel_label("web") == "Web chat"
    assert channel_label("demo") == "Demo data"  # was shown as "demo"
    assert channel_label("paper") == "Paper"
    assert channel_label("carrier_pigeon") == "Carrier pigeon"  # a new one still reads
    assert channel_label(None) == "Not known"
