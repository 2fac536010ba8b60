"""Fakes for the seams: a sentiment scorer that needs no model, an espeak-ng that says
which voice it was asked for."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def recording_espeak(folder: Path) -> tuple[str, Path]:
    """A stand-in for espeak-ng that writes the arguments it was given to a log (one call
    a line) and runs the real program, if installed, else prints a tiny WAV header: tests
    see which voice spoke. Returns the program's path and the log's."""
    log = folder / "espeak-calls.log"
    program = folder / "espeak-ng"
    real = shutil.which("espeak-ng")
    run = f'exec "{real}" "$@"' if real else "cat >/dev/null; printf 'RIFF0000WAVEfmt '"
    program.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n{run}\n', encoding="utf-8")
    program.chmod(0o755)
    return str(program), log
