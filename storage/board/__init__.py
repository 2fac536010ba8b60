"""Board figures: every one a GROUP BY in SQL over indexed columns, with disclosure control.

Periods are read from rollup cells (`storage.board.rollups`) when no change waits for
their refresh, else counted from the rows: the figures are the same either way.
The API's board endpoints call these with a read-only session (`Database.reader()`). Counts
come back already suppressed (`SUPPRESSED`, "c"); rows are frozen dataclasses, ready for
`dataclasses.asdict` and JSON. No function returns a person's reference, chat id, date of
birth or name, nor text from a sensitive question.
"""

from storage.board._common import SUPPRESSED, Count
from storage.board.key_messages import (
    KeyMessages,
    key_messages,
    latest_period_with_figures,
    years_with_figures,
)
from storage.board.quotes import QuoteRow, quotes
from storage.board.return_rates import DEFAULT_TARGETS, DIMENSIONS, ReturnRateRow, return_rates
from storage.board.scorecard import (
    MEASURES,
    SCORECARD_TARGETS,
    Measure,
    ScorecardRowOut,
    scorecard,
)
from storage.board.sentiment import SENTIMENT_GROUPS, SentimentRow, TrendPoint, sentiment_summary
from storage.board.themes import ThemeRow, Topic, load_topics, top_themes

__all__ = [
    "DEFAULT_TARGETS",
    "DIMENSIONS",
    "MEASURES",
    "SCORECARD_TARGETS",
    "SENTIMENT_GROUPS",
    "SUPPRESSED",
    "Count",
    "KeyMessages",
    "Measure",
    "QuoteRow",
    "ReturnRateRow",
    "ScorecardRowOut",
    "SentimentRow",
    "ThemeRow",
    "Topic",
    "TrendPoint",
    "key_messages",
    "latest_period_with_figures",
    "load_topics",
    "quotes",
    "return_rates",
    "scorecard",
    "sentiment_summary",
    "top_themes",
    "years_with_figures",
]
