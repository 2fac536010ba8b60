"""easy read: a flag on a young person for the easy survey

Revision ID: 0014_easy_wellbeing
Revises: 0012_comparators
Create Date: 2026-12-02 11:30:00

`people.easy_read` (the people CSV's `easy_read` column): a young person who reads
little is asked the easy survey (pictures, read aloud) where one stands in for the
campaign's survey, as children under 8 are. A plain ADD COLUMN, so SQLite keeps the
table (and its triggers) as it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_easy_wellbeing"
down_revision: str | None = "0012_comparators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "people",
        sa.Column("easy_read", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("easy_read")
