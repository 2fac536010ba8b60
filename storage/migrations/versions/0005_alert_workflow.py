"""alert workflow: the young person's words on an alert, its history, and escalation

Revision ID: 0005_alert_workflow
Revises: 0004_board_rollups
Create Date: 2026-12-02 08:00:00

`safeguarding_alerts` gains the words that raised it, the reply the young person was given,
the answer it came from (one alert per answer and category, so a rescan never repeats one),
its source (live or rescan) and when it is due for, and was, escalated to the duty team.
`safeguarding_alert_events` keeps each alert's history; existing alerts get theirs here
(raised, and acknowledged with its note). Existing alerts are not escalated.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_alert_workflow"
down_revision: str | None = "0004_board_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("safeguarding_alerts") as batch:
        batch.add_column(sa.Column("words", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch.add_column(sa.Column("answer_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="live")
        )
        batch.add_column(sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_safeguarding_alerts_answer_id_answers"), "answers", ["answer_id"], ["id"]
        )
        batch.create_unique_constraint(
            op.f("uq_safeguarding_alerts_answer_id_category"), ["answer_id", "category"]
        )
        batch.create_index("ix_safeguarding_alerts_escalate", ["escalate_at"])
    op.create_table(
        "safeguarding_alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("words", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["safeguarding_alerts.id"],
            name=op.f("fk_safeguarding_alert_events_alert_id_safeguarding_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_alert_events")),
    )
    op.create_index(
        "ix_safeguarding_alert_events_alert_id", "safeguarding_alert_events", ["alert_id"]
    )
    op.execute(
        "INSERT INTO safeguarding_alert_events (alert_id, at, kind, detail) "
        "SELECT id, created_at, 'raised', NULL FROM safeguarding_alerts"
    )
    op.execute(
        "INSERT INTO safeguarding_alert_events (alert_id, at, kind, actor, detail) "
        "SELECT id, acknowledged_at, 'acknowledged', acknowledged_by, note "
        "FROM safeguarding_alerts WHERE acknowledged_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_safeguarding_alert_events_alert_id", table_name="safeguarding_alert_events")
    op.drop_table("safeguarding_alert_events")
    with op.batch_alter_table("safeguarding_alerts") as batch:
        batch.drop_index("ix_safeguarding_alerts_escalate")
        batch.drop_constraint(
            op.f("uq_safeguarding_alerts_answer_id_category"), type_="unique"
        )
        batch.drop_constraint(
            op.f("fk_safeguarding_alerts_answer_id_answers"), type_="foreignkey"
        )
        for column in ("escalated_at", "escalate_at", "source", "answer_id", "reply", "words"):
            batch.drop_column(column)
