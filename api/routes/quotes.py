"""Short quotes, from young people who agreed to share their words, with details removed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.board import Format, FormatQuery, csv_responses, period_of, reply
from api.deps import BoardKey, ReaderDep, ServicesDep
from api.routes.sentiment import SurveyQuery
from api.schemas import error_responses
from storage import board

router = APIRouter(tags=["board"])
MAX_CHARS = 200


@router.get(
    "/quotes",
    response_model=list[board.QuoteRow],
    responses={**csv_responses("Quotes (CSV with format=csv)."), **error_responses(404)},
)
async def quotes(
    session: ReaderDep,
    services: ServicesDep,
    _: BoardKey,
    period: Annotated[str | None, Query(max_length=32, description="A financial year or "
                                        "quarter (default: all time).")] = None,
    survey: SurveyQuery = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    fmt: FormatQuery = Format.JSON,
) -> Any:
    """Young people's words from questions that are not sensitive, names and places removed.

    Only from surveys returned by at least `CAREVOICE_QUOTE_MIN_GROUP` young people (10)."""
    chosen = period_of(period) if period else None  # empty: the default, as left out
    if survey is not None:
        await services.catalog.latest(session, survey)
    rows = await board.quotes(
        session, chosen, survey, limit=limit,
        min_group=services.settings.quote_min_group, max_chars=MAX_CHARS,
        ref_patterns=services.settings.ref_patterns,
    )
    return reply(rows, fmt, f"quotes-{period or 'all'}", board.QuoteRow)
