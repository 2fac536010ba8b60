"""The participation scorecard, as a corporate parenting board reads it each quarter."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.board import Format, FormatQuery, PeriodText, csv_responses, period_of, reply
from api.deps import BoardKey, ReaderDep
from storage import board

router = APIRouter(tags=["board"])


@router.get(
    "/scorecard",
    response_model=list[board.ScorecardRowOut],
    responses=csv_responses("Scorecard rows (CSV with format=csv)."),
)
async def scorecard(session: ReaderDep, _: BoardKey, period: PeriodText,
                    fmt: FormatQuery = Format.JSON) -> Any:
    """Measures with target, last year, the four quarters, RAG and direction of travel."""
    rows = await board.scorecard(session, period_of(period))
    return reply(rows, fmt, f"scorecard-{period}", board.ScorecardRowOut)
