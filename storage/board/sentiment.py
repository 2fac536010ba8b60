"""Sentiment of young people's free text, by question, theme or age band, with its trend.

Polarity is scored once, when an answer is stored (`answers.polarity`); here it is only
averaged. Only current answers (not superseded) to questions that are not sensitive
count: what a young person wrote for their IRO alone is not a board's to read, even as a
number. A group of 1 to `threshold` respondents is suppressed with its figures; so is a
quarter of its trend, with a second quarter where one alone would be recoverable from
the total (age bands, which split respondents, are treated alike).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, case, false, func, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import (
    NEGATIVE_BELOW,
    POSITIVE_ABOVE,
    SUPPRESSED,
    UNKNOWN,
    Count,
    Span,
    bucket,
    in_spans,
    prepare,
    rounded,
    spans_of,
)
from storage.board.folding import ALL_TIME, ALL_TIME_GRAIN
from storage.board.history import answer_quarters, protect_quarters
from storage.board.rollups import answer_cells, contiguous
from storage.tables import AnswerRow, InvitationRow, PersonRow, ResponseRow, SurveyVersionRow
from surveys.i18n import LANGUAGES
from surveys.insights.disclosure import (
    DEFAULT_THRESHOLD,
    is_small,
    suppress_counts,
    suppress_shares,
)
from surveys.insights.periods import Period, PeriodKind, period_containing, uk_date
from surveys.people import AGE_BAND_NAMES

__all__ = ["SENTIMENT_GROUPS", "SentimentRow", "TrendPoint", "sentiment_summary"]

SENTIMENT_GROUPS: Final = ("question", "theme", "age_band", "language")
_PER_RESPONSE: Final = ("age_band", "language")  # a group of the response, not the answer
_CELL_KIND: Final = {"question": "question", "theme": "theme", "age_band": "band",
                     "language": "language"}  # fmt: skip
"""The rollup cells a breakdown reads. There are no rollup cells by language (it is
counted from the rows), but erased cells by language hold what erased young people said,
by the language they read."""


Point = tuple[int, float | None]  # respondents and mean polarity in one quarter
Sums = tuple[int, int, float, int, int]  # respondents, answers, polarity sum, neg, pos


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One quarter of a group's trend."""

    quarter: str
    respondents: Count
    mean_polarity: float | None


@dataclass(frozen=True, slots=True)
class SentimentRow:
    """Sentiment of one group: respondents (responses with a scored text answer), mean
    polarity (-1 to 1) and the shares of answers that are negative, neutral, positive."""

    group: str
    respondents: Count
    mean_polarity: float | None
    share_negative: float | None
    share_neutral: float | None
    share_positive: float | None
    trend: tuple[TrendPoint, ...]


def scored_answers(survey_key: str | None) -> list[ColumnElement[bool]]:
    """Conditions for answers whose text sentiment a board may see."""
    a = AnswerRow
    conditions = [a.superseded_at.is_(None), a.polarity.is_not(None), a.sensitive == false()]
    if survey_key is not None:
        conditions.append(a.survey_key == survey_key)
    return conditions


def _group_column(by: str) -> Any:
    # `|| ''` keeps SQLite from walking the theme index just to avoid a sort
    if by == "theme":
        return AnswerRow.theme.concat(literal_column("''"))
    if by == "question":
        return AnswerRow.question_id.concat(literal_column("''"))
    if by == "language":  # the language the young person reads (`people.language`)
        return func.coalesce(PersonRow.language, UNKNOWN)
    return func.coalesce(InvitationRow.age_band, UNKNOWN)


Counts = tuple[int, int, int, int]  # respondents, answers, negative, positive


async def _aggregate(
    session: AsyncSession, by: str, where: list[ColumnElement[bool]], quarter: Any, quarters: int
) -> tuple[dict[str, Sums], dict[str, list[Sums]]]:
    """Totals by group (respondents, answers, mean, negative, positive) and each group's
    trend, from one statement: answers are first summed per response and quarter (a hash
    aggregate over the index), then those rows are counted, not the answers again."""
    a = AnswerRow
    own_group = [_group_column(by).label("grp")] if by not in _PER_RESPONSE else []
    raw = select(*own_group, quarter.label("q"), a.response_id, a.polarity).where(*where).subquery()
    keys = [raw.c.grp] if own_group else []
    per_response = (
        select(
            *keys,
            raw.c.q,
            raw.c.response_id,
            func.count().label("n"),
            func.sum(raw.c.polarity).label("s"),
            func.sum(case((raw.c.polarity < NEGATIVE_BELOW, 1), else_=0)).label("neg"),
            func.sum(case((raw.c.polarity > POSITIVE_ABOVE, 1), else_=0)).label("pos"),
        )
        .group_by(*keys, raw.c.q, raw.c.response_id)
        .cte("per_response")
        .prefix_with("MATERIALIZED")
    )
    rows: Any = per_response
    if not own_group:  # age band: the response's invitation, joined per response not answer
        r, i = ResponseRow, InvitationRow
        joined = (
            select(_group_column(by).label("grp"), *per_response.c)
            .join(r, r.id == per_response.c.response_id)
        )
        if by == "language":
            joined = joined.outerjoin(PersonRow, PersonRow.id == r.person_id)
        else:
            joined = joined.outerjoin(i, i.id == r.invitation_id)
        rows = joined.subquery()
    sums = (func.sum(rows.c.n), func.sum(rows.c.s), func.sum(rows.c.neg), func.sum(rows.c.pos))
    query = union_all(
        select(
            literal_column("-1").label("q"),
            rows.c.grp,
            func.count(func.distinct(rows.c.response_id)),
            *sums,
        ).group_by(rows.c.grp),
        select(rows.c.q, rows.c.grp, func.count(), *sums)
        .where(rows.c.q >= 0)
        .group_by(rows.c.grp, rows.c.q),
    )
    totals: dict[str, Sums] = {}
    trends: dict[str, list[Sums]] = {}
    for q, grp, respondents, n, total, negative, positive in (await session.execute(query)).all():
        found: Sums = (int(respondents), int(n), float(total or 0), int(negative), int(positive))
        if int(q) < 0:
            totals[str(grp)] = found
        else:
            trends.setdefault(str(grp), [_NONE] * quarters)[int(q)] = found
    return totals, trends


_NONE: Final[Sums] = (0, 0, 0.0, 0, 0)


def _add(one: Sums, other: Sums) -> Sums:
    return (
        one[0] + other[0], one[1] + other[1], one[2] + other[2], one[3] + other[3],
        one[4] + other[4],
    )  # fmt: skip


async def _add_erased(
    session: AsyncSession,
    by: str,
    period: Period | None,
    spans: Sequence[Span],
    survey_key: str | None,
    totals: dict[str, Sums],
    trends: dict[str, list[Sums]],
) -> None:
    """Add what erased young people wrote (`storage.board.folding`) to figures counted
    from the rows: the period's own cells (all time's) for the totals, quarters' for the
    trend."""
    kind = _CELL_KIND[by]
    if period is None:
        grain, start = ALL_TIME_GRAIN, ALL_TIME
    else:
        grain, start = ("y" if period.quarter is None else "q"), period.start
    for _, grp, respondents, n, total, negative, positive in await answer_cells(
        session, grain, [start], kind, survey_key, erased=True
    ):
        totals[grp] = _add(totals.get(grp, _NONE), (respondents, n, total, negative, positive))
    index = {span.start: i for i, span in enumerate(spans)}
    for day, grp, respondents, n, total, negative, positive in await answer_cells(
        session, "q", list(index), kind, survey_key, erased=True
    ):
        trend = trends.setdefault(grp, [_NONE] * len(spans))
        trend[index[day]] = _add(trend[index[day]], (respondents, n, total, negative, positive))


async def _from_cells(
    session: AsyncSession, by: str, period: Period, spans: Sequence[Span], survey_key: str | None
) -> tuple[dict[str, Sums], dict[str, list[Sums]]]:
    """What `_aggregate` counts, summed from the rollup cells: the period's own cells for
    the totals (its distinct respondents), its quarters' cells for the trend."""
    kind = _CELL_KIND[by]
    grain = "y" if period.quarter is None else "q"
    totals: dict[str, Sums] = {}
    for _, grp, respondents, n, total, negative, positive in await answer_cells(
        session, grain, [period.start], kind, survey_key
    ):
        totals[grp] = (respondents, n, total, negative, positive)
    index = {span.start: i for i, span in enumerate(spans)}
    trends: dict[str, list[Sums]] = {}
    for start, grp, respondents, n, total, negative, positive in await answer_cells(
        session, "q", list(index), kind, survey_key
    ):
        trends.setdefault(grp, [_NONE] * len(spans))[index[start]] = (
            respondents, n, total, negative, positive,
        )  # fmt: skip
    return totals, trends


async def sentiment_summary(
    session: AsyncSession,
    period: Period | None,
    survey_key: str | None,
    by: str = "theme",
    threshold: int = DEFAULT_THRESHOLD,
    *,
    today: date | None = None,
    rollups: bool = True,
) -> list[SentimentRow]:
    """Sentiment by `by` ("question", "theme" or "age_band") in `period` (all time when
    None) for one survey or all. The trend runs by quarter over the period, or over the
    last four quarters up to `today` (UK date, default now) when there is no period.
    A period is read from the rollups, exact while a change waits (`rollups=False`: never)."""
    if by not in SENTIMENT_GROUPS:
        raise ValueError(f"cannot group sentiment by {by!r}: use {list(SENTIMENT_GROUPS)}")
    await prepare(session)
    a = AnswerRow
    if period is None:
        latest = period_containing(today or uk_date(datetime.now(UTC)), PeriodKind.QUARTER)
        quarters = [latest]
        for _ in range(3):
            quarters.insert(0, quarters[0].previous())
    else:
        quarters = list(period.quarters())
    spans = spans_of(quarters)
    if period is not None:  # its quarters cover it exactly
        quarter = bucket(a.answered_at, spans)
    else:
        quarter = case((in_spans(a.answered_at, spans), bucket(a.answered_at, spans)), else_=-1)
    rollups = rollups and by != "language"  # no cells by language: counted from the rows

    async def counted(key: str | None) -> tuple[dict[str, Sums], dict[str, list[Sums]]]:
        if rollups and period is not None:  # exact even while a change waits (buckets)
            return await _from_cells(session, by, period, spans, key)
        where = scored_answers(key)
        if period is not None:
            where.append(in_spans(a.answered_at, spans))
        found = await _aggregate(session, by, where, quarter, len(spans))
        await _add_erased(session, by, period, spans, key, *found)
        return found

    # one survey's view is protected as a part of the group across surveys; the view of all
    # surveys needs nothing more (its whole is small itself, or has parts to partner)
    surveys = await _surveys(session) if survey_key is not None else []
    by_survey = {key: await counted(key) for key in surveys}
    totals, trends = by_survey[survey_key] if survey_key in by_survey else await counted(survey_key)
    history = await _history(session, by, survey_key, rollups=rollups)
    groups = [
        _Group(
            name, respondents, n, total / n if n else None, negative, positive,
            [(t[0], t[2] / t[1] if t[1] else None) for t in trends.get(name, [_NONE] * len(spans))],
        )
        for name, (respondents, n, total, negative, positive) in totals.items()
    ]
    for g in groups:
        g.protect(threshold, whole_trend=period is not None)
        g.over_time(history.get(g.name, {}), period, spans, threshold)
        g.across_surveys(
            {key: (found[0].get(g.name, _NONE), found[1].get(g.name)) for key, found in
             by_survey.items()},
            survey_key, threshold,
        )  # fmt: skip
    if by in _PER_RESPONSE:  # these split the respondents: a lone hidden one needs a partner
        split = suppress_counts([g.respondents for g in groups], threshold=threshold)
        for g, cell in zip(groups, split.cells, strict=True):
            g.hidden = g.hidden or cell.suppressed
        names = AGE_BAND_NAMES if by == "age_band" else tuple(LANGUAGES)
        order = {name: i for i, name in enumerate((*names, UNKNOWN))}
        groups.sort(key=lambda g: (order.get(g.name, len(order)), g.name))
    else:
        groups.sort(key=lambda g: (-g.respondents, g.name))
    return [g.row(spans) for g in groups]


async def _surveys(session: AsyncSession) -> list[str]:
    """Every survey's key: each survey's view of a group is one part of the group."""
    found = await session.scalars(select(SurveyVersionRow.key).distinct())
    return sorted(found.all())


async def _history(
    session: AsyncSession, by: str, survey_key: str | None, *, rollups: bool
) -> dict[str, dict[date, Counts]]:
    """Every quarter's counts of every group, all time (each view is protected against
    every other): from the rollup cells (exact while a change waits, by bucket), or
    from the answers (`rollups` False)."""
    a = AnswerRow
    spans = await answer_quarters(session, rollups=rollups)
    if not spans:
        return {}
    dirty = [] if rollups else [s.start for s in spans]
    out: dict[str, dict[date, Counts]] = {}
    clean = [s.start for s in spans if s.start not in set(dirty)]
    if clean:
        kind = _CELL_KIND[by]
        for day, grp, respondents, n, _, negative, positive in await answer_cells(
            session, "q", clean, kind, survey_key
        ):
            out.setdefault(grp, {})[day] = (respondents, n, negative, positive)
    for run in contiguous(dirty):
        where = [*scored_answers(survey_key), in_spans(a.answered_at, run)]
        _, trends = await _aggregate(session, by, where, bucket(a.answered_at, run), len(run))
        for grp, series in trends.items():
            for span, (respondents, n, _, negative, positive) in zip(run, series, strict=True):
                if n:
                    out.setdefault(grp, {})[span.start] = (respondents, n, negative, positive)
    if dirty:  # counted from the rows: add what erased young people said, as the cells do
        for day, grp, respondents, n, _, negative, positive in await answer_cells(
            session, "q", list(dirty), _CELL_KIND[by], survey_key, erased=True
        ):
            r0, n0, neg0, pos0 = out.setdefault(grp, {}).get(day, (0, 0, 0, 0))
            out[grp][day] = (r0 + respondents, n0 + n, neg0 + negative, pos0 + positive)
    return out


@dataclass
class _Group:
    """A group's true figures, and which of them must be hidden."""

    name: str
    respondents: int
    answers: int
    mean: float | None
    negative: int
    positive: int
    trend: list[Point]
    hidden: bool = False
    hidden_quarters: tuple[bool, ...] = ()
    hidden_shares: tuple[bool, bool, bool] = (False, False, False)

    def protect(self, threshold: int, *, whole_trend: bool) -> None:
        """Hide small figures; when the trend adds up to the group, protect it as a whole.
        A share whose count of answers (or the rest of the group) is small is withheld,
        with a partner where one alone is 1 minus the others."""
        neutral = self.answers - self.negative - self.positive
        n, u, p = suppress_shares([self.negative, neutral, self.positive], threshold=threshold)
        self.hidden_shares = (n, u, p)
        self.hidden = is_small(self.respondents, threshold)
        quarters = suppress_counts([n for n, _ in self.trend], threshold=threshold)
        self.hidden_quarters = tuple(c.suppressed for c in quarters.cells)
        if whole_trend and quarters.total.suppressed:
            self.hidden = True

    def over_time(
        self,
        history: Mapping[date, Counts],
        period: Period | None,
        spans: Sequence[Span],
        threshold: int,
    ) -> None:
        """Also hide what a reader could work out by setting this view beside the
        group's other quarters, years or all time (a year minus its other quarters)."""
        if not history:
            return
        ordered = sorted(history.items())
        people = protect_quarters(
            tuple((q, (c[0],)) for q, c in ordered), shares=False, threshold=threshold
        )
        parts = protect_quarters(
            tuple((q, (neg, n - neg - pos, pos)) for q, (_, n, neg, pos) in ordered),
            shares=True,
            threshold=threshold,
        )
        if period is None:
            hidden, shares = people.all_time[0], parts.all_time
        elif period.quarter is None:
            hidden = people.years.get(period.start, (False,))[0]
            shares = parts.years.get(period.start, (False, False, False))
        else:
            hidden = people.quarters.get(period.start, (False,))[0]
            shares = parts.quarters.get(period.start, (False, False, False))
        self.hidden = self.hidden or hidden
        n, u, p = (a or b for a, b in zip(self.hidden_shares, shares, strict=True))
        self.hidden_shares = (n, u, p)
        self.hidden_quarters = tuple(
            hide or people.quarters.get(span.start, (False,))[0]
            for hide, span in zip(self.hidden_quarters, spans, strict=True)
        )

    def across_surveys(
        self,
        parts: Mapping[str, tuple[Sums, list[Sums] | None]],
        survey_key: str | None,
        threshold: int,
    ) -> None:
        """Also hide what a reader could work out from the other surveys' views: every
        response is of one survey, so the surveys' figures of a group add up to the
        group's (14 young people in all, 13 in one survey's view, leaves 1 in the other).
        Each count (respondents, negative, neutral and positive answers, and each
        quarter's respondents) is protected as parts of that whole: a lone small part
        gets a partner. Only a survey's view is changed: the whole a lone small part
        leaves unpartnered is that part, already hidden."""
        if not parts or survey_key is None:
            return
        keys = sorted(parts)

        def hidden(values: Sequence[int]) -> bool:
            split = suppress_counts(values, threshold=threshold)
            return survey_key in keys and split.cells[keys.index(survey_key)].suppressed

        sums = [parts[k][0] for k in keys]
        self.hidden = self.hidden or hidden([s[0] for s in sums])
        negative, positive = [s[3] for s in sums], [s[4] for s in sums]
        neutral = [s[1] - s[3] - s[4] for s in sums]
        n, u, p = (
            was or hidden(values)
            for was, values in zip(self.hidden_shares, (negative, neutral, positive), strict=True)
        )
        self.hidden_shares = (n, u, p)
        self.hidden_quarters = tuple(
            was or hidden([(parts[k][1] or [_NONE] * (q + 1))[q][0] for k in keys])
            for q, was in enumerate(self.hidden_quarters)
        )

    def row(self, spans: Sequence[Span]) -> SentimentRow:
        trend = tuple(
            TrendPoint(span.label, SUPPRESSED, None)
            if hide
            else TrendPoint(span.label, n, rounded(mean))
            for span, (n, mean), hide in zip(spans, self.trend, self.hidden_quarters, strict=True)
        )
        if self.hidden:
            return SentimentRow(self.name, SUPPRESSED, None, None, None, None, trend)
        neutral = self.answers - self.negative - self.positive
        negative, neutral_hidden, positive = self.hidden_shares

        def share(count: int, hidden: bool) -> float | None:
            return None if hidden else rounded(count / self.answers)

        return SentimentRow(
            group=self.name,
            respondents=self.respondents,
            mean_polarity=rounded(self.mean),
            share_negative=share(self.negative, negative),
            share_neutral=share(neutral, neutral_hidden),
            share_positive=share(self.positive, positive),
            trend=trend,
        )
