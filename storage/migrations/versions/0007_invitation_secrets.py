"""invitation secrets: campaigns keep their filters; codes and web sessions kept hashed

Revision ID: 0007_invitation_secrets
Revises: 0004_board_rollups
Create Date: 2026-12-02 08:00:00

- `campaigns` gains the filter it was created with (cohort, age bands, teams, review
  window), so invitations only ever go to the young people who match. Campaigns made
  before this keep an empty filter (everyone active), as they were made.
- `invitations.code` and the web chat's `channel_links.address` now hold the SHA-256 of
  the code and of the session id (`storage.invitation_codes`); existing ones are hashed
  here, so links already sent keep working. Columns are not renamed (on SQLite that
  rebuilds the table and drops the board's triggers).
- `invitations` gains what carrying on from another phone needs: the PIN's hash, wrong
  answers in a row, the last one's time, and the reprint hand-over flag.

Downgrading keeps the hashes (the plain codes are gone): links issued before stop working.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_invitation_secrets"
down_revision: str | None = "0006_erasure_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _hash_column(table: str, column: str, where: str = "") -> None:
    """Replace every value of a column by its SHA-256, in batches by id."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT id, {column} FROM {table} WHERE id > :last {where} "
                f"ORDER BY id LIMIT {BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
            [{"id": row_id, "value": _sha256(value)} for row_id, value in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("cohort", sa.String(length=16), nullable=True))
    for column in ("age_bands", "teams"):
        op.add_column(
            "campaigns",
            sa.Column(column, sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        )
    op.add_column("campaigns", sa.Column("review_from", sa.Date(), nullable=True))
    op.add_column("campaigns", sa.Column("review_to", sa.Date(), nullable=True))

    op.add_column("invitations", sa.Column("pin_hash", sa.String(length=128), nullable=True))
    op.add_column(
        "invitations",
        sa.Column("resume_failures", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "invitations",
        sa.Column("resume_failed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "invitations",
        sa.Column("handover", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    _hash_column("invitations", "code")
    _hash_column("channel_links", "address", "AND channel = 'web'")


def downgrade() -> None:
    for column in ("handover", "resume_failed_at", "resume_failures", "pin_hash"):
        with op.batch_alter_table("invitations", recreate="never") as batch:
            batch.drop_column(column)
    for column in ("review_to", "review_from", "teams", "age_bands", "cohort"):
        with op.batch_alter_table("campaigns", recreate="never") as batch:
            batch.drop_column(column)
