"""erased form cells by cohort, team and language

Revision ID: 0016_dataa
Revises: 0014_easy_wellbeing
Create Date: 2026-12-02 16:45:00

The board breaks forms sent and returned down by the young person's cohort, team and
language too, so what erased young people's invitations added is kept by those as well
(`storage.board.folding`): erasing a child moves no form into "unknown". Cells folded
before this revision are "unknown" in all three, as they were read. They join the key.
Erased answer cells gain kind "language" (sentiment by language); those folded before are
their age bands' cells summed as "unknown", as sentiment read them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_dataa"
down_revision: str | None = "0015_sg"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("start", "form", "audience", "age_band")
PEOPLE = (("cohort", 16), ("team", 64), ("language", 16))


def upgrade() -> None:
    with op.batch_alter_table("erased_form_cells", recreate="auto") as batch:
        for name, length in PEOPLE:
            batch.add_column(
                sa.Column(name, sa.String(length=length), server_default="unknown", nullable=False)
            )
        batch.drop_constraint("pk_erased_form_cells", type_="primary")
        batch.create_primary_key(
            "pk_erased_form_cells", [*KEY, *(name for name, _ in PEOPLE)]
        )
    op.execute(
        "INSERT INTO erased_answer_cells (grain, start, survey_key, kind, grp, respondents, "
        "answers, total, negative, positive) SELECT grain, start, survey_key, 'language', "
        "'unknown', SUM(respondents), SUM(answers), SUM(total), SUM(negative), SUM(positive) "
        "FROM erased_answer_cells WHERE kind = 'band' GROUP BY grain, start, survey_key"
    )


def downgrade() -> None:
    op.execute("DELETE FROM erased_answer_cells WHERE kind = 'language'")
    sums = ", ".join(f"SUM({c}) AS {c}" for c in ("sent", "returned", "early", "reviewed"))
    keys = ", ".join(KEY)
    op.execute(
        f"CREATE TABLE erased_form_cells_sum AS SELECT {keys}, {sums} "
        f"FROM erased_form_cells GROUP BY {keys}"
    )
    op.execute("DELETE FROM erased_form_cells")
    with op.batch_alter_table("erased_form_cells", recreate="auto") as batch:
        batch.drop_constraint("pk_erased_form_cells", type_="primary")
        for name, _ in PEOPLE:
            batch.drop_column(name)
        batch.create_primary_key("pk_erased_form_cells", list(KEY))
    op.execute(
        f"INSERT INTO erased_form_cells ({keys}, sent, returned, early, reviewed) "
        f"SELECT {keys}, sent, returned, early, reviewed FROM erased_form_cells_sum"
    )
    op.drop_table("erased_form_cells_sum")
