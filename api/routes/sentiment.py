"""Sentiment of young people's words, by question, theme, age band or language, with its
trend."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.board import Format, FormatQuery, csv_responses, period_of, reply
from api.deps import BoardKey, ReaderDep, ServicesDep
from api.schemas import error_responses
from storage import board
from surveys.insights.periods import uk_date

router = APIRouter(tags=["board"])
SurveyQuery = Annotated[
    str | None, Query(alias="survey", max_length=64, description="One survey's key (default: all).")
]


def _pivot(rows: list[board.SentimentRow]) -> list[dict[str, Any]]:
    """One CSV row per group, the trend as a pair of columns per quarter."""
    out = []
    for row in rows:
        flat: dict[str, Any] = {
            "group": row.group, "respondents": row.respondents,
            "mean_polarity": row.mean_polarity, "share_negative": row.share_negative,
            "share_neutral": row.share_neutral, "share_positive": row.share_positive,
        }
        for point in row.trend:
            flat[f"{point.quarter} respondents"] = point.respondents
            flat[f"{point.quarter} mean_polarity"] = point.mean_polarity
        out.append(flat)
    return out


@router.get(
    "/sentiment",
    response_model=list[board.SentimentRow],
    responses={**csv_responses("Sentiment by group (CSV with format=csv)."),
               **error_responses(404)},
)
async def sentiment(
    session: ReaderDep,
    services: ServicesDep,
    _: BoardKey,
    period: Annotated[str | None, Query(max_length=32, description="A financial year or "
                                        "quarter, e.g. 2017-18 (default: all time, with the "
                                        "last four quarters' trend).")] = None,
    survey: SurveyQuery = None,
    by: Annotated[
        Literal["question", "theme", "age_band", "language"],
        Query(description="The breakdown; `language`: the language young people read, every "
              "language counted together in the totals."),
    ] = "theme",
    fmt: FormatQuery = Format.JSON,
) -> Any:
    """Respondents, mean polarity and shares negative, neutral and positive, by group."""
    chosen = period_of(period) if period else None  # empty: the default, as left out
    if survey is not None:
        await services.catalog.latest(session, survey)  # 404 for a survey that does not exist
    rows = await board.sentiment_summary(
        session, chosen, survey, by=by, today=uk_date(services.clock.now())
    )
    if fmt is Format.CSV:
        return reply(_pivot(rows), fmt, f"sentiment-{period or 'recent'}", board.SentimentRow)
    return reply(rows, fmt, "sentiment")

