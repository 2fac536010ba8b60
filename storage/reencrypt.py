"""Re-encrypt free text at rest with the first data key (`carevoice keys rotate-data`).

Every column typed `EncryptedText` or `EncryptedJSON` in the schema is read (any key in
`CAREVOICE_DATA_KEY` opens it; text stored before a key was set is read as it is) and
written back with the first key, in batches by id. Each batch locks its rows (`FOR
UPDATE`; SQLite's single writer), so an answer, a going back or an erasure arriving
meanwhile waits for the batch and then applies to the rotated row: nothing is lost and
nothing erased comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, bindparam, select, update

from storage.database import Database
from storage.encryption import EncryptedJSON, EncryptedText, is_encrypted
from storage.tables import Base

BATCH = 500


@dataclass(frozen=True, slots=True)
class Reencrypted:
    """Values written again with the first key, by table and column."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def encrypted_columns() -> dict[Table, list[str]]:
    """The tables with encrypted columns, and those columns' names."""
    found: dict[Table, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        names = [c.name for c in table.c if isinstance(c.type, EncryptedText | EncryptedJSON)]
        if names:
            found[table] = names
    return found


async def reencrypt(
    db: Database, *, batch: int = BATCH, progress: Callable[[str, int], None] | None = None
) -> Reencrypted:
    """Write every encrypted column's values again with the first data key."""
    if db.data_keys is None:
        raise ValueError("no data key: set CAREVOICE_DATA_KEY first")
    counts: dict[str, int] = {}
    for table, names in encrypted_columns().items():
        key = table.c.id
        columns = [table.c[name] for name in names]
        write = (
            update(table)
            .where(key == bindparam("b_id"))
            .values({c.name: bindparam(f"b_{c.name}", type_=c.type) for c in columns})
        )
        last = 0
        while True:
            async with db.transaction() as session:
                rows = (
                    await session.execute(
                        select(key, *columns)
                        .where(key > last)
                        .order_by(key)
                        .limit(batch)
                        .with_for_update()
                    )
                ).all()
                if not rows:
                    break
                params = [
                    {"b_id": row[0], **{f"b_{c.name}": row[i] for i, c in enumerate(columns, 1)}}
                    for row in rows
                ]
                await session.execute(write, params)
                last = rows[-1][0]
            for i, column in enumerate(columns, 1):
                name = f"{table.name}.{column.name}"
                done = sum(1 for row in rows if row[i] is not None)
                counts[name] = counts.get(name, 0) + done
                if progress is not None:
                    progress(name, done)
    return Reencrypted(counts)


__all__ = ["Reencrypted", "encrypted_columns", "is_encrypted", "reencrypt"]
