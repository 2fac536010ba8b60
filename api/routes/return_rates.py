"""Return rates: forms sent and returned, by form and audience (and age band, quarter)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.board import Format, FormatQuery, PeriodText, choices_of, csv_responses, period_of, reply
from api.deps import BoardKey, ReaderDep
from storage import board

router = APIRouter(tags=["board"])
BY_HELP = f"Comma-separated, from: {', '.join(board.DIMENSIONS)}."


@router.get(
    "/return-rates",
    response_model=list[board.ReturnRateRow],
    responses=csv_responses("Rows of the return-rate table (CSV with format=csv)."),
)
async def return_rates(
    session: ReaderDep,
    _: BoardKey,
    period: PeriodText,
    by: Annotated[str, Query(max_length=100, description=BY_HELP)] = "form,audience",
    fmt: FormatQuery = Format.JSON,
) -> Any:
    """Forms sent and returned in a period, with rate, target, RAG and direction of travel."""
    dims = choices_of(by, "by", board.DIMENSIONS)
    rows = await board.return_rates(session, period_of(period), by=dims)
    return reply(rows, fmt, f"return-rates-{period}", board.ReturnRateRow)
