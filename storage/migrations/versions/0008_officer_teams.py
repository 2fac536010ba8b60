"""officer teams: an API key may be limited to one or more teams; forms returned by hand

Revision ID: 0008_officer_teams
Revises: 0004_board_rollups
Create Date: 2026-12-02 08:00:00

`api_keys.teams` holds the teams (a JSON list of names) whose young people, responses,
alerts and campaigns an officer key may see. NULL means every team: a manager's or an
admin's key, and every key made before teams existed (they saw everything already).

`invitations.returned_by` says how a form came back when an officer recorded it by hand
(paper, email, post, phone, in person); NULL when it came back through the chat.
`ix_responses_updated_at` finds the responses touched lately, whose flagged requests the
officer's overview lists.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_officer_teams"
down_revision: str | None = "0007_invitation_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite), so the triggers of 0003 and 0004 on
    # `invitations` stay in place.
    op.add_column("api_keys", sa.Column("teams", sa.JSON(), nullable=True))
    op.add_column("invitations", sa.Column("returned_by", sa.String(length=16), nullable=True))
    op.create_index("ix_responses_updated_at", "responses", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_responses_updated_at", table_name="responses")
    op.drop_column("invitations", "returned_by")  # SQLite 3.35+ drops a column in place
    op.drop_column("api_keys", "teams")
