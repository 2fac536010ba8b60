"""Any layer can raise an alert: the phrase book, then the model for what it missed.

The rule throughout: when in doubt, flag. A false alarm costs an officer a minute; a miss
can cost a child.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from surveys.safeguarding.model import RiskModel
from surveys.safeguarding.phrases import PhraseBook, RiskHit

__all__ = ["MODEL_PHRASE_ID", "Detector", "detect_risk", "is_help_request"]

MODEL_PHRASE_ID = "model"  # the phrase id of a hit the statistical layer found


@dataclass(frozen=True)
class Detector:
    """The phrase book and the model, either of which may be left out (to measure each)."""

    book: PhraseBook | None
    model: RiskModel | None

    @classmethod
    def default(cls) -> Detector:
        """The shipped phrase book and model (loaded once)."""
        return _default_detector()

    def detect(self, text: str) -> tuple[RiskHit, ...]:
        """One hit per category, in `RiskCategory` order.

        The model is asked only when no phrase matched, and adds its likeliest category, so
        one worrying sentence makes one alert and a plain request for help is not relabelled.
        It reads the text with the book's safe contexts masked ("i dont feel unsafe at all"),
        as the phrases do.
        """
        book = self.book or PhraseBook.default()
        words = book.words(text)
        if self.book is None:
            hits: tuple[RiskHit, ...] = ()
        else:
            words = book.mask_safe(words)
            hits = book.detect_words(words, masked=True)
        if hits or self.model is None:
            return hits
        category = self.model.assess(words).category
        return () if category is None else (RiskHit(category, MODEL_PHRASE_ID),)


@cache
def _default_detector() -> Detector:
    return Detector(PhraseBook.default(), RiskModel.default())


def detect_risk(text: str, *, book: PhraseBook | None = None) -> tuple[RiskHit, ...]:
    """Return one `RiskHit` per category found in `text`, in `RiskCategory` order.

    `book` replaces the shipped phrase book (for a council's own); the model still runs.
    """
    if book is None:
        return _default_detector().detect(text)
    return Detector(book, RiskModel.default()).detect(text)


def is_help_request(text: str, *, book: PhraseBook | None = None) -> bool:
    """Whether `text` asks for help now in plain words ("I need help now", "help me")."""
    return (book or PhraseBook.default()).is_help_request(text)
