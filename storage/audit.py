"""The audit log: who read or changed identifiable data, what, and when.

Rows are written in the same transaction as the read or change they describe, so a read
that is served is always a read that was logged. Rows are never updated or deleted.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import AuditLogRow
from surveys.clock import Clock

ACTOR_MAX = 100
ACTION_MAX = 64
SUBJECT_MAX = 200


async def record(
    session: AsyncSession, clock: Clock, *, actor: str, action: str, subject: str
) -> AuditLogRow:
    """Write one audit row (texts cut to their column sizes)."""
    row = AuditLogRow(
        actor=actor[:ACTOR_MAX],
        action=action[:ACTION_MAX],
        subject=subject[:SUBJECT_MAX],
        at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return row


async def recent(
    session: AsyncSession, *, limit: int = 100, offset: int = 0, action: str | None = None
) -> list[AuditLogRow]:
    """Audit rows, newest first."""
    query = select(AuditLogRow).order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc())
    if action is not None:
        query = query.where(AuditLogRow.action == action)
    rows = await session.scalars(query.limit(limit).offset(offset))
    return list(rows.all())
