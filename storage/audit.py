"""The audit log: who read or changed identifiable data, what, and when.

Rows are written in the same transaction as the read or change they describe, so a read
that is served is always a read that was logged. Rows are never deleted; the one update
is erasure's: a young person's reference in any row becomes its keyed hash
(`RefHasher`), so the log still shows what was done about them, never who they were.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import AuditLogRow
from surveys.clock import Clock

ACTOR_MAX = 100
ACTION_MAX = 64
SUBJECT_MAX = 200
NO_KEY_LABEL: Final = "ref not kept (CAREVOICE_SECRET_KEY unset)"


@dataclass(frozen=True, slots=True)
class RefHasher:
    """Names a young person's council reference in the audit log once they are erased:
    `ref#` and 20 hex digits of HMAC-SHA256 under the council's secret key, so who holds
    the key (and the reference) can find the erasure, and a stolen database cannot.

    A council reference is guessable (a prefix and a few digits), so an unkeyed hash would
    name the child to anyone who tries them all. Without a key (`key` None) nothing
    derived from the reference is kept: the log says an erasure happened, when and by
    whom (`NO_KEY_LABEL`), not of whom."""

    key: bytes | None

    @property
    def keyed(self) -> bool:
        return self.key is not None

    def label(self, council_ref: str) -> str:
        """What stands for `council_ref` in the log."""
        if self.key is None:
            return NO_KEY_LABEL
        digest = hmac.new(self.key, b"carevoice-ref\x00" + council_ref.encode(), hashlib.sha256)
        return f"ref#{digest.hexdigest()[:20]}"


def mentions(council_ref: str, *, loose: bool = False) -> re.Pattern[str]:
    """The reference as a whole word (`C1` is not in `C10`, nor in `C1-2`); `loose`: not
    within letters or digits only (`C1` is in `demo-C1-x`)."""
    edge = "[A-Za-z0-9]" if loose else "[\\w-]"
    return re.compile(rf"(?<!{edge}){re.escape(council_ref)}(?!{edge})")


def containing(text: str) -> str:
    """A LIKE pattern (escape character "\\") finding `text` anywhere in a column."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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


async def record_each(
    session: AsyncSession, clock: Clock, *, actor: str, action: str, refs: Iterable[str],
    where: str,
) -> None:
    """One audit row for each young person whose data a list showed (subject "REF (where)"),
    so what a subject access request says about who looked includes lists, not just
    single reads."""
    at = clock.now()
    session.add_all(
        AuditLogRow(actor=actor[:ACTOR_MAX], action=action[:ACTION_MAX],
                    subject=f"{ref} ({where})"[:SUBJECT_MAX], at=at)
        for ref in dict.fromkeys(refs) if ref
    )  # fmt: skip
    await session.flush()


async def latest(session: AsyncSession, *, action: str, about: str) -> AuditLogRow | None:
    """The newest audit row of `action` whose subject starts with `about`, if any."""
    query = (
        select(AuditLogRow)
        .where(AuditLogRow.action == action,
               AuditLogRow.subject.startswith(about[:SUBJECT_MAX], autoescape=True))
        .order_by(AuditLogRow.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def recent(
    session: AsyncSession, *, limit: int = 100, offset: int = 0, action: str | None = None
) -> list[AuditLogRow]:
    """Audit rows, newest first."""
    query = select(AuditLogRow).order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc())
    if action is not None:
        query = query.where(AuditLogRow.action == action)
    rows = await session.scalars(query.limit(limit).offset(offset))
    return list(rows.all())
