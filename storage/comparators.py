"""Comparators: published figures of other councils and the nation, kept for the board.

    load(session, comparators, clock)   add or update (by measure, area and year)
    all_comparators(session)            every one, by measure, then newest year first

Parsing and checking the CSV is `surveys.insights.comparators`; nothing here holds a
person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import ComparatorRow
from surveys.clock import Clock
from surveys.insights.comparators import Comparator

__all__ = ["LoadSummary", "all_comparators", "load"]


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What a load did."""

    added: int
    updated: int
    unchanged: int
    removed: int = 0


async def load(
    session: AsyncSession,
    comparators: Sequence[Comparator],
    clock: Clock,
    *,
    replace: bool = False,
) -> LoadSummary:
    """Add each comparator, or update the one with its measure, area and year (areas
    match in any case). `replace`: first remove every comparator not in `comparators`."""
    rows = {
        (r.measure, r.area.lower(), r.year): r
        for r in (await session.scalars(select(ComparatorRow))).all()
    }
    wanted = {(c.measure, c.area.lower(), c.year) for c in comparators}
    removed = 0
    if replace:
        gone = [r.id for k, r in rows.items() if k not in wanted]
        if gone:
            await session.execute(delete(ComparatorRow).where(ComparatorRow.id.in_(gone)))
        removed = len(gone)
    added = updated = unchanged = 0
    now = clock.now()
    for c in comparators:
        values = {
            "measure": c.measure, "label": c.label, "unit": c.unit, "area": c.area,
            "area_type": c.area_type, "year": c.year, "value": c.value, "source": c.source,
            "url": c.url, "note": c.note,
        }  # fmt: skip
        row = rows.get((c.measure, c.area.lower(), c.year))
        if row is None:
            session.add(ComparatorRow(**values, loaded_at=now))
            added += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.loaded_at = now
            updated += 1
        else:
            unchanged += 1
    await session.flush()
    return LoadSummary(added, updated, unchanged, removed)


async def all_comparators(session: AsyncSession) -> list[Comparator]:
    """Every comparator, by measure, then newest year first, then area."""
    rows = (await session.scalars(select(ComparatorRow))).all()
    found = [
        Comparator(r.measure, r.label, r.unit, r.area, r.area_type, r.year, r.value, r.source,
                   r.url, r.note)
        for r in rows
    ]  # fmt: skip
    found.sort(key=lambda c: (c.measure, -int(c.year[:4]), c.area.lower()))
    return found
