"""The ONS personal wellbeing questions for the board, beside national figures.

One GROUP BY over current answers to the four ONS questions (`surveys.insights.wellbeing`)
in a period, by the age band the young person's invitation carried; the pure module
suppresses small numbers, protects each quarter with the rest of its financial year
(the year and its quarters are counted in the same GROUP BY) and adds the published
national figure for the age group.
Answers of young people since erased are not in these figures (they are counted only
while the answer rows exist).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import bucket, in_spans, spans_of
from storage.tables import AnswerRow, InvitationRow, ResponseRow
from surveys.insights.disclosure import DEFAULT_THRESHOLD
from surveys.insights.periods import Period, period_containing
from surveys.insights.wellbeing import (
    MEASURES,
    QUESTION_IDS,
    OnsCounts,
    WellbeingFigure,
    age_group,
    protect_over_year,
    wellbeing_figures,
)

__all__ = ["ons_counts", "ons_counts_by_quarter", "ons_wellbeing"]


async def ons_counts(session: AsyncSession, period: Period) -> list[OnsCounts]:
    """Respondents, score sums and scores in the share, by measure and age group."""
    by_quarter = await ons_counts_by_quarter(session, period.quarters())
    return protect_over_year(by_quarter, set(by_quarter), threshold=0)


async def ons_counts_by_quarter(
    session: AsyncSession, quarters: tuple[Period, ...]
) -> dict[date, list[OnsCounts]]:
    """`ons_counts` of each of some contiguous quarters, in one GROUP BY."""
    spans = spans_of(quarters)
    a = AnswerRow
    low = case(
        (a.question_id == "ons_anxious", case((a.number >= 6, 1), else_=0)),
        else_=case((a.number <= 4, 1), else_=0),
    )
    slot = bucket(a.answered_at, spans)
    query = (
        select(
            slot,
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
            in_spans(a.answered_at, spans),
        )
        .group_by(slot, a.question_id, InvitationRow.age_band)
    )
    measure_of = {m.question_id: m.key for m in MEASURES}
    sums: dict[tuple[int, str, str], list[int]] = {}
    for i, question, band, n, total, lows in (await session.execute(query)).all():
        group = age_group(band)
        if group is None:
            continue
        cell = sums.setdefault((int(i), measure_of[question], group), [0, 0, 0])
        cell[0] += int(n)
        cell[1] += int(total or 0)
        cell[2] += int(lows or 0)
    found: dict[date, list[OnsCounts]] = {q.start: [] for q in quarters}
    for (i, m, g), v in sums.items():
        found[quarters[i].start].append(OnsCounts(m, g, v[0], v[1], v[2]))
    return found


async def ons_wellbeing(
    session: AsyncSession, period: Period, threshold: int = DEFAULT_THRESHOLD
) -> list[WellbeingFigure]:
    """The board's ONS wellbeing figures for `period`, suppressed with the other quarters
    of its financial year, with national ones."""
    year = period_containing(period.start)
    by_quarter = await ons_counts_by_quarter(session, year.quarters())
    chosen = {q.start for q in period.quarters()}
    counts = protect_over_year(by_quarter, chosen, threshold=threshold)
    return wellbeing_figures(counts, threshold=threshold, year_starting=year.start.year)
