"""Short quotes for a board: young people's own words, with nothing that identifies them.

A quote comes only from a question that is not sensitive, from a young person who said
yes to sharing their words (`responses.share_quotes`), from a survey that at least
`min_group` young people returned in the period, and never from an answer that raised a
safeguarding alert. The text is redacted (their own first name is passed as a known
name, and never returned) and shortened. No ids, dates or names leave this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import Span, in_spans, prepare, rounded, uk_midnight
from storage.board.folding import ALL_TIME, ALL_TIME_GRAIN
from storage.board.rollups import is_fresh
from storage.board.themes import written
from storage.tables import (
    AnswerRow,
    BoardAnswerCellRow,
    ErasedAnswerCellRow,
    PersonRow,
    ResponseRow,
    SafeguardingAlertRow,
    SurveyVersionRow,
)
from surveys.insights.disclosure import min_group_size_ok
from surveys.insights.periods import Period, PeriodKind, period_containing
from surveys.insights.redaction import TOKENS, redact, shorten

__all__ = ["QuoteRow", "quotes"]

_EMPTY = re.compile("|".join(re.escape(t) for t in sorted(TOKENS)) + r"|[\W_]")


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """A redacted, shortened quote with what it is about and when (quarter only)."""

    text: str
    theme: str
    polarity: float | None
    survey_key: str
    quarter: str


async def eligible_surveys(
    session: AsyncSession,
    period: Period | None,
    survey_key: str | None,
    min_group: int,
    *,
    rollups: bool = True,
) -> list[str]:
    """Surveys returned by at least `min_group` young people in the period (from the
    rollups when they are fresh)."""
    if (
        rollups
        and period is not None
        and await is_fresh(session, period.start, period.end_exclusive)
    ):
        c = BoardAnswerCellRow
        cells = select(c.survey_key, c.respondents).where(
            c.grain == ("y" if period.quarter is None else "q"),
            c.start == period.start,
            c.kind == "returned",
        )
        if survey_key is not None:
            cells = cells.where(c.survey_key == survey_key)
        return sorted(
            str(key)
            for key, n in (await session.execute(cells)).all()
            if min_group_size_ok(int(n), max(min_group, 1))
        )
    r, v = ResponseRow, SurveyVersionRow
    query = (
        select(v.key, func.count(func.distinct(r.person_id)))
        .join(v, v.id == r.survey_version_id)
        .where(r.returned_at.is_not(None))
        .group_by(v.key)
    )
    if period is not None:
        query = query.where(in_spans(r.returned_at, [Span.of(period)]))
    if survey_key is not None:
        query = query.where(v.key == survey_key)
    returned = {str(key): int(n) for key, n in (await session.execute(query)).all()}
    if period is None:  # young people since erased still count towards the group
        grain, start = ALL_TIME_GRAIN, ALL_TIME
    else:
        grain, start = ("y" if period.quarter is None else "q"), period.start
    for _, key, n, _, _, _, _ in await erased_returns(session, grain, start, survey_key):
        returned[key] = returned.get(key, 0) + n
    return sorted(key for key, n in returned.items() if min_group_size_ok(n, max(min_group, 1)))


async def erased_returns(
    session: AsyncSession, grain: str, start: date, survey_key: str | None
) -> list[tuple[date, str, int, int, float, int, int]]:
    """Erased young people who returned each survey, as answer cells grouped by survey."""
    e = ErasedAnswerCellRow
    query = select(
        e.start, e.survey_key, e.respondents, e.answers, e.total, e.negative, e.positive
    ).where(e.grain == grain, e.start == start, e.kind == "returned")
    if survey_key is not None:
        query = query.where(e.survey_key == survey_key)
    return [
        (d, str(k), int(r), int(n), float(t), int(neg), int(pos))
        for d, k, r, n, t, neg, pos in (await session.execute(query)).all()
    ]


async def quotes(
    session: AsyncSession,
    period: Period | None,
    survey_key: str | None = None,
    limit: int = 20,
    min_group: int = 10,
    max_chars: int = 200,
    *,
    rollups: bool = True,
) -> list[QuoteRow]:
    """Up to `limit` quotes from `period` (all time when None), one survey or all, spread
    over it: the period is cut into `limit` slices, each gives its first `limit` quotable
    answers (in time order) and quotes are taken from the slices in turn. A read costs the
    same however many answers there are, and gives the same quotes each time."""
    await prepare(session)
    if limit < 1:
        return []
    surveys = await eligible_surveys(session, period, survey_key, min_group, rollups=rollups)
    if not surveys:
        return []
    a = AnswerRow
    if period is not None:
        first, last = uk_midnight(period.start), uk_midnight(period.end_exclusive)
    else:
        bounds = select(func.min(a.answered_at), func.max(a.answered_at)).where(*written(None))
        first, last = (await session.execute(bounds)).one()
        if first is None or last is None:
            return []
        last += timedelta(microseconds=1)
    step = (last - first) / limit
    edges = [first + step * i for i in range(limit)] + [last]
    params: dict[str, Any] = {"surveys": surveys}
    for i in range(limit):
        params[f"start{i}"], params[f"end{i}"] = edges[i], edges[i + 1]
    rows = (await session.execute(_statement(limit), params)).all()
    by_slice: dict[int, list[Any]] = {}
    for row in rows:
        by_slice.setdefault(int(row[-1]), []).append(row)
    # the first of each slice, then the second of each, ...: spread, however bunched
    ordered = [
        rows[n] for n in range(limit) for _, rows in sorted(by_slice.items()) if n < len(rows)
    ]
    found = []
    for text, theme, polarity, key, answered_at, first_name, _ in ordered:
        names = [first_name] if first_name else []
        clean = shorten(redact(str(text), known_names=names), max_chars)
        if _EMPTY.sub("", clean):
            quarter = period_containing(answered_at, PeriodKind.QUARTER).label
            found.append(QuoteRow(clean, str(theme), rounded(polarity, 2), str(key), quarter))
            if len(found) == limit:
                break
    return found


@lru_cache(maxsize=16)
def _statement(slices: int) -> CompoundSelect[*tuple[Any, ...]]:
    """`slices` parts, each the first `slices` quotable answers in [start<i>, end<i>) of
    the surveys in `surveys`; built once per size (building it costs more than running it)."""
    a, r, p, s = AnswerRow, ResponseRow, PersonRow, SafeguardingAlertRow
    alerted = exists().where(
        s.response_id == a.response_id, or_(s.question_id == a.question_id, s.question_id.is_(None))
    )
    parts = [
        select(
            a.text, a.theme, a.polarity, a.survey_key, a.answered_at, p.first_name,
            literal_column(str(i)).label("slice"),
        )
        .join(r, r.id == a.response_id)
        .join(p, p.id == r.person_id)
        .where(
            *written(None),
            a.answered_at >= bindparam(f"start{i}"),
            a.answered_at < bindparam(f"end{i}"),
            a.text.is_not(None),
            a.survey_key.in_(bindparam("surveys", expanding=True)),
            r.share_quotes == true(),
            p.erased_at.is_(None),
            ~alerted,
        )
        .order_by(a.answered_at, a.id)
        .limit(slices)
        .subquery()
        for i in range(slices)
    ]  # fmt: skip
    return union_all(*(select(part) for part in parts))
