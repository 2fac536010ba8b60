"""comparators: figures published by other councils or nationally, for the board

Revision ID: 0012_comparators
Revises: 0011_reach_caps_visibility
Create Date: 2026-12-02 11:30:00

One table, loaded from a CSV by `carevoice comparators load`: a measure (a return rate of
a form and audience, a scorecard row, or another published figure), who published it
(area), the year, the value, and where it was published. No person is in it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_comparators"
down_revision: str | None = "0011_reach_caps_visibility"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comparators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("area", sa.String(length=120), nullable=False),
        sa.Column("area_type", sa.String(length=24), nullable=False),
        sa.Column("year", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparators")),
        sa.UniqueConstraint(
            "measure", "area", "year", name=op.f("uq_comparators_measure_area_year")
        ),
    )


def downgrade() -> None:
    op.drop_table("comparators")
