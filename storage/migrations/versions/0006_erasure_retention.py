"""erasure and retention: folded contributions, people last listed, requests outliving people

Revision ID: 0006_erasure_retention
Revises: 0004_board_rollups
Create Date: 2026-12-02 08:00:00

Erasing a young person (or, by retention, an old response) deletes their rows; what those
rows added to the board's figures is first folded into `erased_*` cells, shaped as the
rollup cells and holding no person, so every figure stays as it was (`storage.erasure`).
`people.listed_at` is when the council's list last included the young person (import),
so retention can tell who has left. A request (erase me, talk to me, my data) stays, with
no person, after its young person is erased.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_erasure_retention"
down_revision: str | None = "0005_alert_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_answer_cells",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("survey_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("grp", sa.String(length=64), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain", "start", "survey_key", "kind", "grp", name=op.f("pk_erased_answer_cells")
        ),
    )
    op.create_table(
        "erased_form_cells",
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("form", sa.String(length=48), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("early", sa.Integer(), nullable=False),
        sa.Column("reviewed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "start", "form", "audience", "age_band", name=op.f("pk_erased_form_cells")
        ),
    )
    op.create_table(
        "erased_choice_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("survey_key", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.String(length=64), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_choice_cells")),
    )
    op.create_index(
        "ix_erased_choice_cells_start", "erased_choice_cells", ["start", "question_id"]
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM requests WHERE person_id IS NULL")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("listed_at")
    op.drop_index("ix_erased_choice_cells_start", table_name="erased_choice_cells")
    op.drop_table("erased_choice_cells")
    op.drop_table("erased_form_cells")
    op.drop_table("erased_answer_cells")
