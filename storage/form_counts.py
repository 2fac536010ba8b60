"""Forms sent and returned by other routes (paper, email), counted by form, audience, period.

Young people's forms sent through carevoice are counted from invitations; everything else
a board reads about (parents', carers', health, education and professionals' forms) is
entered here as totals, so the return-rate table covers every form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import ExternalFormCountRow
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.insights.periods import Period, PeriodError, PeriodKind, period_containing

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ROUTES = ("paper", "email", "post", "phone", "in_person", "other")


@dataclass(frozen=True, slots=True)
class FormCount:
    """One count to store."""

    form: str
    audience: str
    route: str
    period: Period
    sent: int
    returned: int
    target_rate: float | None = None


def _check(count: FormCount) -> None:
    for field, value, size in (("form", count.form, 48), ("audience", count.audience, 32)):
        if not NAME_RE.match(value) or len(value) > size:
            raise ValidationError(
                f"{field} {value!r}: use lower-case letters, digits and _ (at most {size})"
            )
    if count.route not in ROUTES:
        raise ValidationError(f"route {count.route!r}: use one of {', '.join(ROUTES)}")
    if count.sent < 0 or count.returned < 0:
        raise ValidationError("sent and returned cannot be negative")
    if count.returned > count.sent:
        raise ValidationError(f"returned ({count.returned}) is more than sent ({count.sent})")
    if count.target_rate is not None and not 0 < count.target_rate <= 1:
        raise ValidationError("the target is a fraction between 0 and 1, e.g. 0.3 for 30%")


async def add_form_count(
    session: AsyncSession, clock: Clock, count: FormCount
) -> ExternalFormCountRow:
    """Store a count; the same form, audience, route and period twice is a conflict."""
    _check(count)
    row_type = ExternalFormCountRow
    clash = await session.scalar(
        select(row_type.id).where(
            row_type.form == count.form,
            row_type.audience == count.audience,
            row_type.route == count.route,
            row_type.period_start == count.period.start,
            row_type.period_end == count.period.end_exclusive,
        )
    )
    if clash is not None:
        raise ConflictError(
            f"a count for {count.form}/{count.audience} by {count.route} in {count.period} "
            f"is already stored (id {clash}); delete it first to replace it"
        )
    row = ExternalFormCountRow(
        form=count.form,
        audience=count.audience,
        route=count.route,
        period_start=count.period.start,
        period_end=count.period.end_exclusive,
        sent=count.sent,
        returned=count.returned,
        target_rate=count.target_rate,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return row


async def list_form_counts(
    session: AsyncSession, period: Period | None = None
) -> list[ExternalFormCountRow]:
    """Counts whose period lies within `period` (all counts without one), oldest first."""
    row_type = ExternalFormCountRow
    query = select(row_type).order_by(
        row_type.period_start, row_type.form, row_type.audience, row_type.route, row_type.id
    )
    if period is not None:
        query = query.where(
            row_type.period_start >= period.start, row_type.period_end <= period.end_exclusive
        )
    return list((await session.scalars(query)).all())


def period_label(row: ExternalFormCountRow) -> str:
    """The financial year or quarter a count covers ("2017-18", "2017-18 Q1")."""
    for kind in (PeriodKind.YEAR, PeriodKind.QUARTER):
        try:
            period = period_containing(row.period_start, kind)
        except PeriodError:
            break
        if (period.start, period.end_exclusive) == (row.period_start, row.period_end):
            return period.label
    return f"{row.period_start.isoformat()}..{row.period_end.isoformat()}"


async def delete_form_count(session: AsyncSession, count_id: int) -> None:
    """Remove a count entered by mistake."""
    row = await session.get(ExternalFormCountRow, count_id)
    if row is None:
        raise NotFoundError(f"no form count {count_id}")
    await session.delete(row)
    await session.flush()
