"""Return rates: forms sent and returned by form and audience, as the board's table reads.

Sent is an invitation delivered in the period (UK dates); returned is one of those with
`returned_at` set, counted in the period the form was sent in. Forms sent and returned by
other routes (paper, email: `external_form_counts`) are added to the same cells when their
[period_start, period_end) lies within the period.

Disclosure: the rule (1 to 5 suppressed as "c", rate withheld; complement; secondary) is
applied to every row, adults' forms too. Counts about parents, carers and professionals
are about a child's case: "3 of 50 parents of care leavers" can point at the care leaver.

Suppression always runs at the grain of form x audience (plus the cohort, team, age band
and quarter asked for). Secondary suppression there treats as published the totals a board
adds up or a council publishes: rows differing only in one dimension other than the form
(one form across audiences, across quarters, ...) and the form's whole total (the IRO
report's "83 of 581"), so no breakdown shows the partner of a small cell that total would
give back. A coarser view (`by` without form or audience) is made of those cells: a sum is shown
only when every cell in it is shown, so putting views side by side reveals nothing that
the finer table hides. (Totals of one audience across forms are not treated as published
within a table: the report's own table would then lose its children's row.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import (
    SUPPRESSED,
    UNKNOWN,
    Count,
    Span,
    bucket,
    in_spans,
    prepare,
    spans_of,
    uk_midnight,
)
from storage.board.folding import erased_form_counts, invitation_groups
from storage.board.rollups import contiguous, dirty_quarters
from storage.tables import (
    BoardFormCellRow,
    CampaignRow,
    ExternalFormCountRow,
    InvitationRow,
    PersonRow,
)
from surveys.insights.disclosure import DEFAULT_THRESHOLD, RETURNED_OF_SENT, suppress_table
from surveys.insights.periods import Period
from surveys.insights.rates import Direction, Polarity, Rag, clear_change, direction, rag, rate
from surveys.people import AGE_BAND_NAMES

__all__ = [
    "DEFAULT_TARGETS",
    "DIMENSIONS",
    "ReturnRateRow",
    "return_rates",
]

DIMENSIONS: Final = ("form", "audience", "cohort", "team", "age_band", "quarter")
"""What return rates can be broken down by, in the order rows are sorted. Cohort and team
are the young person's when invited (kept on the invitation, so a form stays where it was
counted when a child leaves care or moves team; "unknown" for forms counted by other
routes; an erased young person's forms still count under theirs)."""
PEOPLE_DIMENSIONS: Final = frozenset({"cohort", "team"})
"""Read from the invitations (rollup cells do not hold them), joined to people for an
invitation that did not record them."""

DEFAULT_TARGETS: Final[Mapping[tuple[str, str], float]] = {
    ("consultation", "child"): 0.30,
    ("consultation", "parent"): 0.30,
    ("consultation", "health"): 0.50,
    ("consultation", "education"): 0.50,
}
"""Targets by (form, audience) where neither a campaign nor an external count sets one."""

FORM_ORDER: Final = ("consultation", "feedback", "feedback_not_attended", "wellbeing", "survey")
AUDIENCE_ORDER: Final = (
    "child",
    "young_person",
    "care_leaver",
    "parent",
    "carer",
    "health",
    "education",
    "professional",
    "parent_of_care_leaver",
)
AGE_ORDER: Final = (*AGE_BAND_NAMES, UNKNOWN)
COHORT_ORDER: Final = ("in_care", "care_leaver", UNKNOWN)
YOUNG_AUDIENCES: Final = frozenset({"child", "young_person", "care_leaver"})
"""Audiences a campaign's invitations go to (its target applies to them)."""


@dataclass(frozen=True, slots=True)
class ReturnRateRow:
    """One cell of the return-rate table. Counts are SUPPRESSED ("c") when small; a
    withheld rate is None, and so are its RAG and direction. Dimensions not asked for
    are None; `quarter` is a quarter's label, or the period's for forms counted by
    another route over more than one quarter."""

    form: str | None
    audience: str | None
    period: str
    sent: Count
    returned: Count
    rate: float | None
    target: float | None
    rag: Rag | None
    previous_rate: float | None
    direction: Direction | None
    age_band: str | None = None
    previous_hidden: bool = False  # last period's figure is there but hidden (c)
    quarter: str | None = None
    cohort: str | None = None
    team: str | None = None


Key = tuple[str, ...]  # the values of the dimensions asked for, in DIMENSIONS order


@dataclass
class _Table:
    """Counts for one table (this period, or the period before) by key."""

    counts: dict[Key, list[int]]

    def add(self, key: Key, sent: int, returned: int) -> None:
        cell = self.counts.setdefault(key, [0, 0])
        cell[0] += sent
        cell[1] += returned


def check_by(by: Sequence[str]) -> tuple[str, ...]:
    """The dimensions asked for, in canonical order; ValueError for anything else."""
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"cannot break return rates down by {unknown}: use {list(DIMENSIONS)}")
    dims = tuple(d for d in DIMENSIONS if d in by)
    if not dims:
        raise ValueError(f"break return rates down by at least one of {list(DIMENSIONS)}")
    return dims


async def invitation_counts(
    session: AsyncSession, spans: Sequence[Span], dims: Sequence[str]
) -> list[tuple[int, Key, int, int]]:
    """(span index, key without quarter, sent, returned) from one GROUP BY on invitations,
    and the erased invitations' (`storage.board.folding`)."""
    i, p = InvitationRow, PersonRow
    columns = {
        "form": i.form,
        "audience": i.audience,
        **invitation_groups(),
        "age_band": func.coalesce(i.age_band, UNKNOWN),
    }
    keys: list[Any] = [columns[d].label(d) for d in dims if d != "quarter"]
    inner_query = select(*keys, i.returned_at, bucket(i.delivered_at, spans).label("span"))
    if PEOPLE_DIMENSIONS & set(dims):
        inner_query = inner_query.outerjoin(p, p.id == i.person_id)
    inner = inner_query.where(in_spans(i.delivered_at, spans)).subquery()
    group = [inner.c[d] for d in dims if d != "quarter"]
    query = select(inner.c.span, *group, func.count(), func.count(inner.c.returned_at)).group_by(
        inner.c.span, *group
    )
    counted = [
        (int(row[0]), tuple(str(v) for v in row[1:-2]), int(row[-2]), int(row[-1]))
        for row in (await session.execute(query)).all()
    ]
    return counted + await erased_form_counts(session, spans, dims)  # erased forms still count


async def form_counts(
    session: AsyncSession, spans: Sequence[Span], dims: Sequence[str]
) -> list[tuple[int, Key, int, int]]:
    """What `invitation_counts` counts: quarters whose rollup cells are fresh from the
    cells, the others (a change waits for the refresh) from the invitations."""
    dirty = await dirty_quarters(session, spans[0].start, spans[-1].end)
    c = BoardFormCellRow
    columns = {"form": c.form, "audience": c.audience, "age_band": c.age_band}
    keys: list[Any] = [columns[d] for d in dims if d != "quarter"]
    query = (
        select(c.start, *keys, func.sum(c.sent), func.sum(c.returned))
        .where(c.start >= spans[0].start, c.start < spans[-1].end, c.start.not_in(dirty))
        .group_by(c.start, *keys)
    )

    def within(day: date) -> int:
        return next(i for i, s in enumerate(spans) if s.start <= day < s.end)

    out = [
        (within(row[0]), tuple(str(v) for v in row[1:-2]), int(row[-2]), int(row[-1]))
        for row in (await session.execute(query)).all()
    ]
    for run in contiguous(dirty):
        for index, key, sent, returned in await invitation_counts(session, run, dims):
            out.append((within(run[index].start), key, sent, returned))
    return out


@dataclass(frozen=True, slots=True)
class ExternalCount:
    """Forms counted by other routes, for one form, audience and recorded period."""

    form: str
    audience: str
    start: date
    end: date
    sent: int
    returned: int
    target: float | None


async def external_counts(session: AsyncSession, start: date, end: date) -> list[ExternalCount]:
    """External counts recorded for periods within [start, end), summed over routes."""
    e = ExternalFormCountRow
    query = (
        select(
            e.form,
            e.audience,
            e.period_start,
            e.period_end,
            func.sum(e.sent),
            func.sum(e.returned),
            func.max(e.target_rate),
        )
        .where(e.period_start >= start, e.period_end <= end)
        .group_by(e.form, e.audience, e.period_start, e.period_end)
    )
    return [
        ExternalCount(str(f), str(a), s, t, int(n), int(r), None if g is None else float(g))
        for f, a, s, t, n, r, g in (await session.execute(query)).all()
    ]


async def campaign_targets(session: AsyncSession, start: date, end: date) -> dict[str, float]:
    """The highest target of the campaigns open during [start, end) (UK dates), by form."""
    c = CampaignRow
    query = (
        select(c.report_form, func.max(c.target_rate))
        .where(
            c.target_rate.is_not(None),
            c.opens_at < uk_midnight(end),
            c.closes_at > uk_midnight(start),
        )
        .group_by(c.report_form)
    )
    return {str(f): float(t) for f, t in (await session.execute(query)).all() if t is not None}


async def return_rates(
    session: AsyncSession,
    period: Period,
    by: Sequence[str] = ("form", "audience"),
    threshold: int = DEFAULT_THRESHOLD,
    *,
    targets: Mapping[tuple[str, str], float] = DEFAULT_TARGETS,
    suppress: bool = True,
    rollups: bool = True,
) -> list[ReturnRateRow]:
    """Forms sent and returned in `period`, broken down `by` form, audience, age band and
    quarter, with rate, target, RAG and the direction since the period before (the
    quarter before, for a row of one quarter).

    The target is a campaign's (for young people's forms), else one recorded with the
    external counts, else `targets`. `suppress=False` gives the true counts: only for
    trusted callers, never for a board. Quarters whose rollups are fresh are read from
    them (`rollups=False`: never)."""
    dims = check_by(by)
    if suppress and period.quarter is not None:
        # A quarter is read from its year's table by quarter (which treats the year as
        # published), so setting one beside the other, or beside the year less its other
        # quarters, shows nothing that table hides.
        year_rows = await return_rates(
            session, period.year, (*dims, "quarter"), threshold,
            targets=targets, suppress=True, rollups=rollups,
        )  # fmt: skip
        return [
            replace(row, period=period.label, quarter=row.quarter if "quarter" in dims else None)
            for row in year_rows
            if row.quarter == period.label
        ]
    await prepare(session)
    fine = tuple(d for d in DIMENSIONS if d in {"form", "audience", *dims})
    by_quarter = "quarter" in dims
    periods = list(period.quarters()) if by_quarter else [period]
    spans = spans_of([periods[0].previous(), *periods])
    whole, whole_before = Span.of(period), Span.of(period.previous())
    before_quarters = [Span.of(q) for q in period.previous().quarters()]
    now, before = _Table({}), _Table({})
    previous_label = {s.label: p.label for p, s in pairwise(spans)}
    previous_label[whole.label] = whole_before.label

    def key(base: Key, label: str) -> Key:
        return (*base, label) if by_quarter else base

    from_cells = rollups and not PEOPLE_DIMENSIONS & set(fine)
    counted = await (form_counts if from_cells else invitation_counts)(session, spans, fine)
    for index, base, sent, returned in counted:
        (now if index else before).add(key(base, spans[index].label), sent, returned)

    external_targets: dict[tuple[str, str], float] = {}
    for ext in await external_counts(session, whole_before.start, whole.end):
        values = {"form": ext.form, "audience": ext.audience, "cohort": UNKNOWN,
                  "team": UNKNOWN, "age_band": UNKNOWN}  # fmt: skip
        base = tuple(values[d] for d in fine if d != "quarter")
        placed = next((i for i, s in enumerate(spans) if s.holds(ext.start, ext.end)), None)
        if placed is not None:
            table, label = (now if placed else before), spans[placed].label
        elif whole.holds(ext.start, ext.end):  # longer than a quarter: the period's row
            table, label = now, whole.label
        elif not any(q.holds(ext.start, ext.end) for q in before_quarters):
            table, label = before, whole_before.label
        else:
            continue
        table.add(key(base, label), ext.sent, ext.returned)
        if table is now and ext.target is not None:
            cell = (ext.form, ext.audience)
            external_targets[cell] = max(ext.target, external_targets.get(cell, 0.0))

    limit = threshold if suppress else 0
    shown = _view(now, fine, dims, limit)
    shown_before = _view(before, fine, dims, limit)
    by_form = await campaign_targets(session, period.start, period.end_exclusive)

    def target_for(values: Mapping[str, str]) -> float | None:
        form, audience = values.get("form"), values.get("audience")
        if form is None or audience is None:
            return None
        if audience in YOUNG_AUDIENCES and form in by_form:
            return by_form[form]
        return external_targets.get((form, audience), targets.get((form, audience)))

    current_labels = {s.label for s in spans[1:]} | {whole.label} if by_quarter else set()
    rows = []
    for k in shown:
        values = dict(zip(dims, k, strict=True))
        shown_sent, shown_returned, value = shown[k]
        earlier = key(k[:-1], previous_label[k[-1]]) if by_quarter else k
        found = shown.get(earlier) if earlier[-1] in current_labels else shown_before.get(earlier)
        previous = None if found is None else found[2]
        was_hidden = found is not None and SUPPRESSED in (found[0], found[1])
        counts = (shown_returned, shown_sent, *(found[1::-1] if found else (None, None)))
        clear = all(isinstance(n, int) for n in counts) and clear_change(*map(int, counts))
        target = target_for(values)
        rows.append(
            ReturnRateRow(
                form=values.get("form"),
                audience=values.get("audience"),
                period=period.label,
                sent=shown_sent,
                returned=shown_returned,
                rate=value,
                target=target,
                rag=rag(value, target, Polarity.HIGH_IS_GOOD),
                previous_rate=previous,
                direction=direction(value, previous, Polarity.HIGH_IS_GOOD, clear=clear),
                previous_hidden=was_hidden,
                age_band=values.get("age_band"),
                quarter=values.get("quarter"),
                cohort=values.get("cohort"),
                team=values.get("team"),
            )
        )
    order = [s.label for s in spans] + [whole.label]
    rows.sort(key=lambda r: _sort_key(r, order))
    return rows


def _hidden(table: _Table, fine: Sequence[str], threshold: int) -> dict[Key, tuple[bool, bool]]:
    """Whether each cell's (sent, returned) must be hidden, at the grain of `fine`."""
    keys = list(table.counts)
    rows = [
        {**dict(zip(fine, k, strict=True)), "sent": s, "returned": r}
        for k, (s, r) in table.counts.items()
    ]
    # the totals a reader may see or find published: each finer cell's group with one other
    # dimension added up, and the form's whole total (a form's year in the IRO report).
    # Not every combination: with six dimensions that is 31 groupings and minutes of work.
    groupings = [tuple(d for d in fine if d != drop) for drop in fine if drop != "form"]
    if len(groupings) > 1:
        groupings.append(("form",))
    out = suppress_table(
        rows,
        count_keys=("sent", "returned"),
        group_keys=groupings[0],
        other_groupings=groupings[1:],
        pairs=[RETURNED_OF_SENT],
        threshold=threshold,
    )
    return {
        k: (row["sent"] == SUPPRESSED, row["returned"] == SUPPRESSED)
        for k, row in zip(keys, out, strict=True)
    }


def _view(
    table: _Table, fine: Sequence[str], dims: Sequence[str], threshold: int
) -> dict[Key, tuple[Count, Count, float | None]]:
    """(sent, returned, rate) by key of `dims`, as a board may see them.

    Suppression runs at the grain of `fine` (form x audience, and the rest of `dims`); a
    coarser cell is their sum, shown only where every part is shown, so it tells nothing
    the finer table hides."""
    if not table.counts:
        return {}
    hidden = _hidden(table, fine, threshold)
    pick = [fine.index(d) for d in dims]
    sums: dict[Key, tuple[int, int, bool, bool]] = {}
    for k, (sent, returned) in table.counts.items():
        coarse = tuple(k[i] for i in pick)
        s, r, hs, hr = sums.get(coarse, (0, 0, False, False))
        sums[coarse] = (s + sent, r + returned, hs or hidden[k][0], hr or hidden[k][1])
    return {
        k: (
            SUPPRESSED if hs else s,
            SUPPRESSED if hr else r,
            None if hs or hr else rate(r, s),
        )
        for k, (s, r, hs, hr) in sums.items()
    }


def _rank(order: Sequence[str], value: str | None) -> tuple[int, str]:
    if value is None:
        return (-1, "")
    return (order.index(value), "") if value in order else (len(order), value)


def _sort_key(row: ReturnRateRow, quarters: Sequence[str]) -> tuple[tuple[int, str], ...]:
    return (
        _rank(FORM_ORDER, row.form),
        _rank(AUDIENCE_ORDER, row.audience),
        _rank(COHORT_ORDER, row.cohort),
        _rank((), None if row.team is None else row.team.lower()),
        _rank(AGE_ORDER, row.age_band),
        _rank(quarters, row.quarter),
    )
