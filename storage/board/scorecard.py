"""The participation scorecard: the measures a corporate parenting board reads each quarter.

Every measure is counted by quarter over this financial year and last, in two GROUP BY
queries (forms, answers) over covering indexes; year figures are sums of the
quarters (plus forms counted by other routes for a whole year). A figure on 1 to
`threshold` young people is suppressed ("c"), as is one whose complement is that small
("all but 2"), and a second quarter where one alone could be worked out from the year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import (
    CHAIR,
    LISTENED,
    SUPPRESSED,
    WELLBEING,
    Span,
    bucket,
    in_spans,
    prepare,
    spans_of,
    uk_date_before,
)
from storage.board.return_rates import external_counts, return_rates
from storage.board.rollups import contiguous, dirty_quarters
from storage.tables import (
    AnswerRow,
    BoardChoiceCellRow,
    BoardFormCellRow,
    ErasedChoiceCellRow,
    ErasedFormCellRow,
    InvitationRow,
)
from surveys.insights.disclosure import DEFAULT_THRESHOLD, Pair, suppress_counts, suppress_table
from surveys.insights.periods import Period
from surveys.insights.rates import Direction, Polarity, Rag, build_scorecard_row, clear_change

__all__ = ["MEASURES", "SCORECARD_TARGETS", "Measure", "ScorecardRowOut", "scorecard"]

Value = float | str | None
"""A figure as a board sees it: a number, SUPPRESSED ("c"), or None for no data."""


@dataclass(frozen=True, slots=True)
class Measure:
    """A scorecard measure: a rate (0 to 1) or a mean score, and how it is rated."""

    ref: str
    measure: str
    unit: str  # "rate" or "score"
    polarity: Polarity = Polarity.HIGH_IS_GOOD
    amber_margin: float = 0.05
    tolerance: float = 0.005


MEASURES: Final = (
    Measure("P1.1", "Children's consultation forms returned", "rate"),
    Measure("P1.2", "Care leavers' feedback forms returned (did not attend review)", "rate"),
    Measure("P1.3", "Young people's forms returned before their review", "rate"),
    Measure(
        "P1.4",
        "Mean wellbeing score, young people 11+ (1 to 5)",
        "score",
        amber_margin=0.25,
        tolerance=0.05,
    ),
    Measure("P1.5", "Young people who felt listened to at their review", "rate"),
    Measure("P1.6", "Young people who want to chair their own review", "rate"),
)

SCORECARD_TARGETS: Final[Mapping[str, float]] = {"P1.1": 0.30}
"""Default targets by reference (children's forms: the report's reset target of 30%)."""

CHILD_CONSULTATION: Final = ("consultation", "child")
LEAVER_FEEDBACK: Final = ("feedback_not_attended", "care_leaver")


@dataclass(frozen=True, slots=True)
class ScorecardRowOut:
    """One scorecard row as a board sees it. Rates are fractions, scores means."""

    ref: str
    measure: str
    polarity: str
    unit: str
    target: float | None
    last_year: Value
    q1: Value
    q2: Value
    q3: Value
    q4: Value
    value: Value
    rag: Rag | None
    direction: Direction | None


@dataclass
class _Counts:
    """A measure's (numerator, denominator) by quarter over two years (8 quarters), and
    for each year what is counted for the whole year only. For a score the numerator is
    the sum of scores and the denominator the number of young people."""

    quarters: list[list[int]]
    whole_year: list[list[int]]

    @classmethod
    def empty(cls) -> _Counts:
        return cls([[0, 0] for _ in range(8)], [[0, 0], [0, 0]])

    def add(self, index: int, numerator: int, denominator: int) -> None:
        self.quarters[index][0] += numerator
        self.quarters[index][1] += denominator


async def scorecard(
    session: AsyncSession,
    period: Period,
    targets: Mapping[str, float] = SCORECARD_TARGETS,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    rollups: bool = True,
) -> list[ScorecardRowOut]:
    """The participation measures for `period` (a year, or a quarter: its year's quarters
    up to it are shown and it is the value rated), with last year's figure. Quarters whose
    rollups are fresh are read from them (`rollups=False`: never)."""
    dialect = await prepare(session)
    year = period.year
    quarters = [*year.previous().quarters(), *year.quarters()]
    spans = spans_of(quarters)
    shown_upto = 4 if period.quarter is None else period.quarter
    counts = await _count(session, spans, year, dialect, rollups=rollups)
    forms_hidden = await _hidden_in_return_rates(session, year, threshold, rollups=rollups)
    rows = []
    for measure in MEASURES:
        c = counts[measure.ref]
        before = _figures(measure, c.quarters[:4], c.whole_year[0], 4, threshold)
        # the whole year protected together, whichever quarter is asked for, so that
        # quarter views and the year's never show different parts of the same figures
        now = _figures(measure, c.quarters[4:], c.whole_year[1], 4, threshold)
        form = FORM_OF.get(measure.ref)
        if form is not None:
            before = _hide(before, forms_hidden.get((year.previous().label, *form), ()))
            now = _hide(now, forms_hidden.get((year.label, *form), ()))
        now = _upto(now, shown_upto)
        rows.append(_row(measure, targets.get(measure.ref), before, now, period, shown_upto))
    return rows


FORM_OF: Final[Mapping[str, tuple[str, str]]] = {
    "P1.1": ("consultation", "child"),
    "P1.2": ("feedback_not_attended", "care_leaver"),
}
"""Measures that are a cell of the return-rate table (form, audience)."""


async def _hidden_in_return_rates(
    session: AsyncSession, year: Period, threshold: int, *, rollups: bool
) -> dict[tuple[str, str, str], tuple[bool, ...]]:
    """For each (year, form, audience): whether the return-rate table hides its count in
    each quarter and in the year (five flags). A rate shown here beside the forms sent
    shown there would give a hidden count back, so the scorecard hides it too."""
    found: dict[tuple[str, str, str], list[bool]] = {}
    for whole in (year.previous(), year):
        labels = [q.label for q in whole.quarters()]
        by_quarter = (
            await return_rates(
                session, whole, ("form", "audience", "quarter"), threshold, rollups=rollups
            )
            if whole == year
            else []  # last year is shown as a year only
        )
        by_year = await return_rates(
            session, whole, ("form", "audience"), threshold, rollups=rollups
        )
        for row in [*by_quarter, *by_year]:
            if row.form is None or row.audience is None:
                continue
            flags = found.setdefault((whole.label, row.form, row.audience), [False] * 5)
            at = labels.index(row.quarter) if row.quarter in labels else 4
            if row.quarter is None or row.quarter in labels:
                flags[at] = flags[at] or SUPPRESSED in (row.sent, row.returned)
    return {key: tuple(flags) for key, flags in found.items()}


def _hide(figures: _Figures, flags: Sequence[bool]) -> _Figures:
    """`figures` with the quarters (and year) that `flags` mark shown as SUPPRESSED."""
    if not any(flags):
        return figures
    quarters = list(figures.quarters)
    shown = list(figures.shown_quarters)
    for i, hide in enumerate(flags[:4]):
        if hide and shown[i] is not None:
            quarters[i], shown[i] = None, SUPPRESSED
    year, shown_year = figures.year, figures.shown_year
    if len(flags) > 4 and flags[4] and shown_year is not None:
        year, shown_year = None, SUPPRESSED
    return replace(figures, quarters=tuple(quarters), shown_quarters=tuple(shown), year=year,
                   shown_year=shown_year)


def _upto(figures: _Figures, upto: int) -> _Figures:
    """Only the first `upto` quarters (a quarter's view of its year)."""
    pad = 4 - upto
    return replace(
        figures,
        quarters=(*figures.quarters[:upto], *([None] * pad)),
        shown_quarters=(*figures.shown_quarters[:upto], *([None] * pad)),
        quarter_counts=figures.quarter_counts[:upto],
    )


async def _count(
    session: AsyncSession, spans: Sequence[Span], year: Period, dialect: str, *, rollups: bool
) -> dict[str, _Counts]:
    """Each measure by quarter: quarters whose rollup cells are fresh from the cells, the
    others (a change waits for the refresh) from the rows; then other routes' forms."""
    counts = {m.ref: _Counts.empty() for m in MEASURES}
    forms = {CHILD_CONSULTATION: counts["P1.1"], LEAVER_FEEDBACK: counts["P1.2"]}
    if rollups:
        dirty = await dirty_quarters(session, spans[0].start, spans[-1].end)
        clean = [s for s in spans if s.start not in dirty]
        await _add_cells(session, spans, clean, counts, forms)
    else:
        dirty = [s.start for s in spans]
    index = {s.start: i for i, s in enumerate(spans)}
    for run in contiguous(dirty):
        offset = index[run[0].start]
        await _add_forms(session, run, offset, year, dialect, counts, forms)
        await _add_answers(session, run, offset, counts)
        # what erased young people added (`storage.board.folding`) counts still
        await _add_cells(session, spans, run, counts, forms, erased=True)
    await _add_external(session, spans, year, forms)
    return counts


async def _add_forms(
    session: AsyncSession,
    spans: Sequence[Span],
    offset: int,
    year: Period,
    dialect: str,
    counts: dict[str, _Counts],
    forms: dict[tuple[str, str], _Counts],
) -> None:
    """Forms sent, returned and returned before the review in the (adjacent) quarters
    `spans`, the first being quarter `offset`, straight from the invitations."""
    i = InvitationRow
    before_review = uk_date_before(
        i.returned_at,
        i.review_date,
        dialect=dialect,
        years=(year.start_year - 1, year.start_year + 2),
    )
    with_review = and_(i.returned_at.is_not(None), i.review_date.is_not(None))
    inner = (
        select(
            bucket(i.delivered_at, spans).label("q"),
            i.form,
            i.audience,
            case((i.returned_at.is_not(None), 1), else_=0).label("returned"),
            case((and_(with_review, before_review), 1), else_=0).label("early"),
            case((with_review, 1), else_=0).label("reviewed"),
        )
        .where(in_spans(i.delivered_at, spans))
        .subquery()
    )
    forms_query = select(
        inner.c.q,
        inner.c.form,
        inner.c.audience,
        func.count(),
        func.sum(inner.c.returned),
        func.sum(inner.c.early),
        func.sum(inner.c.reviewed),
    ).group_by(inner.c.q, inner.c.form, inner.c.audience)
    for q, form, audience, sent, returned, early, reviewed in (
        await session.execute(forms_query)
    ).all():
        if (form, audience) in forms:
            forms[(form, audience)].add(offset + int(q), int(returned), int(sent))
        counts["P1.3"].add(offset + int(q), int(early), int(reviewed))


async def _add_external(
    session: AsyncSession,
    spans: Sequence[Span],
    year: Period,
    forms: dict[tuple[str, str], _Counts],
) -> None:
    """Forms counted by other routes, in their quarter or (longer) their year."""
    years = [Span.of(year.previous()), Span.of(year)]
    for ext in await external_counts(session, spans[0].start, spans[-1].end):
        target = forms.get((ext.form, ext.audience))
        if target is None:
            continue
        placed = next((i for i, s in enumerate(spans) if s.holds(ext.start, ext.end)), None)
        if placed is not None:
            target.add(placed, ext.returned, ext.sent)
            continue
        for y, span in enumerate(years):
            if span.holds(ext.start, ext.end):
                target.whole_year[y][0] += ext.returned
                target.whole_year[y][1] += ext.sent


async def _add_answers(
    session: AsyncSession, spans: Sequence[Span], offset: int, counts: dict[str, _Counts]
) -> None:
    """Wellbeing scores and yes/no answers by quarter (the first being quarter `offset`),
    straight from the answers."""
    a = AnswerRow

    def answered(survey: str | None, question: str) -> ColumnElement[bool]:
        found = and_(a.question_id == question, a.skipped == false())
        return found if survey is None else and_(found, a.survey_key == survey)

    wellbeing = and_(answered(*WELLBEING), a.number.is_not(None))
    listened = and_(answered(*LISTENED), a.choice.in_(("yes", "no")))
    chair = and_(answered(None, CHAIR), a.choice.in_(("yes", "no")))
    inner = (
        select(
            bucket(a.answered_at, spans).label("q"),
            case((wellbeing, a.number)).label("score"),
            case((wellbeing, 1), else_=0).label("scored"),
            case((and_(listened, a.choice == "yes"), 1), else_=0).label("listened_yes"),
            case((listened, 1), else_=0).label("listened"),
            case((and_(chair, a.choice == "yes"), 1), else_=0).label("chair_yes"),
            case((chair, 1), else_=0).label("chair"),
        )
        .where(
            a.superseded_at.is_(None),
            a.question_id.in_((WELLBEING[1], LISTENED[1], CHAIR)),
            in_spans(a.answered_at, spans),
        )
        .subquery()
    )
    sums = [
        func.coalesce(func.sum(inner.c[k]), 0)
        for k in ("score", "scored", "listened_yes", "listened", "chair_yes", "chair")
    ]
    answers = select(inner.c.q, *sums).group_by(inner.c.q)
    for q, score, scored, yes_l, n_l, yes_c, n_c in (await session.execute(answers)).all():
        counts["P1.4"].add(offset + int(q), int(score), int(scored))
        counts["P1.5"].add(offset + int(q), int(yes_l), int(n_l))
        counts["P1.6"].add(offset + int(q), int(yes_c), int(n_c))


async def _add_cells(
    session: AsyncSession,
    spans: Sequence[Span],
    clean: Sequence[Span],
    counts: dict[str, _Counts],
    forms: dict[tuple[str, str], _Counts],
    *,
    erased: bool = False,
) -> None:
    """Add what `_add_forms` and `_add_answers` count for the `clean` quarters, summed
    from their rollup cells (or from the erased cells, which hold the same figures of
    erased young people)."""
    if not clean:
        return
    index = {span.start: i for i, span in enumerate(spans)}
    starts = [span.start for span in clean]
    f: Any = ErasedFormCellRow if erased else BoardFormCellRow
    query = (
        select(
            f.start, f.form, f.audience, func.sum(f.sent), func.sum(f.returned),
            func.sum(f.early), func.sum(f.reviewed),
        )
        .where(f.start.in_(starts))
        .group_by(f.start, f.form, f.audience)
    )  # fmt: skip
    for start, form, audience, sent, returned, early, reviewed in (
        await session.execute(query)
    ).all():
        if (form, audience) in forms:
            forms[(form, audience)].add(index[start], int(returned), int(sent))
        counts["P1.3"].add(index[start], int(early), int(reviewed))
    c: Any = ErasedChoiceCellRow if erased else BoardChoiceCellRow
    cells = select(c.start, c.survey_key, c.question_id, c.choice, c.number, c.answers).where(
        c.start.in_(starts)
    )
    for start, survey, question, choice, number, n in (await session.execute(cells)).all():
        q, n = index[start], int(n)
        if (survey, question) == WELLBEING and number is not None:
            counts["P1.4"].add(q, int(number) * n, n)
        elif (survey, question) == LISTENED and choice in ("yes", "no"):
            counts["P1.5"].add(q, n if choice == "yes" else 0, n)
        if question == CHAIR and choice in ("yes", "no"):
            counts["P1.6"].add(q, n if choice == "yes" else 0, n)


@dataclass(frozen=True, slots=True)
class _Figures:
    """A year's figures, true (None: no data or hidden) and as shown."""

    quarters: tuple[float | None, ...]
    shown_quarters: tuple[Value, ...]
    year: float | None
    shown_year: Value
    # (numerator, denominator) of each quarter given and of the year: whether a rate's
    # move is more than chance (`clear_change`)
    quarter_counts: tuple[tuple[int, int], ...] = ()
    year_counts: tuple[int, int] = (0, 0)


def _figures(
    measure: Measure,
    quarters: Sequence[Sequence[int]],
    whole_year: Sequence[int],
    upto: int,
    threshold: int,
) -> _Figures:
    """One year's quarters (the first `upto` of them) and total, suppressed."""
    parts = [list(q) for q in quarters[:upto]]
    if whole_year[1]:
        parts.append(list(whole_year))
    if measure.unit == "rate":
        out = suppress_table(
            [{"n": n, "of": d} for n, d in parts],
            count_keys=("n", "of"),
            group_keys=(),
            pairs=[Pair("n", "of", "rate")],
            total_label="year",
            threshold=threshold,
        )
        values: list[float | None] = [None if o["rate"] is None else float(o["rate"]) for o in out]  # type: ignore[arg-type]
        hidden = [o["n"] == SUPPRESSED or o["of"] == SUPPRESSED for o in out]
    else:
        split = suppress_counts([d for _, d in parts], threshold=threshold)
        cells = [*split.cells, split.total]
        total = [sum(n for n, _ in parts), sum(d for _, d in parts)]
        values = [round(n / d, 2) if d else None for n, d in [*parts, total]]
        hidden = [c.suppressed for c in cells]
    shown: list[Value] = [SUPPRESSED if h else v for v, h in zip(values, hidden, strict=True)]
    true = [None if h else v for v, h in zip(values, hidden, strict=True)]
    pad = 4 - upto
    return _Figures(
        quarters=(*true[:upto], *([None] * pad)),
        shown_quarters=(*shown[:upto], *([None] * pad)),
        year=true[-1],
        shown_year=shown[-1],
        quarter_counts=tuple((n, d) for n, d in parts[:upto]),
        year_counts=(sum(n for n, _ in parts), sum(d for _, d in parts)),
    )


def _at(counts: Sequence[tuple[int, int]], index: int) -> tuple[int, int]:
    return counts[index] if 0 <= index < len(counts) else (0, 0)


def _row(
    measure: Measure,
    target: float | None,
    before: _Figures,
    now: _Figures,
    period: Period,
    upto: int,
) -> ScorecardRowOut:
    if period.quarter is None:
        value, shown_value, previous = now.year, now.shown_year, before.year
        counted, counted_before = now.year_counts, before.year_counts
    else:
        index = upto - 1
        value, shown_value = now.quarters[index], now.shown_quarters[index]
        previous = now.quarters[index - 1] if index else before.quarters[3]
        counted = _at(now.quarter_counts, index)
        counted_before = _at(now.quarter_counts, index - 1) if index else _at(
            before.quarter_counts, 3)
    # a rate moves better or worse only beyond chance; a mean score by its tolerance
    clear = measure.unit != "rate" or clear_change(*counted, *counted_before)
    row = build_scorecard_row(
        measure.ref,
        measure.measure,
        measure.polarity,
        quarters=now.quarters,
        target=target,
        last_year=before.year,
        value=value,
        previous=previous,
        amber_margin=measure.amber_margin,
        tolerance=measure.tolerance,
        clear=clear,
    )
    q1, q2, q3, q4 = now.shown_quarters
    return ScorecardRowOut(
        ref=measure.ref,
        measure=measure.measure,
        polarity=measure.polarity.label,
        unit=measure.unit,
        target=target,
        last_year=before.shown_year,
        q1=q1,
        q2=q2,
        q3=q3,
        q4=q4,
        value=shown_value,
        rag=row.rag if value is not None else None,
        direction=row.direction if value is not None else None,
    )
