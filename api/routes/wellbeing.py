"""The ONS personal wellbeing questions, beside published national figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.board import Format, FormatQuery, PeriodText, csv_responses, period_of, reply
from api.deps import BoardKey, ReaderDep
from storage.board.wellbeing import ons_wellbeing
from surveys.insights.wellbeing import WellbeingFigure

router = APIRouter(tags=["board"])


@router.get(
    "/wellbeing",
    response_model=list[WellbeingFigure],
    responses=csv_responses("Each ONS measure by age group, beside the national figure."),
)
async def wellbeing(
    session: ReaderDep, _: BoardKey, period: PeriodText, fmt: FormatQuery = Format.JSON
) -> Any:
    """ONS personal wellbeing by age group, beside the published national figures

    Respondents, mean (0 to 10) and the share with low scores (high, for anxiety), with
    small groups suppressed; each national figure names its source and whether it has been
    checked against that source."""
    rows = await ons_wellbeing(session, period_of(period))
    return reply(rows, fmt, f"wellbeing-{period}", WellbeingFigure)
