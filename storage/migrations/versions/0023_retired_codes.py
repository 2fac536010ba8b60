"""codes replaced by a new letter are kept (hashed) to say so

Revision ID: 0023_retired_codes
Revises: 0022_invitation_groups
Create Date: 2026-12-05 20:10:00

Printing a new letter gives an invitation a new code and the old one stops working. A
young person who opened the old letter's link (often on their own phone, mid-survey) was
told "I don't recognise that code", as for a guess. The old code's SHA-256 is now kept
with its invitation, so the link says a newer letter replaced it and that their answers
are kept. Deleted with the invitation (erasure, retention).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_retired_codes"
down_revision: str | None = "0022_invitation_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retired_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"]),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index("ix_retired_codes_invitation_id", "retired_codes", ["invitation_id"])


def downgrade() -> None:
    op.drop_index("ix_retired_codes_invitation_id", table_name="retired_codes")
    op.drop_table("retired_codes")
