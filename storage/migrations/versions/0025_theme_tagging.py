"""what stored answers' themes were tagged by, so a changed taxonomy is noticed

Revision ID: 0025_theme_tagging
Revises: 0024_campaign_form_token
Create Date: 2026-12-06 02:15:00

Answers are tagged with themes when they are stored; a release that changes the taxonomy or
the theme model left older answers with the old tags, and the board read a mix. One row
records the fingerprint of what tagged the stored answers (`surveys.topics.
tagging_fingerprint`): a database with no tags yet records today's; one with tags from
before is left without a row, so `serve`, `bot` and `db upgrade` say to run `carevoice
retag-themes` (which records it).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from surveys.topics import tagging_fingerprint

revision: str = "0025_theme_tagging"
down_revision: str | None = "0024_campaign_form_token"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "theme_tagging",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_tagging")),
    )
    tagged = op.get_bind().execute(sa.text("SELECT 1 FROM answer_topics LIMIT 1")).first()
    if tagged is None:
        op.bulk_insert(table, [{"id": 1, "fingerprint": tagging_fingerprint(),
                                "tagged_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("theme_tagging")
