"""Young people in the store: import (all or nothing), look-ups and opt-outs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import PersonRow
from storage.teams import known_spellings
from surveys.clock import Clock
from surveys.errors import ImportFault, PeopleImportError
from surveys.people import PersonRecord

CHUNK = 500


async def find_by_ref(
    session: AsyncSession,
    council_ref: str,
    *where: ColumnElement[bool],
    for_update: bool = False,
) -> PersonRow | None:
    """The young person with this council reference, as an officer types it: the exact
    reference, else the only one that matches ignoring case and spaces around it ("ab123 "
    finds "AB123"; two that differ only by case find neither). None if there is none."""
    exact = select(PersonRow).where(PersonRow.council_ref == council_ref, *where)
    if for_update:
        exact = exact.with_for_update()
    person = await session.scalar(exact)
    typed = council_ref.strip()
    if person is not None or not typed:
        return person
    loose = select(PersonRow).where(func.lower(PersonRow.council_ref) == typed.lower(), *where)
    found = (await session.scalars(loose.limit(2))).all()
    if len(found) != 1:
        return None
    if for_update:  # lock the one found, as the exact look-up would have
        return await session.scalar(
            select(PersonRow).where(PersonRow.id == found[0].id).with_for_update()
        )
    return found[0]


async def reference_clashes(
    session: AsyncSession,
    records: Sequence[PersonRecord],
    *,
    first_line: int = 1,
    lines: Sequence[int] | None = None,
) -> list[ImportFault]:
    """Faults for references that differ from another only in capitals: one already held
    ("ab123" beside "AB123") or an earlier row's. Officers' look-ups forgive case
    (`find_by_ref`), so two such references would name two children with one look-up, and
    the one a team key may see could stand in for one it may not. Rows are numbered from
    `first_line`, or by `lines` (one per record)."""
    seen: dict[str, tuple[str, int]] = {}
    faults: list[ImportFault] = []
    wanted = sorted({r.council_ref.lower() for r in records})
    held: dict[str, set[str]] = {}
    for start in range(0, len(wanted), CHUNK):
        for ref in await session.scalars(
            select(PersonRow.council_ref).where(
                func.lower(PersonRow.council_ref).in_(wanted[start : start + CHUNK])
            )
        ):
            held.setdefault(ref.lower(), set()).add(ref)
    for n, record in enumerate(records):
        line = lines[n] if lines is not None else first_line + n
        ref, key = record.council_ref, record.council_ref.lower()
        others = held.get(key, set()) - {ref}
        if others and ref not in held.get(key, set()):
            faults.append(ImportFault(
                line, "council_ref", f"differs only in capitals from {min(others)!r}, "
                "already held: write it as it is held"))
        earlier = seen.setdefault(key, (ref, line))
        if earlier[0] != ref:
            faults.append(ImportFault(
                line, "council_ref", f"differs only in capitals from {earlier[0]!r} on line "
                f"{earlier[1]}: one young person, one reference"))
    return faults


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """How an import went: rows added and rows updated (matched by council reference)."""

    added: int
    updated: int


async def import_people(
    session: AsyncSession,
    records: Sequence[PersonRecord],
    clock: Clock,
    *,
    progress: Callable[[int], None] | None = None,
    first_line: int = 2,
) -> ImportSummary:
    """Add or update people by council reference, in the caller's transaction.

    The records were validated as a whole first (`surveys.people`), so either every row is
    written or, if the transaction fails, none is. A team is written as the council already
    writes it (`storage.teams.known_spellings`). PeopleImportError for a reference that
    differs from another only in capitals (`reference_clashes`; rows numbered from
    `first_line`, 2 for a CSV under its header).
    """
    clashes = await reference_clashes(session, records, first_line=first_line)
    if clashes:  # callers show these first; this keeps any other caller from writing them
        raise PeopleImportError("upload", clashes)
    records = await known_spellings(session, records)  # "north" is the North team
    added = updated = 0
    now = clock.now()
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        refs = [r.council_ref for r in chunk]
        existing = {
            row.council_ref: row
            for row in await session.scalars(
                select(PersonRow).where(PersonRow.council_ref.in_(refs))
            )
        }
        for record in chunk:
            row = existing.get(record.council_ref)
            if row is None:
                row = PersonRow(council_ref=record.council_ref, created_at=now, status="active")
                session.add(row)
                added += 1
            else:
                updated += 1
            row.cohort = str(record.cohort)
            row.date_of_birth = record.date_of_birth
            row.age_band = record.age_band if record.date_of_birth is None else None
            row.team = record.team
            row.next_review_date = record.next_review_date
            row.first_name = record.first_name
            row.easy_read = record.easy_read
            if record.language is not None and row.language_chosen_at is None:
                row.language = record.language  # a choice made in the chat is kept
            elif row.language is None:
                row.language = "en"
            row.listed_at = now  # on the council's list: retention keeps them
        await session.flush()
        if progress is not None:
            progress(len(chunk))
    return ImportSummary(added, updated)
