"""Rollups: the board's figures summed by quarter and year, refreshed in SQL, always exact.

Cells (`board_answer_cells`, `board_form_cells`, `board_choice_cells`) hold per quarter
(and, for distinct respondents, per financial year) what the board functions would count
from the rows. Triggers log the UTC day of every change to an answer, a delivered
invitation or a returned response (`board_changes`) in the changing transaction: a new
or late answer, going back, erasing text, a late return. `refresh_rollups` recomputes
the form, choice and "returned" cells of the logged days' quarters and years and deletes
the log rows it saw. A board function reads those cells only when `is_fresh` finds no
logged change in its period (UTC days map to one UK day or the next, so the day before a
period counts too); otherwise it counts the rows. So a figure is the same either way,
only slower while a change waits for the refresh.

The answer cells of sentiment, themes and topics are kept by bucket of responses
(`storage.board.buckets`): triggers also log the buckets a change touches, a read
corrects the stale cells by those buckets alone (exact while a change waits), and the
refresh counts only those buckets again.

Respondents are not additive across quarters, questions, themes or topics, so each cell
counts its own distinct respondents and a year has cells of its own. They do add up
across surveys and age bands (a response has one of each), which is all a read sums.
Periods without a year or quarter (all time) are always counted from the rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.board._common import (
    BOARD_SETTINGS,
    CHAIR,
    LISTENED,
    NEGATIVE_BELOW,
    POSITIVE_ABOVE,
    UNKNOWN,
    WELLBEING,
    Span,
    in_spans,
    uk_date_before,
)
from storage.board.buckets import (
    BUCKET,
    BUCKETED,
    ERASED,
    logged_buckets,
    patched_cells,
    refresh_buckets,
)
from storage.database import Database
from storage.tables import (
    AnswerRow,
    AnswerTopicRow,
    BoardAnswerCellRow,
    BoardChangeRow,
    BoardChoiceCellRow,
    BoardFormCellRow,
    ErasedAnswerCellRow,
    ErasedChoiceCellRow,
    ErasedFormCellRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
    SurveyVersionRow,
)

log = logging.getLogger(__name__)

__all__ = [
    "ANSWER_CELL_COLUMNS",
    "CHOICE_CELL_COLUMNS",
    "CHOICE_QUESTIONS",
    "FORM_CELL_COLUMNS",
    "REFRESH_EVERY",
    "Persons",
    "RefreshSummary",
    "answer_cell_selects",
    "answer_cells",
    "choice_cell_select",
    "contiguous",
    "dirty_quarters",
    "form_cell_select",
    "is_fresh",
    "keep_fresh",
    "log_every_day",
    "quarter_span",
    "quarter_start",
    "refresh_in_steps",
    "refresh_once",
    "refresh_rollups",
    "responses_of",
    "returned_cell_select",
    "take_refresh_lock",
    "year_start",
]

QUARTER: Final = "q"
YEAR: Final = "y"
CHOICE_QUESTIONS: Final = (WELLBEING[1], LISTENED[1], CHAIR)
WATCHED: Final = (
    ("answers", "answered_at"),
    ("invitations", "delivered_at"),
    ("responses", "returned_at"),
)
"""Tables whose changes triggers log, by the day of this column (migration 0004)."""
REFRESH_EVERY: Final = 60.0
"""Seconds between refreshes in `carevoice serve`."""
LOCK: Final = 421338
"""PostgreSQL advisory lock, with the schema's hash: one refresh at a time per schema."""


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    """What a refresh did: changed days logged, quarters and years recomputed (forms,
    choices, returns), buckets of responses whose answer cells were counted again."""

    changes: int
    quarters: int
    years: int
    buckets: int = 0


def quarter_start(day: date) -> date:
    """The first day of the quarter (of a financial year) holding `day`."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def year_start(day: date) -> date:
    """The first day of the financial year holding `day`."""
    return _year_start(day)


def _year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


async def is_fresh(session: AsyncSession, start: date, end: date) -> bool:
    """Whether the cells of UK dates [start, end) hold every change (none waits)."""
    c = BoardChangeRow
    waiting = select(c.id).where(c.day >= start - timedelta(days=1), c.day < end).limit(1)
    return (await session.scalar(waiting)) is None


def quarter_span(start: date) -> Span:
    """The quarter beginning on `start`, as a span."""
    return Span(start.isoformat(), start, _add_months(start, 3))


async def dirty_quarters(session: AsyncSession, start: date, end: date) -> list[date]:
    """The quarters in [start, end) (quarter-aligned) with a change waiting (one
    statement: a probe of the log's index per quarter)."""
    quarters = []
    while start < end:
        quarters.append(quarter_span(start))
        start = quarters[-1].end
    c = BoardChangeRow
    probes = [
        exists().where(c.day >= q.start - timedelta(days=1), c.day < q.end) for q in quarters
    ]
    waiting = (await session.execute(select(*probes))).one()
    return [q.start for q, found in zip(quarters, waiting, strict=True) if found]


def contiguous(quarters: Sequence[date]) -> list[list[Span]]:
    """Quarters (sorted) as runs of adjacent quarter spans."""
    runs: list[list[Span]] = []
    for start in quarters:
        if runs and runs[-1][-1].end == start:
            runs[-1].append(quarter_span(start))
        else:
            runs.append([quarter_span(start)])
    return runs


async def answer_cells(
    session: AsyncSession,
    grain: str,
    starts: Sequence[date],
    kind: str,
    survey_key: str | None,
    *,
    erased: bool = False,
) -> list[tuple[date, str, int, int, float, int, int]]:
    """(start, group, respondents, answers, polarity sum, negative, positive) of the
    cells of `kind` at `grain` ("q" or "y") beginning on `starts`, summed over surveys
    (or of `survey_key` alone); of the erased cells (`erased`, also grain "a") instead.
    Cells of the kinds kept by bucket are exact even while changes wait
    (`storage.board.buckets`)."""
    if not erased and kind in BUCKETED and grain in (QUARTER, YEAR):
        return await patched_cells(session, grain, starts, kind, survey_key)
    c: Any = ErasedAnswerCellRow if erased else BoardAnswerCellRow
    query = (
        select(
            c.start,
            c.grp,
            func.sum(c.respondents),
            func.sum(c.answers),
            func.sum(c.total),
            func.sum(c.negative),
            func.sum(c.positive),
        )
        .where(c.grain == grain, c.start.in_(list(starts)), c.kind == kind)
        .group_by(c.start, c.grp)
    )
    if survey_key is not None:
        query = query.where(c.survey_key == survey_key)
    return [
        (start, str(g), int(r), int(n), float(t), int(neg), int(pos))
        for start, g, r, n, t, neg, pos in (await session.execute(query)).all()
    ]


async def log_every_day(session: AsyncSession) -> None:
    """Log a change on every day holding answers or delivered forms, so the next refresh
    rebuilds every cell (after a bulk load with triggers off, or a new topic lexicon)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        day = "(({}) AT TIME ZONE 'UTC')::date"
    else:
        day = "date({})"
    days = " UNION ".join(
        f"SELECT {day.format(column)} AS d FROM {table} WHERE {column} IS NOT NULL"
        for table, column in WATCHED
    )
    await connection.execute(
        text(f"INSERT INTO board_changes (day) SELECT DISTINCT d FROM ({days}) AS days")
    )
    await connection.execute(
        text(
            f"INSERT INTO board_bucket_changes (bucket) SELECT DISTINCT response_id / {BUCKET} "
            f"FROM answers UNION SELECT DISTINCT response_id / {BUCKET} FROM answer_topics "
            f"UNION SELECT {ERASED}"
        )
    )


async def refresh_once(db: Database) -> RefreshSummary | None:
    """One refresh; None (logged by error class only) if it failed. On PostgreSQL in one
    transaction of its own; on SQLite, which has one writer at a time, in steps
    (`refresh_in_steps`), so a young person's answer never waits for a whole refresh."""
    try:
        if db.is_sqlite:
            return await refresh_in_steps(db)
        async with db.transaction() as session:
            return await refresh_rollups(session)
    except (DBAPIError, OperationalError) as error:
        log.warning("board rollups not refreshed: %s", type(error).__name__)
        return None


async def refresh_in_steps(db: Database) -> RefreshSummary:
    """The work of `refresh_rollups` in short write transactions: each bucket of responses,
    then each quarter, each year, and last the log rows seen. Answers committed
    between steps are logged with later ids, so they stay for the next refresh; until the
    last step a board read finds the period's changes still logged and counts the rows,
    so a figure is exact throughout (and a step that fails leaves the log to retry)."""
    async with db.reader() as session:
        waiting = await logged_buckets(await session.connection())
    buckets = 0
    for bucket in waiting:
        async with db.transaction() as session:
            buckets += await refresh_buckets(await session.connection(), only=bucket)
    async with db.reader() as session:
        logged = await _logged(await session.connection())
    if logged is None:
        return RefreshSummary(0, 0, 0, buckets)
    last, quarters, years = logged
    for start in quarters:
        async with db.transaction() as session:
            await _refresh_quarter(await session.connection(), start)
    for start in years:
        async with db.transaction() as session:
            await _refresh_year(await session.connection(), start)
    async with db.transaction() as session:
        changes = await _forget_logged(await session.connection(), last)
    return RefreshSummary(changes, len(quarters), len(years), buckets)


async def keep_fresh(db: Database, every: float = REFRESH_EVERY) -> None:
    """Refresh the rollups every `every` seconds until cancelled (`carevoice serve`)."""
    while True:
        await refresh_once(db)
        await asyncio.sleep(every)


async def take_refresh_lock(connection: AsyncConnection) -> bool:
    """Take this schema's refresh lock until the transaction ends (PostgreSQL); False if
    another transaction holds it. Advisory locks belong to the whole database, so the
    key carries the schema: a refresh in another schema (another test worker, another
    `CAREVOICE_DATABASE_SCHEMA`) must not make this one skip its work."""
    schema = func.hashtext(func.current_schema())
    return bool(await connection.scalar(select(func.pg_try_advisory_xact_lock(LOCK, schema))))


async def refresh_rollups(session: AsyncSession) -> RefreshSummary:
    """Recompute the cells of every quarter and year with a logged change, then delete
    the log rows seen. Run it in its own, fresh transaction (PostgreSQL: it reads one
    snapshot, so a change committed meanwhile stays logged for the next refresh)."""
    connection = await session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        await connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        if not await take_refresh_lock(connection):
            return RefreshSummary(0, 0, 0)  # another process is refreshing
        await connection.execute(select(*BOARD_SETTINGS))
    buckets = await refresh_buckets(connection)
    logged = await _logged(connection)
    if logged is None:
        return RefreshSummary(0, 0, 0, buckets)
    last, quarters, years = logged
    for start in quarters:
        await _refresh_quarter(connection, start)
    for start in years:
        await _refresh_year(connection, start)
    changes = await _forget_logged(connection, last)
    return RefreshSummary(changes, len(quarters), len(years), buckets)


async def _logged(connection: AsyncConnection) -> tuple[int, list[date], list[date]] | None:
    """The last change logged, and the quarters and years it and those before touch (a
    UTC day is one UK day or the next); None when nothing is logged."""
    c = BoardChangeRow
    last = await connection.scalar(select(func.max(c.id)))
    if last is None:
        return None
    days = (await connection.scalars(select(c.day).where(c.id <= last).distinct())).all()
    quarters = sorted(
        {quarter_start(d) for d in days} | {quarter_start(d + timedelta(days=1)) for d in days}
    )
    return int(last), quarters, sorted({_year_start(q) for q in quarters})


async def _refresh_quarter(connection: AsyncConnection, start: date) -> None:
    span = quarter_span(start)
    await _returned_cells(connection, QUARTER, span)
    await _form_cells(connection, span, connection.dialect.name)
    await _choice_cells(connection, span)


async def _refresh_year(connection: AsyncConnection, start: date) -> None:
    await _returned_cells(connection, YEAR, Span("", start, _add_months(start, 12)))


async def _forget_logged(connection: AsyncConnection, last: int) -> int:
    """Delete the log rows up to `last`; how many there were."""
    done = await connection.execute(delete(BoardChangeRow).where(BoardChangeRow.id <= last))
    return int(getattr(done, "rowcount", 0) or 0)


def _scored(span: Span | None, persons: Persons) -> list[ColumnElement[bool]]:
    """Current, scored free text to questions that are not sensitive, in `span` (any
    time when None), of the young people `persons` (everyone when None)."""
    a = AnswerRow
    found = [a.superseded_at.is_(None), a.polarity.is_not(None), a.sensitive == false()]
    if span is not None:
        found.append(in_spans(a.answered_at, [span]))
    if persons is not None:
        found.append(a.response_id.in_(responses_of(persons)))
    return found


Persons = Sequence[int] | None
"""Whose rows a cell query counts: the ids of some young people, or everyone (None)."""


def responses_of(persons: Sequence[int]) -> Any:
    """A subquery: the ids of the responses of `persons`."""
    return select(ResponseRow.id).where(ResponseRow.person_id.in_(list(persons)))


ANSWER_CELL_COLUMNS: Final = (
    "grain", "start", "survey_key", "kind", "grp", "respondents", "answers", "total",
    "negative", "positive",
)  # fmt: skip
FORM_CELL_COLUMNS: Final = (
    "start", "form", "audience", "age_band", "sent", "returned", "early", "reviewed",
)  # fmt: skip
CHOICE_CELL_COLUMNS: Final = ("start", "survey_key", "question_id", "choice", "number", "answers")


def answer_cell_selects(
    grain: str, start: date, span: Span | None, persons: Persons = None, *, languages: bool = False
) -> list[Any]:
    """SELECTs giving the answer cells (ANSWER_CELL_COLUMNS) of `grain` beginning on
    `start` for what was written in `span` (any time when None) by `persons`; with
    `languages`, cells of kind "language" too (the young person's: erased cells only, as
    the rollups have none by language)."""
    a, r, i, t = AnswerRow, ResponseRow, InvitationRow, AnswerTopicRow
    head = (literal(grain), literal(start, Date()))
    negative = func.sum(case((a.polarity < NEGATIVE_BELOW, 1), else_=0))
    positive = func.sum(case((a.polarity > POSITIVE_ABOVE, 1), else_=0))
    selects: list[Any] = [
        select(
            *head,
            a.survey_key,
            literal(kind),
            column,
            func.count(func.distinct(a.response_id)),
            func.count(),
            func.sum(a.polarity),
            negative,
            positive,
        )
        .where(*_scored(span, persons))
        .group_by(a.survey_key, column)
        for kind, column in (("question", a.question_id), ("theme", a.theme))
    ]
    per_response = (
        select(
            a.response_id,
            a.survey_key,
            func.count().label("n"),
            func.sum(a.polarity).label("s"),
            negative.label("neg"),
            positive.label("pos"),
        )
        .where(*_scored(span, persons))
        .group_by(a.response_id, a.survey_key)
        .subquery()
    )
    band = func.coalesce(i.age_band, UNKNOWN)
    selects.append(
        select(
            *head,
            per_response.c.survey_key,
            literal("band"),
            band,
            func.count(),
            func.sum(per_response.c.n),
            func.sum(per_response.c.s),
            func.sum(per_response.c.neg),
            func.sum(per_response.c.pos),
        )
        .select_from(per_response)
        .join(r, r.id == per_response.c.response_id)
        .outerjoin(i, i.id == r.invitation_id)
        .group_by(per_response.c.survey_key, band)
    )
    if languages:
        language = func.coalesce(PersonRow.language, UNKNOWN)
        selects.append(
            select(
                *head,
                per_response.c.survey_key,
                literal("language"),
                language,
                func.count(),
                func.sum(per_response.c.n),
                func.sum(per_response.c.s),
                func.sum(per_response.c.neg),
                func.sum(per_response.c.pos),
            )
            .select_from(per_response)
            .join(r, r.id == per_response.c.response_id)
            .outerjoin(PersonRow, PersonRow.id == r.person_id)
            .group_by(per_response.c.survey_key, language)
        )
    tagged: list[ColumnElement[bool]] = []
    if span is not None:
        tagged.append(in_spans(t.answered_at, [span]))
    if persons is not None:
        tagged.append(t.response_id.in_(responses_of(persons)))
    selects.append(
        select(
            *head,
            t.survey_key,
            literal("topic"),
            t.topic,
            func.count(func.distinct(t.response_id)),
            func.count(),
            func.sum(t.polarity),
            literal(0),
            literal(0),
        )
        .where(*tagged)
        .group_by(t.survey_key, t.topic)
    )
    selects.append(returned_cell_select(grain, start, span, persons))
    return selects


def returned_cell_select(
    grain: str, start: date, span: Span | None, persons: Persons = None
) -> Any:
    """A SELECT giving the "returned" answer cell of each survey: the young people who
    returned it (quotes need enough of them). Young people span buckets of responses, so
    these cells are counted per quarter and year, never by bucket."""
    r, v = ResponseRow, SurveyVersionRow
    head = (literal(grain), literal(start, Date()))
    returned: list[ColumnElement[bool]] = [r.returned_at.is_not(None)]
    if span is not None:
        returned.append(in_spans(r.returned_at, [span]))
    if persons is not None:
        returned.append(r.person_id.in_(list(persons)))
    return (
        select(
            *head,
            v.key,
            literal("returned"),
            literal(""),
            func.count(func.distinct(r.person_id)),
            func.count(),
            literal(0.0),
            literal(0),
            literal(0),
        )
        .join(v, v.id == r.survey_version_id)
        .where(*returned)
        .group_by(v.key)
    )


def form_cell_select(span: Span, dialect: str, persons: Persons = None) -> Any:
    """A SELECT giving the form cells (FORM_CELL_COLUMNS) of the quarter `span` for the
    invitations of `persons`."""
    i = InvitationRow
    year = _year_start(span.start).year
    before_review = uk_date_before(
        i.returned_at, i.review_date, dialect=dialect, years=(year - 1, year + 4)
    )
    with_review = and_(i.returned_at.is_not(None), i.review_date.is_not(None))
    band = func.coalesce(i.age_band, UNKNOWN)
    query = (
        select(
            literal(span.start, Date()),
            i.form,
            i.audience,
            band,
            func.count(),
            func.count(i.returned_at),
            func.sum(case((and_(with_review, before_review), 1), else_=0)),
            func.sum(case((with_review, 1), else_=0)),
        )
        .where(in_spans(i.delivered_at, [span]))
        .group_by(i.form, i.audience, band)
    )
    if persons is not None:
        query = query.where(i.person_id.in_(list(persons)))
    return query


def choice_cell_select(span: Span, persons: Persons = None) -> Any:
    """A SELECT giving the choice cells (CHOICE_CELL_COLUMNS) of the quarter `span` for
    the answers of `persons`."""
    a = AnswerRow
    query = (
        select(
            literal(span.start, Date()),
            a.survey_key,
            a.question_id,
            a.choice,
            a.number,
            func.count(),
        )
        .where(
            a.superseded_at.is_(None),
            a.question_id.in_(CHOICE_QUESTIONS),
            a.skipped == false(),
            or_(a.choice.is_not(None), a.number.is_not(None)),
            in_spans(a.answered_at, [span]),
        )
        .group_by(a.survey_key, a.question_id, a.choice, a.number)
    )
    if persons is not None:
        query = query.where(a.response_id.in_(responses_of(persons)))
    return query


async def _returned_cells(connection: AsyncConnection, grain: str, span: Span) -> None:
    """The "returned" cells of a quarter or year, counted again (the other answer cells
    are kept by bucket: `storage.board.buckets`)."""
    cells, e = BoardAnswerCellRow, ErasedAnswerCellRow
    await connection.execute(
        delete(cells).where(
            cells.grain == grain, cells.start == span.start, cells.kind == "returned"
        )
    )
    query = returned_cell_select(grain, span.start, span)
    await connection.execute(insert(cells).from_select(ANSWER_CELL_COLUMNS, query))
    await _add_erased(
        connection, cells, e, ANSWER_CELL_COLUMNS[:5],
        (e.grain == grain, e.start == span.start, e.kind == "returned"),
    )  # fmt: skip


async def _form_cells(connection: AsyncConnection, span: Span, dialect: str) -> None:
    cells = BoardFormCellRow
    await connection.execute(delete(cells).where(cells.start == span.start))
    await connection.execute(
        insert(cells).from_select(FORM_CELL_COLUMNS, form_cell_select(span, dialect))
    )
    await _add_erased(
        connection, cells, ErasedFormCellRow, FORM_CELL_COLUMNS[:4],
        (ErasedFormCellRow.start == span.start,), FORM_CELL_COLUMNS[4:],
    )  # fmt: skip


async def _choice_cells(connection: AsyncConnection, span: Span) -> None:
    cells, e = BoardChoiceCellRow, ErasedChoiceCellRow
    await connection.execute(delete(cells).where(cells.start == span.start))
    await connection.execute(
        insert(cells).from_select(CHOICE_CELL_COLUMNS, choice_cell_select(span))
    )
    # readers add every row of a quarter up, so erased answers are rows of their own
    erased = select(*(e.__table__.c[name] for name in CHOICE_CELL_COLUMNS)).where(
        e.start == span.start
    )
    await connection.execute(insert(cells).from_select(CHOICE_CELL_COLUMNS, erased))


async def _add_erased(
    connection: AsyncConnection,
    cells: Any,
    erased: Any,
    keys: Sequence[str],
    where: Sequence[ColumnElement[bool]],
    summed: Sequence[str] = (),
) -> None:
    """Add the erased cells matching `where` to the rollup cells of the same key (few
    rows: one per survey and group a quarter). With `summed`, the erased cells are first
    summed over what the rollup cells do not hold (forms' cohort, team and language)."""
    source = erased.__table__
    query: Any = select(source).where(*where)
    if summed:
        query = (
            select(*(source.c[k] for k in keys), *(func.sum(source.c[v]).label(v) for v in summed))
            .where(*where)
            .group_by(*(source.c[k] for k in keys))
        )
    found = (await connection.execute(query)).mappings().all()
    table = cells.__table__
    for row in found:
        values = {name: row[name] for name in row if name not in keys}
        match = [table.c[k] == row[k] for k in keys]
        added = await connection.execute(
            table.update()
            .where(*match)
            .values({name: table.c[name] + value for name, value in values.items()})
        )
        if not getattr(added, "rowcount", 0):
            await connection.execute(table.insert().values(dict(row)))
