"""safeguarding alerts: every category one input showed, on its one alert

Revision ID: 0015_sg
Revises: 0014_easy_wellbeing
Create Date: 2026-12-02 16:00:00

`safeguarding_alerts.categories`: one message that shows several signs of risk ("he touches
me and i want to die") raises one alert listing them all (space-separated category values,
the main one first, which stays in `category`), not one alert per category. NULL on alerts
raised before: their one category is `category`. A plain ADD COLUMN.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_sg"
down_revision: str | None = "0014_easy_wellbeing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "safeguarding_alerts", sa.Column("categories", sa.String(length=400), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("safeguarding_alerts") as batch:
        batch.drop_column("categories")
