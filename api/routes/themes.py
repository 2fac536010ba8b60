"""What young people's free text talks about most: themes and topics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.board import Format, FormatQuery, PeriodText, csv_responses, period_of, reply
from api.deps import BoardKey, ReaderDep
from storage import board

router = APIRouter(tags=["board"])


@router.get(
    "/themes",
    response_model=list[board.ThemeRow],
    responses=csv_responses(
        "Themes of the questions (never the catch-all \"general\"), then care themes "
        "(kind \"topic\", keys and labels from surveys/data/topics.yaml), most written about first."
    ),
)
async def themes(
    session: ReaderDep,
    _: BoardKey,
    period: PeriodText,
    limit: Annotated[int, Query(ge=1, le=50, description="Themes and topics, each.")] = 10,
    fmt: FormatQuery = Format.JSON,
) -> Any:
    """The themes and topics young people wrote about most, with counts and sentiment."""
    rows = await board.top_themes(session, period_of(period), limit=limit)
    return reply(rows, fmt, f"themes-{period}", board.ThemeRow)
