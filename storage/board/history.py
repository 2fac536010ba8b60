"""What every view of a board figure shares: the quarters that hold answers, and each
group's counts protected over all of them at once (`suppress_over_time`), cached, since
the same counts always give the same protection."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import Span
from storage.board.rollups import quarter_span, quarter_start
from storage.tables import AnswerRow, BoardAnswerCellRow, BoardChangeRow
from surveys.insights.disclosure import OverTime, suppress_over_time
from surveys.insights.periods import PeriodKind, period_containing, uk_date

__all__ = ["answer_quarters", "financial_year", "protect_quarters"]

Quarters = tuple[tuple[date, tuple[int, ...]], ...]


async def answer_quarters(session: AsyncSession, *, rollups: bool) -> list[Span]:
    """Every quarter from the first that holds answers to the last: from the rollup cells
    and the change log (two index reads), or from the answers."""
    if rollups:
        c, changed = BoardAnswerCellRow, BoardChangeRow
        cells = select(func.min(c.start), func.max(c.start)).where(c.grain == "q")
        days = select(func.min(changed.day), func.max(changed.day))
        bounds = [
            d
            for d in (*(await session.execute(cells)).one(), *(await session.execute(days)).one())
            if d is not None
        ]
    else:
        a = AnswerRow
        found = (
            await session.execute(select(func.min(a.answered_at), func.max(a.answered_at)))
        ).one()
        bounds = [uk_date(d) for d in found if d is not None]
    if not bounds:
        return []
    start, end = quarter_start(min(bounds)), quarter_span(quarter_start(max(bounds))).end
    spans = []
    while start < end:
        spans.append(quarter_span(start))
        start = spans[-1].end
    return spans


def financial_year(day: date) -> date:
    """The first day of the financial year holding `day`."""
    return period_containing(day, PeriodKind.YEAR).start


@lru_cache(maxsize=8192)
def protect_quarters(quarters: Quarters, *, shares: bool, threshold: int) -> OverTime[date, date]:
    """`suppress_over_time` of one group's counts by quarter (financial years)."""
    return suppress_over_time(dict(quarters), financial_year, shares=shares, threshold=threshold)
