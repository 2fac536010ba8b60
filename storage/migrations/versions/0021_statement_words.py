"""statements in young people's languages: an officer's own words for each

Revision ID: 0021_statement_words
Revises: 0020_rollup_buckets
Create Date: 2026-12-04 23:20:00

A "you said, we did" statement was shown in English inside a Welsh or Arabic chat. Its
translations (language -> you said, we did), written by the officer, sit beside it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_statement_words"
down_revision: str | None = "0020_rollup_buckets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statements") as batch:
        batch.drop_column("translations")
