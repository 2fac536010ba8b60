"""Folding: what some young people's rows add to the board's figures, kept without them.

Erasing a young person deletes their rows; retention deletes old responses and blanks
old words. Each board figure is a sum over young people: counts and sums of rows, and
distinct responses or distinct young people, which never mix two people. So a figure
over everyone is the sum of each person's part, and removing rows of `persons` changes
it by exactly (their part before) - (their part after). `fold` works that out in the
rollup cells' shape, quarter by quarter (and per financial year and all time, where
respondents are counted afresh), and adds it to the `erased_*` cells, which hold counts
and sums only. Every board figure adds those cells to what it counts from the rows, and
`refresh_rollups` adds them to the rollup cells, so no figure moves when data is erased.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.board._common import UNKNOWN, Span
from storage.board.rollups import (
    answer_cell_selects,
    choice_cell_select,
    form_cell_select,
    quarter_span,
    quarter_start,
    responses_of,
    year_start,
)
from storage.tables import (
    AnswerRow,
    ErasedAnswerCellRow,
    ErasedChoiceCellRow,
    ErasedFormCellRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
)
from surveys.insights.periods import uk_date

__all__ = [
    "ALL_TIME",
    "ALL_TIME_GRAIN",
    "Contributions",
    "contributions",
    "erased_form_counts",
    "fold",
    "invitation_groups",
]

UNKNOWN_GROUP: Final = UNKNOWN
ALL_TIME_GRAIN: Final = "a"
ALL_TIME: Final = date(2000, 1, 1)
"""Erased answer cells counted over all time (grain "a") all begin on this date."""

AnswerKey = tuple[str, date, str, str, str]  # grain, start, survey, kind, group
FormKey = tuple[date, str, str, str, str, str, str]
"""start, form, audience, age band, and the young person's cohort, team and language"""
ChoiceKey = tuple[date, str, str, str | None, int | None]  # start, survey, question, ...


@dataclass
class Contributions:
    """Some young people's part of every rollup cell (and of all-time answer cells)."""

    answers: dict[AnswerKey, list[float]] = field(default_factory=dict)
    forms: dict[FormKey, list[int]] = field(default_factory=dict)
    choices: dict[ChoiceKey, int] = field(default_factory=dict)
    quarters: list[date] = field(default_factory=list)

    def minus(self, after: Contributions) -> Contributions:
        """What these contributions hold beyond `after` (cells that did not change left out)."""

        def less(mine: Sequence[float] | None, theirs: Sequence[float] | None) -> list[float]:
            size = len(mine or theirs or ())
            return [a - b for a, b in zip(mine or [0] * size, theirs or [0] * size, strict=True)]

        # A cell only `after` has is a change too (a response moved to another age band).
        out = Contributions(quarters=self.quarters)
        for a_key in self.answers.keys() | after.answers.keys():
            if any(delta := less(self.answers.get(a_key), after.answers.get(a_key))):
                out.answers[a_key] = delta
        for f_key in self.forms.keys() | after.forms.keys():
            if any(diff := [int(v) for v in less(self.forms.get(f_key), after.forms.get(f_key))]):
                out.forms[f_key] = diff
        for c_key in self.choices.keys() | after.choices.keys():
            if n := self.choices.get(c_key, 0) - after.choices.get(c_key, 0):
                out.choices[c_key] = n
        return out


async def _moments(connection: AsyncConnection, persons: Sequence[int]) -> set[datetime]:
    """Every time that places a row of `persons` in a quarter of the board's figures."""
    ids = list(persons)
    found: set[datetime] = set()
    for query in (
        select(AnswerRow.answered_at)
        .where(AnswerRow.response_id.in_(responses_of(ids)))
        .distinct(),
        select(InvitationRow.delivered_at)
        .where(InvitationRow.person_id.in_(ids), InvitationRow.delivered_at.is_not(None))
        .distinct(),
        select(ResponseRow.returned_at)
        .where(ResponseRow.person_id.in_(ids), ResponseRow.returned_at.is_not(None))
        .distinct(),
    ):
        found.update(m for m in (await connection.scalars(query)).all() if m is not None)
    return found


def _quarters_of(moments: Iterable[datetime]) -> list[date]:
    return sorted({quarter_start(uk_date(_aware(m))) for m in moments})


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def contributions(
    connection: AsyncConnection, persons: Sequence[int], quarters: Sequence[date] | None = None
) -> Contributions:
    """`persons`' part of every cell of the quarters their rows fall in (or `quarters`),
    of those quarters' financial years, and of all time."""
    if quarters is None:
        quarters = _quarters_of(await _moments(connection, persons))
    out = Contributions(quarters=list(quarters))
    if not quarters:
        return out
    dialect = connection.dialect.name
    answer_queries: list[Any] = []
    form_queries: list[Any] = []
    choice_queries: list[Any] = []
    for start in quarters:
        span = quarter_span(start)
        answer_queries += answer_cell_selects("q", start, span, persons, languages=True)
        form_queries.append(_form_cells_by_person(span, dialect, persons))
        choice_queries.append(choice_cell_select(span, persons))
    for start in sorted({year_start(q) for q in quarters}):
        year = Span("", start, date(start.year + 1, start.month, 1))
        answer_queries += answer_cell_selects("y", start, year, persons, languages=True)
    answer_queries += answer_cell_selects(
        ALL_TIME_GRAIN, ALL_TIME, None, persons, languages=True
    )
    for row in await _rows(connection, form_queries, len(persons)):
        key = (row[0], *(str(v) for v in (*row[1:4], *row[8:11])))
        out.forms[key] = [int(v or 0) for v in row[4:8]]
    for row in await _rows(connection, choice_queries, len(persons)):
        out.choices[(row[0], str(row[1]), str(row[2]), row[3], row[4])] = int(row[5])
    for row in await _rows(connection, answer_queries, len(persons)):
        key = (str(row[0]), _as_date(row[1]), str(row[2]), str(row[3]), str(row[4]))
        out.answers[key] = [float(v or 0) for v in row[5:]]
    return out


PARAMETERS_AT_MOST: Final = 16_000
"""Bound values in one statement (SQLite allows 32,766, asyncpg 32,767): each SELECT of a
contribution lists the young people once or twice."""
SELECTS_AT_MOST: Final = 100
"""SELECTs in one UNION ALL (SQLite allows 500 terms in a compound SELECT)."""


async def _rows(connection: AsyncConnection, queries: Sequence[Any], persons: int) -> list[Any]:
    """The rows of `queries` (SELECTs of the same columns), a UNION ALL of as many at a time
    as the drivers allow: one round trip where there were dozens."""
    step = max(1, min(SELECTS_AT_MOST, PARAMETERS_AT_MOST // (2 * persons + 8)))
    rows: list[Any] = []
    for first in range(0, len(queries), step):
        chunk: list[Any] = list(queries[first : first + step])
        query: Any = chunk[0] if len(chunk) == 1 else union_all(*chunk)
        rows.extend((await connection.execute(query)).all())
    return rows


PEOPLE_GROUPS: Final = ("cohort", "team", "language")
"""The young person's breakdowns of forms that rollup cells lack and erased cells hold."""


def invitation_groups() -> dict[str, Any]:
    """The cohort and team a form counts under: the young person's when invited (kept on
    the invitation), or for an invitation that did not record them (stored before
    migration 0022 filled them in, or written by hand) their record's now. Needs
    `PersonRow` joined on the invitation's person."""
    i, p = InvitationRow, PersonRow
    return {
        "cohort": func.coalesce(i.cohort, p.cohort, UNKNOWN_GROUP),
        "team": func.coalesce(func.nullif(func.coalesce(i.team, p.team), ""), UNKNOWN_GROUP),
    }


def _people_columns() -> dict[str, Any]:
    return {
        **invitation_groups(),
        "language": func.coalesce(PersonRow.language, UNKNOWN_GROUP),
    }


def _form_cells_by_person(span: Span, dialect: str, persons: Sequence[int]) -> Any:
    """The form cells of `persons` in the quarter `span`, by cohort, team and language as
    well (FORM_CELL_COLUMNS, then those three), as the board's breakdowns count them."""
    groups = [column.label(name) for name, column in _people_columns().items()]
    return (
        form_cell_select(span, dialect, persons)
        .outerjoin(PersonRow, PersonRow.id == InvitationRow.person_id)
        .add_columns(*groups)
        .group_by(*groups)
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def fold(
    session: AsyncSession, persons: Sequence[int], change: Callable[[], Awaitable[Any]]
) -> Contributions:
    """Run `change` (which removes or blanks rows of `persons` only), keeping what those
    rows added to the board's figures in the erased cells. Returns what was folded."""
    if not persons:
        await change()
        return Contributions()
    connection = await session.connection()
    before = await contributions(connection, persons)
    await change()
    await session.flush()
    after = await contributions(connection, persons, before.quarters)
    folded = before.minus(after)
    await _add(connection, folded)
    return folded


async def _add(connection: AsyncConnection, folded: Contributions) -> None:
    a, f = ErasedAnswerCellRow.__table__, ErasedFormCellRow.__table__
    c = ErasedChoiceCellRow.__table__
    for (grain, start, survey, kind, grp), (resp, n, total, neg, pos) in folded.answers.items():
        await _upsert_add(
            connection, a,
            {"grain": grain, "start": start, "survey_key": survey, "kind": kind, "grp": grp},
            {"respondents": int(resp), "answers": int(n), "total": total,
             "negative": int(neg), "positive": int(pos)},
        )  # fmt: skip
    for (start, form, audience, band, *people), (sent, returned, early, reviewed) in (
        folded.forms.items()
    ):
        await _upsert_add(
            connection, f,
            {"start": start, "form": form, "audience": audience, "age_band": band,
             **dict(zip(PEOPLE_GROUPS, people, strict=True))},
            {"sent": sent, "returned": returned, "early": early, "reviewed": reviewed},
        )  # fmt: skip
    for (start, survey, question, choice, number), n in folded.choices.items():
        await _upsert_add(
            connection, c,
            {"start": start, "survey_key": survey, "question_id": question, "choice": choice,
             "number": number},
            {"answers": n},
        )  # fmt: skip


async def _upsert_add(
    connection: AsyncConnection, table: Any, keys: dict[str, Any], values: dict[str, Any]
) -> None:
    """Add `values` to the row of `table` with `keys` (NULL matching NULL), or insert it."""
    match = [table.c[k].is_(None) if v is None else table.c[k] == v for k, v in keys.items()]
    added = await connection.execute(
        table.update()
        .where(*match)
        .values({name: table.c[name] + value for name, value in values.items()})
    )
    if not getattr(added, "rowcount", 0):
        await connection.execute(table.insert().values({**keys, **values}))


async def erased_form_counts(
    session: AsyncSession, spans: Sequence[Span], dims: Sequence[str]
) -> list[tuple[int, tuple[str, ...], int, int]]:
    """(span index, key of `dims` without quarter, sent, returned) of the erased forms
    in `spans` (quarter-aligned), as `storage.board.return_rates` counts invitations."""
    e = ErasedFormCellRow
    columns = {
        "form": e.form, "audience": e.audience, "age_band": e.age_band, "cohort": e.cohort,
        "team": e.team, "language": e.language,
    }  # fmt: skip
    wanted = [d for d in dims if d != "quarter"]
    keys: list[Any] = [columns[d] for d in wanted if d in columns]
    query = (
        select(e.start, *keys, func.sum(e.sent), func.sum(e.returned))
        .where(e.start >= spans[0].start, e.start < spans[-1].end)
        .group_by(e.start, *keys)
    )
    out = []
    for row in (await session.execute(query)).all():
        start = _as_date(row[0])
        index = next(i for i, s in enumerate(spans) if s.start <= start < s.end)
        key = tuple(str(v) for v in row[1:-2])
        out.append((index, key, int(row[-2]), int(row[-1])))
    return out
