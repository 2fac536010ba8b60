"""board indexes: the board's GROUP BY queries read from covering and partial indexes

Revision ID: 0002_board_indexes
Revises: 0001
Create Date: 2026-11-23 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_board_indexes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_invitations_delivered_board",
        "invitations",
        ["delivered_at", "form", "audience", "age_band", "returned_at", "review_date"],
    )
    op.create_index(
        "ix_responses_returned_survey",
        "responses",
        ["returned_at", "survey_version_id", "person_id"],
    )
    op.create_index(
        "ix_answers_scored",
        "answers",
        ["answered_at", "theme", "question_id", "survey_key", "response_id", "polarity"],
        sqlite_where=sa.text("superseded_at IS NULL AND sensitive = 0 AND polarity IS NOT NULL"),
        postgresql_where=sa.text(
            "superseded_at IS NULL AND sensitive = false AND polarity IS NOT NULL"
        ),
    )
    op.create_index(
        "ix_answers_current_question",
        "answers",
        ["question_id", "answered_at", "survey_key", "skipped", "choice", "number"],
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    op.create_index(
        "ix_safeguarding_alerts_response",
        "safeguarding_alerts",
        ["response_id", "question_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_safeguarding_alerts_response", table_name="safeguarding_alerts")
    op.drop_index("ix_answers_current_question", table_name="answers")
    op.drop_index("ix_answers_scored", table_name="answers")
    op.drop_index("ix_responses_returned_survey", table_name="responses")
    op.drop_index("ix_invitations_delivered_board", table_name="invitations")
