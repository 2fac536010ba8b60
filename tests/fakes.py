"""Fakes for the seams: a sentiment scorer that needs no model."""

from __future__ import annotations

from surveys.sentiment import SentimentLabel, SentimentScore


class FakeScorer:
    """Scores by counting a few words; records what it was asked to score."""

    POSITIVE = frozenset({"good", "like", "love", "great", "happy", "kind"})
    NEGATIVE = frozenset({"bad", "hate", "sad", "boring", "awful", "miss"})

    def __init__(self) -> None:
        self.calls = 0

    def score(self, text: str) -> SentimentScore:
        self.calls += 1
        words = [w.strip(".,!?").casefold() for w in text.split()]
        raw = sum(w in self.POSITIVE for w in words) - sum(w in self.NEGATIVE for w in words)
        polarity = max(-1.0, min(1.0, raw / 2))
        label = (
            SentimentLabel.POSITIVE
            if polarity > 0.05
            else SentimentLabel.NEGATIVE
            if polarity < -0.05
            else SentimentLabel.NEUTRAL
        )
        return SentimentScore(polarity=polarity, subjectivity=0.5, label=label)
