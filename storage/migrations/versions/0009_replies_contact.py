"""replies and contact: rolling campaigns, a worker's replies, messages at any time, and
"you said, we did" statements

Revision ID: 0009_replies_contact
Revises: 0004_board_rollups
Create Date: 2026-12-02 08:00:00

A rolling campaign invites a young person again before each review, so an invitation is
unique by campaign, person and `cycle` (1 for every invitation made before this). On
SQLite the invitations table is rebuilt for that, which drops its triggers: the board's
change-log triggers of 0004 are made again as they were. Downgrading refuses while a
young person has a second invitation to one campaign (nothing is deleted for it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_replies_contact"
down_revision: str | None = "0008_officer_teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0004 watches them (its SQLite triggers are rebuilt with the table).
INVITATION_COLUMNS = (
    "delivered_at", "returned_at", "review_date", "form", "audience", "age_band",
)  # fmt: skip


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("invitations", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(sa.Column("cycle", sa.Integer(), server_default="1", nullable=False))
        batch.drop_constraint("uq_invitations_campaign_id_person_id", type_="unique")
        batch.create_unique_constraint(
            "uq_invitations_campaign_id_person_id_cycle", ["campaign_id", "person_id", "cycle"]
        )
    if sqlite:
        _sqlite_invitation_triggers()
    op.create_table(
        "rolling_campaigns",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.String(length=16), nullable=True),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("age_bands", sa.JSON(), nullable=False),
        sa.Column("last_scan_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_rolling_campaigns_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_rolling_campaigns")),
    )
    op.create_table(
        "contact_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message_key", sa.String(length=128), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_contact_messages_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_messages")),
        sa.UniqueConstraint("message_key", name=op.f("uq_contact_messages_message_key")),
    )
    op.create_index("ix_contact_messages_open", "contact_messages", ["read_at", "created_at"])
    op.create_index(op.f("ix_contact_messages_person_id"), "contact_messages", ["person_id"])
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("contact_message_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("written_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undelivered", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_message_id"],
            ["contact_messages.id"],
            name=op.f("fk_replies_contact_message_id_contact_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_replies_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_replies_response_id_responses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
    )
    for column in ("person_id", "response_id", "contact_message_id"):
        op.create_index(op.f(f"ix_replies_{column}"), "replies", [column])
    op.create_table(
        "contact_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bound_address", sa.String(length=64), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_contact_links_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_contact_links_token_hash")),
    )
    op.create_index(op.f("ix_contact_links_person_id"), "contact_links", ["person_id"])
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("you_said", sa.Text(), nullable=False),
        sa.Column("we_did", sa.Text(), nullable=False),
        sa.Column("cohort", sa.String(length=16), nullable=True),
        sa.Column("survey_key", sa.String(length=64), nullable=True),
        sa.Column("theme", sa.String(length=32), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    op.create_index(op.f("ix_statements_published_at"), "statements", ["published_at"])
    op.create_table(
        "statement_views",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_statement_views_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_views_statement_id_statements"),
        ),
        sa.PrimaryKeyConstraint("statement_id", "person_id", name=op.f("pk_statement_views")),
    )


def _sqlite_invitation_triggers() -> None:
    """0004's change-log triggers on invitations, as they were before the rebuild."""
    mark = "INSERT INTO board_changes (day) SELECT date({0}) WHERE {0} IS NOT NULL;"
    old, new = mark.format("OLD.delivered_at"), mark.format("NEW.delivered_at")
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in INVITATION_COLUMNS)
    for event, when, body in (
        ("INSERT", "NEW.delivered_at IS NOT NULL", new),
        ("DELETE", "OLD.delivered_at IS NOT NULL", old),
        ("UPDATE", changed, old + " " + new),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS invitations_board_{event.lower()}")
        op.execute(
            f"CREATE TRIGGER invitations_board_{event.lower()} AFTER {event} ON invitations "
            f"FOR EACH ROW WHEN {when} BEGIN {body} END"
        )


def downgrade() -> None:
    op.drop_table("statement_views")
    op.drop_index(op.f("ix_statements_published_at"), table_name="statements")
    op.drop_table("statements")
    op.drop_index(op.f("ix_contact_links_person_id"), table_name="contact_links")
    op.drop_table("contact_links")
    for column in ("person_id", "response_id", "contact_message_id"):
        op.drop_index(op.f(f"ix_replies_{column}"), table_name="replies")
    op.drop_table("replies")
    op.drop_index(op.f("ix_contact_messages_person_id"), table_name="contact_messages")
    op.drop_index("ix_contact_messages_open", table_name="contact_messages")
    op.drop_table("contact_messages")
    op.drop_table("rolling_campaigns")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("invitations", recreate="always" if sqlite else "auto") as batch:
        batch.drop_constraint("uq_invitations_campaign_id_person_id_cycle", type_="unique")
        batch.create_unique_constraint(
            "uq_invitations_campaign_id_person_id", ["campaign_id", "person_id"]
        )
        batch.drop_column("cycle")
    if sqlite:
        _sqlite_invitation_triggers()
