"""officer teams: an API key may be limited to one or more teams

Revision ID: 0008_officer_teams
Revises: 0004_board_rollups
Create Date: 2026-12-02 08:00:00

`api_keys.teams` holds the teams (a JSON list of names) whose young people, responses,
alerts and campaigns an officer key may see. NULL means every team: a manager's or an
admin's key, and every key made before teams existed (they saw everything already).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_officer_teams"
down_revision: str | None = "0004_board_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("teams", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("teams")
