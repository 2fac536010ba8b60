"""What the board queries share: UK-time period bounds, quarter buckets in SQL, counts.

Periods are UK dates; the store keeps UTC datetimes. A period's bounds become the UTC
instants of UK midnight, so a form sent at 00:30 on 1 April in BST (23:30 UTC on 31 March)
counts in April. A set of contiguous spans becomes one `CASE` over the indexed column, so
several periods (quarters, last year) are counted by one GROUP BY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.insights.disclosure import SUPPRESSED
from surveys.insights.periods import UK_TZ, Period

Count = int | str
"""A count as a board sees it: the number, or SUPPRESSED ("c")."""

UNKNOWN: Final = "unknown"
"""The group of answers or forms whose age band is not known."""

NEGATIVE_BELOW: Final = -0.05
POSITIVE_ABOVE: Final = 0.05
"""Polarity below -0.05 is negative, above 0.05 positive, between them neutral."""

WELLBEING: Final = ("wellbeing-16plus", "overall_wellbeing")
LISTENED: Final = ("review-feedback", "listened")
CHAIR: Final = "chair"
"""The scorecard's questions (survey, question): its rollup cells hold only these."""

__all__ = [
    "CHAIR",
    "LISTENED",
    "NEGATIVE_BELOW",
    "POSITIVE_ABOVE",
    "SUPPRESSED",
    "UNKNOWN",
    "WELLBEING",
    "Count",
    "Span",
    "bucket",
    "in_spans",
    "prepare",
    "rounded",
    "spans_of",
    "uk_date_before",
    "uk_midnight",
]


def uk_midnight(day: date) -> datetime:
    """The UTC instant at which `day` begins in the UK."""
    return datetime(day.year, day.month, day.day, tzinfo=UK_TZ).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled run of UK dates, `start` to `end` (exclusive)."""

    label: str
    start: date
    end: date

    @classmethod
    def of(cls, period: Period) -> Span:
        return cls(period.label, period.start, period.end_exclusive)

    def holds(self, start: date, end: date) -> bool:
        """Whether [start, end) lies within this span."""
        return self.start <= start and end <= self.end


def spans_of(periods: Sequence[Period]) -> list[Span]:
    """Spans for contiguous periods, oldest first."""
    spans = [Span.of(p) for p in periods]
    for before, after in pairwise(spans):
        if before.end != after.start:
            raise ValueError(f"periods {before.label} and {after.label} are not contiguous")
    return spans


def in_spans(column: Any, spans: Sequence[Span]) -> ColumnElement[bool]:
    """`column` (a UTC datetime) falls in the spans, in UK time."""
    return and_(column >= uk_midnight(spans[0].start), column < uk_midnight(spans[-1].end))


def bucket(column: Any, spans: Sequence[Span]) -> ColumnElement[int]:
    """Which span (0, 1, ...) `column` falls in; use with `in_spans` in the WHERE clause."""
    if len(spans) == 1:
        return literal(0)
    whens = [(column < uk_midnight(s.end), i) for i, s in enumerate(spans[:-1])]
    return case(*whens, else_=len(spans) - 1)


@lru_cache(maxsize=64)
def _uk_summer_times(first_year: int, last_year: int) -> tuple[tuple[datetime, datetime], ...]:
    """The UTC instants when British Summer Time starts and ends, year by year."""
    found = []
    for year in range(first_year, last_year + 1):
        edges: list[datetime] = []
        day = datetime(year, 1, 1, tzinfo=UTC)
        while day.year == year:
            after = day + timedelta(days=1)
            if day.astimezone(UK_TZ).utcoffset() != after.astimezone(UK_TZ).utcoffset():
                hour = day
                while hour.astimezone(UK_TZ).utcoffset() == day.astimezone(UK_TZ).utcoffset():
                    hour += timedelta(hours=1)
                edges.append(hour)
            day = after
        if len(edges) == 2:
            found.append((edges[0], edges[1]))
    return tuple(found)


def uk_date_before(
    moment: Any, day: Any, *, dialect: str, years: tuple[int, int]
) -> ColumnElement[bool]:
    """SQL: the UTC datetime column `moment` is before the UK date column `day` begins.

    PostgreSQL converts with `AT TIME ZONE`. SQLite has no time zones, so the hour of
    British Summer Time is added by a CASE over the changes in `years` (first, last)."""
    if dialect == "postgresql":
        return func.timezone("Europe/London", moment) < day  # type: ignore[no-any-return]
    summer = _uk_summer_times(*years)
    if not summer:
        return moment < day  # type: ignore[no-any-return]
    shifted = func.datetime(
        moment,
        case(*((and_(moment >= s, moment < e), "+1 hours") for s, e in summer), else_="+0 hours"),
    )
    return shifted < day  # type: ignore[no-any-return]


WORK_MEM: Final = "64MB"
BOARD_SETTINGS: Final = (
    # room to group and sort in memory: the default 4MB spills a year of national answers
    func.set_config("work_mem", WORK_MEM, True),
    # no JIT: compiling takes longer than these queries run (0.3-0.5 s a statement of the
    # rollup refresh, whose few logged buckets the planner estimates at 100,000s of rows)
    func.set_config("jit", "off", True),
    # a plan for each statement's own values: asyncpg prepares statements, and after five
    # runs PostgreSQL may keep a generic plan; in a long-running `serve` the refresh after
    # one change went from 0.6 s to 2 s by its fourth run at 1M responses
    func.set_config("plan_cache_mode", "force_custom_plan", True),
)
"""Settings (`SET LOCAL`: they end with the transaction) for board reads and the refresh."""


async def prepare(session: AsyncSession) -> str:
    """Ready a read transaction for board figures; return the dialect's name.

    On PostgreSQL the transaction gets `BOARD_SETTINGS`."""
    connection = await session.connection()
    name = connection.dialect.name
    if name == "postgresql":
        await connection.execute(select(*BOARD_SETTINGS))
    return name


def rounded(value: float | None, places: int = 3) -> float | None:
    """A float rounded for a board (None stays None)."""
    return None if value is None else round(float(value), places)
