"""Spot words in a young person's answer that mean a person must read it soon.

Layers, any of which can raise an alert: normalisation (`normalising`), the phrase book kept
as data with safe contexts (`phrases`), and a linear model over word and character n-grams
(`model`); `detection` joins them. A hit names a category and a phrase id only; nothing here
keeps, logs or returns the young person's words.
"""

from surveys.safeguarding.categories import RiskCategory
from surveys.safeguarding.detection import Detector, detect_risk, is_help_request
from surveys.safeguarding.normalising import canonical, normalise
from surveys.safeguarding.phrases import PhraseBook, PhraseBookError, RiskHit
from surveys.safeguarding.reply import DEFAULT_OFFICE_HOURS, HELP_MESSAGE, help_reply
from surveys.safeguarding.unread import (
    READ_IN_PART,
    READ_LANGUAGES,
    UNREAD_CATEGORY,
    UNREAD_LABEL,
    cannot_read,
    needs_reading,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "HELP_MESSAGE",
    "READ_IN_PART",
    "READ_LANGUAGES",
    "UNREAD_CATEGORY",
    "UNREAD_LABEL",
    "Detector",
    "PhraseBook",
    "PhraseBookError",
    "RiskCategory",
    "RiskHit",
    "cannot_read",
    "canonical",
    "detect_risk",
    "help_reply",
    "is_help_request",
    "needs_reading",
    "normalise",
]
