"""answer topics: free text tagged with the lexicon's topics when stored, and backfilled

Revision ID: 0003_answer_topics
Revises: 0002_board_indexes
Create Date: 2026-11-28 07:40:00

`answer_topics` holds a row per topic of each current, non-sensitive, scored free-text
answer whose text is held. A trigger deletes an answer's rows when it is superseded or
its text is erased (erasure, retention), so the table is always what the board counts.
Existing answers are tagged here with `surveys.topics` (in batches, by id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from surveys.topics import topics_of

revision: str = "0003_answer_topics"
down_revision: str | None = "0002_board_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
UNTAG_WHEN = (
    "(NEW.superseded_at IS NOT NULL AND OLD.superseded_at IS NULL)"
    " OR (NEW.text IS NULL AND OLD.text IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "answer_topics",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("survey_key", sa.String(length=64), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("polarity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_answer_topics_answer_id_answers")
        ),
        sa.PrimaryKeyConstraint("answer_id", "topic", name=op.f("pk_answer_topics")),
    )
    op.create_index(
        "ix_answer_topics_board",
        "answer_topics",
        ["answered_at", "topic", "response_id", "polarity"],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION answer_topics_untag() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN DELETE FROM answer_topics WHERE answer_id = NEW.id; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER answers_untag AFTER UPDATE OF superseded_at, text ON answers "
            f"FOR EACH ROW WHEN ({UNTAG_WHEN}) EXECUTE FUNCTION answer_topics_untag()"
        )
    else:
        op.execute(
            "CREATE TRIGGER answers_untag AFTER UPDATE OF superseded_at, text ON answers "
            f"FOR EACH ROW WHEN {UNTAG_WHEN} "
            "BEGIN DELETE FROM answer_topics WHERE answer_id = NEW.id; END"
        )
    backfill()


def backfill() -> None:
    """Tag the answers already stored, BATCH at a time."""
    answers = sa.table(
        "answers",
        sa.column("id", sa.Integer()),
        sa.column("response_id", sa.Integer()),
        sa.column("survey_key", sa.String()),
        sa.column("answered_at", sa.DateTime(timezone=True)),
        sa.column("polarity", sa.Float()),
        sa.column("text", sa.Text()),
        sa.column("sensitive", sa.Boolean()),
        sa.column("superseded_at", sa.DateTime(timezone=True)),
    )
    tags = sa.table(
        "answer_topics",
        sa.column("answer_id", sa.Integer()),
        sa.column("topic", sa.String()),
        sa.column("response_id", sa.Integer()),
        sa.column("survey_key", sa.String()),
        sa.column("answered_at", sa.DateTime(timezone=True)),
        sa.column("polarity", sa.Float()),
    )
    a = answers.c
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(a.id, a.response_id, a.survey_key, a.answered_at, a.polarity, a.text)
            .where(
                a.id > last,
                a.superseded_at.is_(None),
                a.sensitive == sa.false(),
                a.polarity.is_not(None),
                a.text.is_not(None),
            )
            .order_by(a.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        found = [
            {
                "answer_id": row.id,
                "topic": topic,
                "response_id": row.response_id,
                "survey_key": row.survey_key,
                "answered_at": row.answered_at,
                "polarity": row.polarity,
            }
            for row in rows
            for topic in topics_of(row.text)
        ]
        if found:
            connection.execute(sa.insert(tags), found)
        last = rows[-1].id


def downgrade() -> None:
    op.execute("DROP TRIGGER answers_untag ON answers" if _pg() else "DROP TRIGGER answers_untag")
    if _pg():
        op.execute("DROP FUNCTION answer_topics_untag()")
    op.drop_index("ix_answer_topics_board", table_name="answer_topics")
    op.drop_table("answer_topics")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
