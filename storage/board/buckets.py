"""Answer cells by bucket of responses: a waiting change costs its buckets, not its year.

Distinct respondents do not add up across quarters, themes or topics, but they do add up
across responses: every response sits in one bucket for good (its id // `BUCKET`).
`board_bucket_cells` holds each bucket's part of the answer cells of the `BUCKETED`
kinds, and bucket -1 (`ERASED`) holds the erased cells as the last refresh saw them, so
an answer cell is always the sum of its buckets' cells. Triggers (migration 0020) log
the buckets a change touches. Then, with nothing refreshed yet:

    cell now = stale cell - the logged buckets' cells + those buckets counted from the rows

(bucket -1 counted "from the rows" is the erased cells as they are now). `patched_cells`
lists the logged buckets, then reads that in one statement; `refresh_buckets` stores
the logged buckets' new cells and adds the difference to the answer cells, so a refresh
costs the changed buckets (index reads of their responses), not a year of answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.board._common import NEGATIVE_BELOW, POSITIVE_ABOVE, UNKNOWN, Span, uk_midnight
from storage.tables import (
    AnswerRow,
    AnswerTopicRow,
    BoardAnswerCellRow,
    BoardBucketCellRow,
    BoardBucketChangeRow,
    ErasedAnswerCellRow,
    InvitationRow,
    ResponseRow,
)
from surveys.insights.periods import uk_date

__all__ = [
    "BUCKET",
    "BUCKETED",
    "ERASED",
    "logged_buckets",
    "patched_cells",
    "period_span",
    "refresh_buckets",
]

BUCKET: Final = 1000
"""Responses per bucket (migration 0020's triggers use the same number)."""
ERASED: Final = -1
BUCKETED: Final = ("question", "theme", "band", "topic")
"""Answer cell kinds kept by bucket ("returned" counts young people, who span buckets)."""
GRAINS: Final = ("q", "y")
MANY: Final = 64
"""Beyond this many buckets waiting, a read joins the log rather than listing ranges."""
SUMS: Final = ("respondents", "answers", "total", "negative", "positive")
KEYS: Final = ("grain", "start", "survey_key", "kind", "grp")

Sums = tuple[int, int, float, int, int]
Key = tuple[str, date, str, str, str]


def _months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def period_span(grain: str, start: date) -> Span:
    """The quarter ("q") or financial year ("y") beginning on `start`."""
    return Span(start.isoformat(), start, _months(start, 3 if grain == "q" else 12))


def _start_of(column: Any, spans: Sequence[Span]) -> Any:
    """The start of the span `column` (a UTC datetime) falls in, in UK time; NULL if none."""
    return case(
        *(
            (
                and_(column >= uk_midnight(s.start), column < uk_midnight(s.end)),
                literal(s.start, Date()),
            )
            for s in spans
        ),
        else_=None,
    )


def _in_range(column: Any, spans: Sequence[Span]) -> ColumnElement[bool]:
    first = min(s.start for s in spans)
    last = max(s.end for s in spans)
    return and_(column >= uk_midnight(first), column < uk_midnight(last))


def _holds(column: Any, dirty: Any) -> ColumnElement[bool]:
    """`column`, a response id, is in the bucket `dirty.c.bucket` (an index range)."""
    return and_(column >= dirty.c.bucket * BUCKET, column < (dirty.c.bucket + 1) * BUCKET)


def kind_select(
    kind: str, spans: Sequence[Span], dirty: Any, *, per_bucket: bool, survey_key: str | None
) -> Any:
    """(start, [bucket,] survey_key, grp, respondents, answers, total, negative, positive)
    of the answer cells of `kind` in `spans`, counted from the rows of the responses in
    the buckets of `dirty`: a subquery with a `bucket` column (per bucket, or summed over
    them), or a list of buckets (summed; index ranges the planner sees)."""
    a, t = AnswerRow, AnswerTopicRow
    if kind == "topic":
        source: Any = t
        group: Any = t.topic
        where: list[ColumnElement[bool]] = [_in_range(t.answered_at, spans)]
    else:
        source = a
        group = a.question_id if kind == "question" else a.theme
        where = [
            a.superseded_at.is_(None), a.polarity.is_not(None), a.sensitive == false(),
            _in_range(a.answered_at, spans),
        ]  # fmt: skip
    if survey_key is not None:
        where.append(source.survey_key == survey_key)
    columns = [
        _start_of(source.answered_at, spans).label("start"),
        source.response_id.label("response_id"),
        source.survey_key.label("survey_key"),
        (group if kind != "band" else literal("")).label("grp"),
        source.polarity.label("polarity"),
    ]
    if isinstance(dirty, list):
        ranges = [
            and_(source.response_id >= b * BUCKET, source.response_id < (b + 1) * BUCKET)
            for b in dirty
        ]
        found = select(*columns).where(or_(*ranges), *where)
    else:
        found = (
            select(dirty.c.bucket.label("bucket"), *columns)
            .select_from(dirty)
            .join(source, _holds(source.response_id, dirty))
            .where(*where)
        )
    inner = found.subquery("rows")
    head = [inner.c.start, *([inner.c.bucket] if per_bucket else []), inner.c.survey_key]
    negative = func.sum(case((inner.c.polarity < NEGATIVE_BELOW, 1), else_=0))
    positive = func.sum(case((inner.c.polarity > POSITIVE_ABOVE, 1), else_=0))
    if kind == "topic":
        return select(
            *head, inner.c.grp, func.count(func.distinct(inner.c.response_id)), func.count(),
            func.sum(inner.c.polarity), literal(0), literal(0),
        ).group_by(*head, inner.c.grp)  # fmt: skip
    if kind != "band":
        return select(
            *head, inner.c.grp, func.count(func.distinct(inner.c.response_id)), func.count(),
            func.sum(inner.c.polarity), negative, positive,
        ).group_by(*head, inner.c.grp)  # fmt: skip
    per_response = (
        select(
            *head, inner.c.response_id, func.count().label("n"),
            func.sum(inner.c.polarity).label("s"), negative.label("neg"), positive.label("pos"),
        )
        .group_by(*head, inner.c.response_id)
        .subquery("per_response")
    )  # fmt: skip
    # Each response's band: the buckets' responses read by their index ranges, and each
    # one's invitation looked up by its key. Joined plainly, the planner (estimating the
    # log's few buckets at hundreds of thousands of rows) hashed every response and every
    # invitation: two sequential scans a bucket and grain, 30-80 ms at 100,000 responses.
    r, i = ResponseRow, InvitationRow
    invited = select(i.age_band).where(i.id == r.invitation_id).scalar_subquery()
    band = func.coalesce(invited, UNKNOWN).label("band")
    if isinstance(dirty, list):
        ranges = [and_(r.id >= b * BUCKET, r.id < (b + 1) * BUCKET) for b in dirty]
        of_buckets = select(r.id.label("id"), band).where(or_(*ranges))
    else:
        of_buckets = select(r.id.label("id"), band).select_from(dirty).join(r, _holds(r.id, dirty))
    bands = of_buckets.subquery("bands")
    outer = [per_response.c[c.name] for c in head]
    banded = (
        select(*outer, bands.c.band.label("grp"),
               *(per_response.c[n] for n in ("n", "s", "neg", "pos")))
        .select_from(per_response)
        .join(bands, bands.c.id == per_response.c.response_id)
        .subquery("banded")
    )  # fmt: skip
    keys = [banded.c[c.name] for c in head]
    return select(
        *keys, banded.c.grp, func.count(), func.sum(banded.c.n), func.sum(banded.c.s),
        func.sum(banded.c.neg), func.sum(banded.c.pos),
    ).group_by(*keys, banded.c.grp)  # fmt: skip


async def patched_cells(
    session: AsyncSession, grain: str, starts: Sequence[date], kind: str, survey_key: str | None
) -> list[tuple[date, str, int, int, float, int, int]]:
    """(start, group, respondents, answers, polarity sum, negative, positive) of the answer
    cells of `kind` at `grain` beginning on `starts`, summed over surveys (or of
    `survey_key`), exact while changes wait: the stale cells with the logged buckets
    counted again (one statement after listing them)."""
    log = BoardBucketChangeRow
    if not starts:
        return []
    # Buckets logged later than this read are read as they were: a figure from just before
    # that change. The cells always equal the sum of their buckets' cells, so a refresh
    # committing meanwhile leaves the sum below exact.
    waiting = list((await session.scalars(select(log.bucket).distinct())).all())
    c, b, e = BoardAnswerCellRow, BoardBucketCellRow, ErasedAnswerCellRow

    def cells(table: Any, sign: int, *where: ColumnElement[bool]) -> Any:
        query = select(table.start, table.grp, *(table.__table__.c[n] * sign for n in SUMS)).where(
            table.grain == grain, table.start.in_(list(starts)), table.kind == kind, *where
        )
        if survey_key is not None:
            query = query.where(table.survey_key == survey_key)
        return query

    parts = [cells(c, 1)]
    if waiting:
        spans = [period_span(grain, s) for s in sorted(starts)]
        parts.append(cells(b, -1, b.bucket.in_(waiting)))
        counted = [bucket for bucket in waiting if bucket >= 0]
        if counted:
            dirty: Any = counted
            if len(counted) > MANY:  # a join on the log beats thousands of ranges
                dirty = select(log.bucket).where(log.bucket.in_(counted)).distinct().subquery()
            fresh = kind_select(kind, spans, dirty, per_bucket=False, survey_key=survey_key)
            rows = fresh.subquery("fresh")
            parts.append(select(rows.c.start, rows.c.grp, *list(rows.c)[3:]))
        if ERASED in waiting:
            parts.append(cells(e, 1))
    union = union_all(*parts).subquery("parts")
    sums = [func.sum(union.c[i]) for i in range(2, 7)]
    query = select(union.c[0], union.c[1], *sums).group_by(union.c[0], union.c[1])
    out = []
    for start, grp, respondents, n, total, negative, positive in (
        await session.execute(query)
    ).all():
        if start is None or (not respondents and not n):
            continue  # rows outside the periods asked, or a group with nothing left
        out.append(
            (start, str(grp), int(respondents), int(n), float(total or 0), int(negative),
             int(positive))
        )  # fmt: skip
    return out


async def _sums(connection: AsyncConnection, buckets: Any) -> dict[Key, Sums]:
    b = BoardBucketCellRow
    keys = [b.__table__.c[k] for k in KEYS]
    query = (
        select(*keys, *(func.sum(b.__table__.c[n]) for n in SUMS))
        .where(b.bucket.in_(buckets))
        .group_by(*keys)
    )
    return {
        (g, s, sk, k, grp): (int(r), int(n), float(t or 0), int(neg), int(pos))
        for g, s, sk, k, grp, r, n, t, neg, pos in (await connection.execute(query)).all()
    }


def _spans_between(first: date, last: date, grain: str) -> list[Span]:
    """The quarters (or financial years) from the one holding `first` to `last`'s."""
    if grain == "q":
        start = date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
    else:
        start = date(first.year if first.month >= 4 else first.year - 1, 4, 1)
    spans = [period_span(grain, start)]
    while spans[-1].end <= last:
        spans.append(period_span(grain, spans[-1].end))
    return spans


async def logged_buckets(connection: AsyncConnection) -> list[int]:
    """The buckets with a logged change, in order."""
    log = BoardBucketChangeRow
    return sorted(set((await connection.scalars(select(log.bucket).distinct())).all()))


async def refresh_buckets(connection: AsyncConnection, only: int | None = None) -> int:
    """Store the new cells of every logged bucket (or of bucket `only`), add the difference
    to the answer cells and delete the log rows seen; the number of buckets. Run inside
    `refresh_rollups`' transaction (one snapshot on PostgreSQL), or one bucket a
    transaction (`refresh_in_steps` on SQLite)."""
    log, b, e = BoardBucketChangeRow, BoardBucketCellRow, ErasedAnswerCellRow
    mine = true() if only is None else log.bucket == only
    last = await connection.scalar(select(func.max(log.id)).where(mine))
    if last is None:
        return 0
    seen = select(log.bucket).where(log.id <= last, mine).distinct()
    buckets = set((await connection.scalars(seen)).all())
    before = await _sums(connection, seen)
    await connection.execute(delete(b).where(b.bucket.in_(seen)))
    dirty = seen.where(log.bucket >= 0).subquery("dirty")
    a = AnswerRow
    first, final = (
        await connection.execute(
            select(func.min(a.answered_at), func.max(a.answered_at))
            .select_from(dirty)
            .join(a, _holds(a.response_id, dirty))
        )
    ).one()
    columns = ["bucket", *KEYS, *SUMS]
    if first is not None:
        for grain in GRAINS:
            spans = _spans_between(uk_date(first), uk_date(final), grain)
            for kind in BUCKETED:
                q = kind_select(kind, spans, dirty, per_bucket=True, survey_key=None).subquery()
                found = select(
                    q.c.bucket, literal(grain), q.c.start, q.c.survey_key, literal(kind),
                    *list(q.c)[3:],
                ).where(q.c.start.is_not(None))  # fmt: skip
                await connection.execute(insert(b).from_select(columns, found))
    if ERASED in buckets:
        erased = select(literal(ERASED), *(e.__table__.c[n] for n in (*KEYS, *SUMS))).where(
            e.grain.in_(GRAINS), e.kind.in_(BUCKETED)
        )
        await connection.execute(insert(b).from_select(columns, erased))
    after = await _sums(connection, seen)
    await _add(connection, before, after)
    await connection.execute(delete(log).where(log.id <= last, mine))
    return len(buckets)


async def _add(
    connection: AsyncConnection, before: dict[Key, Sums], after: dict[Key, Sums]
) -> None:
    """Add after - before to the answer cells; drop cells left with nothing."""
    zero: Sums = (0, 0, 0.0, 0, 0)
    rows = []
    for key in before.keys() | after.keys():
        old, new = before.get(key, zero), after.get(key, zero)
        change = tuple(n - o for n, o in zip(new, old, strict=True))
        if any(change):
            rows.append(dict(zip((*KEYS, *SUMS), (*key, *change), strict=True)))
    if not rows:
        return
    c = BoardAnswerCellRow.__table__
    upsert: Any = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(c)
    await connection.execute(
        upsert.on_conflict_do_update(
            index_elements=list(KEYS),
            set_={n: c.c[n] + upsert.excluded[n] for n in SUMS},
        ),
        rows,
    )
    await connection.execute(
        delete(BoardAnswerCellRow).where(
            BoardAnswerCellRow.kind.in_(BUCKETED),
            BoardAnswerCellRow.answers == 0,
            BoardAnswerCellRow.respondents == 0,
        )
    )
