"""invitations keep the young person's cohort and team when invited

Revision ID: 0022_invitation_groups
Revises: 0021_statement_words
Create Date: 2026-12-05 17:30:00

The board's return rates by cohort and by team read the young person's record as it is
now, so a child who left care and was imported again as a care leaver moved every form
they had returned as a child in care into the care leavers' rows of past years, and a move
of team moved a team's past figures. Each invitation now keeps both as they were when it
was issued ("" for no team). Invitations already stored take the record as it is today:
nothing older is known.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_invitation_groups"
down_revision: str | None = "0021_statement_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # in place (not a batch: SQLite would rebuild the table and lose its rollup triggers)
    op.add_column("invitations", sa.Column("cohort", sa.String(length=16), nullable=True))
    op.add_column("invitations", sa.Column("team", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE invitations SET "
        "cohort = (SELECT people.cohort FROM people WHERE people.id = invitations.person_id), "
        "team = (SELECT COALESCE(people.team, '') FROM people "
        "WHERE people.id = invitations.person_id)"
    )


def downgrade() -> None:
    op.drop_column("invitations", "team")  # SQLite 3.35+ drops a column in place
    op.drop_column("invitations", "cohort")
