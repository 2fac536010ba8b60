"""reach: who may read each answer, "not now", and the cap on how often a young person
is asked

Revision ID: 0011_reach_caps_visibility
Revises: 0010_person_language
Create Date: 2026-12-02 11:30:00

`answers.private`: the young person chose "only count it, don't show my words to anyone"
for a free-text answer (every answer stored before this was given under the old rules,
readable by their IRO and worker: false). `invitations.declined_at`: they said "not now"
(no reminders for it). `invitation_holds`: a young person a campaign did not invite, and
why (the cap on how often one young person is asked), shown to officers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_reach_caps_visibility"
down_revision: str | None = "0010_person_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "answers", sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "invitations", sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "invitation_holds",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_invitation_holds_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_invitation_holds_person_id_people")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "person_id", name=op.f("pk_invitation_holds")),
    )
    op.create_index(op.f("ix_invitation_holds_person_id"), "invitation_holds", ["person_id"])
    op.create_index("ix_invitations_person_issued", "invitations", ["person_id", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_invitations_person_issued", table_name="invitations")
    op.drop_index(op.f("ix_invitation_holds_person_id"), table_name="invitation_holds")
    op.drop_table("invitation_holds")
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a rebuilt table would lose the
    # board's change-log triggers of 0004
    op.drop_column("invitations", "declined_at")
    op.drop_column("answers", "private")
