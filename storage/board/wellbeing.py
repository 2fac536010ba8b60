"""The ONS personal wellbeing questions for the board, beside national figures.

One GROUP BY over current answers to the four ONS questions (`surveys.insights.wellbeing`)
in a period, by the age band the young person's invitation carried; the pure module
suppresses small numbers and adds the published national figure for the age group.
Answers of young people since erased are not in these figures (they are counted only
while the answer rows exist).
"""

from __future__ import annotations

from sqlalchemy import case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import uk_midnight
from storage.tables import AnswerRow, InvitationRow, ResponseRow
from surveys.insights.disclosure import DEFAULT_THRESHOLD
from surveys.insights.periods import Period
from surveys.insights.wellbeing import (
    MEASURES,
    QUESTION_IDS,
    OnsCounts,
    WellbeingFigure,
    age_group,
    wellbeing_figures,
)

__all__ = ["ons_counts", "ons_wellbeing"]


async def ons_counts(session: AsyncSession, period: Period) -> list[OnsCounts]:
    """Respondents, score sums and scores in the share, by measure and age group."""
    a = AnswerRow
    low = case(
        (a.question_id == "ons_anxious", case((a.number >= 6, 1), else_=0)),
        else_=case((a.number <= 4, 1), else_=0),
    )
    query = (
        select(
            a.question_id,
            InvitationRow.age_band,
            func.count(func.distinct(a.response_id)),
            func.sum(a.number),
            func.sum(low),
        )
        .join(ResponseRow, ResponseRow.id == a.response_id)
        .join(InvitationRow, InvitationRow.id == ResponseRow.invitation_id)
        .where(
            a.question_id.in_(QUESTION_IDS),
            a.superseded_at.is_(None),
            a.skipped == false(),
            a.number.is_not(None),
            a.answered_at >= uk_midnight(period.start),
            a.answered_at < uk_midnight(period.end_exclusive),
        )
        .group_by(a.question_id, InvitationRow.age_band)
    )
    measure_of = {m.question_id: m.key for m in MEASURES}
    sums: dict[tuple[str, str], list[int]] = {}
    for question, band, n, total, lows in (await session.execute(query)).all():
        group = age_group(band)
        if group is None:
            continue
        cell = sums.setdefault((measure_of[question], group), [0, 0, 0])
        cell[0] += int(n)
        cell[1] += int(total or 0)
        cell[2] += int(lows or 0)
    return [OnsCounts(m, g, *v) for (m, g), v in sums.items()]


async def ons_wellbeing(
    session: AsyncSession, period: Period, threshold: int = DEFAULT_THRESHOLD
) -> list[WellbeingFigure]:
    """The board's ONS wellbeing figures for `period`, suppressed, with national ones."""
    return wellbeing_figures(await ons_counts(session, period), threshold=threshold)
