"""rollup buckets: answer cells per bucket of responses, and a log of changed buckets

Revision ID: 0020_rollup_buckets
Revises: 0014_easy_wellbeing
Create Date: 2026-12-02 15:40:00

Distinct respondents do not add up across quarters, so a change waiting in one quarter
made the board count the whole year from the rows. Each response now sits in a bucket
that never changes (its id // 1000); `board_bucket_cells` holds each bucket's part of
the answer cells (kinds question, theme, band, topic; bucket -1 is the erased cells as
the last refresh saw them), and triggers log the buckets a change touches in
`board_bucket_changes`. A waiting change then costs its buckets: the stale cell, minus
those buckets' cells, plus those buckets counted from the rows (`storage.board.buckets`).
The answer cells of those kinds are emptied and every bucket logged, so the first
refresh builds them from the buckets.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_rollup_buckets"
down_revision: str | None = "0016_dataa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUCKET = 1000
ANSWER_COLUMNS = (
    "superseded_at", "text", "polarity", "sensitive", "theme", "skipped", "question_id",
    "survey_key", "answered_at", "response_id",
)  # fmt: skip
"""Changes to these columns of an answer can change its answer cells."""
# table, events, the buckets a row's change touches (OLD or NEW), when an update counts
WATCHED = (
    ("answers", "response_id / {b}", ANSWER_COLUMNS),
    ("answer_topics", "response_id / {b}", ("topic", "response_id", "answered_at", "polarity")),
    ("responses", "id / {b}", ("invitation_id",)),
    ("erased_answer_cells", "-1", ("respondents", "answers", "total", "negative", "positive")),
)
KINDS = "('question', 'theme', 'band', 'topic')"


def _changed(columns: Sequence[str], differ: str) -> str:
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in columns)


def upgrade() -> None:
    op.create_table(
        "board_bucket_cells",
        sa.Column("bucket", sa.Integer(), nullable=False),
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
            "bucket", "grain", "start", "survey_key", "kind", "grp",
            name=op.f("pk_board_bucket_cells"),
        ),
    )  # fmt: skip
    op.create_table(
        "board_bucket_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_bucket_changes")),
    )
    op.create_index("ix_board_bucket_changes_bucket", "board_bucket_changes", ["bucket"])
    op.create_index("ix_answer_topics_response", "answer_topics", ["response_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    op.execute(f"DELETE FROM board_answer_cells WHERE grain IN ('q', 'y') AND kind IN {KINDS}")
    op.execute(
        f"INSERT INTO board_bucket_changes (bucket) SELECT DISTINCT response_id / {BUCKET} "
        f"FROM answers UNION SELECT DISTINCT response_id / {BUCKET} FROM answer_topics "
        "UNION SELECT -1"
    )


def _postgresql_triggers() -> None:
    mark = "INSERT INTO board_bucket_changes (bucket) VALUES ({});"
    for table, bucket, columns in WATCHED:
        old = "OLD." + bucket.format(b=BUCKET) if bucket != "-1" else "-1"
        new = "NEW." + bucket.format(b=BUCKET) if bucket != "-1" else "-1"
        op.execute(
            f"CREATE FUNCTION board_bucket_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP <> 'INSERT' THEN {mark.format(old)} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {mark.format(new)} END IF; RETURN NULL; END $$"
        )
        events = [("UPDATE", _changed(columns, "IS DISTINCT FROM")), ("DELETE", "")]
        if table != "responses":  # a response's answers come later, and log themselves
            events.append(("INSERT", ""))
        for event, when in events:
            op.execute(
                f"CREATE TRIGGER {table}_bucket_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW {f'WHEN ({when}) ' if when else ''}"
                f"EXECUTE FUNCTION board_bucket_{table}()"
            )
    op.execute(
        "CREATE FUNCTION board_bucket_invitations() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN INSERT INTO board_bucket_changes (bucket) SELECT id / {BUCKET} FROM responses "
        "WHERE invitation_id = NEW.id; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER invitations_bucket_update AFTER UPDATE ON invitations FOR EACH ROW "
        "WHEN (OLD.age_band IS DISTINCT FROM NEW.age_band) "
        "EXECUTE FUNCTION board_bucket_invitations()"
    )


def _sqlite_triggers() -> None:
    mark = "INSERT INTO board_bucket_changes (bucket) VALUES ({});"
    for table, bucket, columns in WATCHED:
        old = "OLD." + bucket.format(b=BUCKET) if bucket != "-1" else "-1"
        new = "NEW." + bucket.format(b=BUCKET) if bucket != "-1" else "-1"
        events = [
            ("UPDATE", f"WHEN {_changed(columns, 'IS NOT')} ", mark.format(old) + mark.format(new)),
            ("DELETE", "", mark.format(old)),
        ]
        if table != "responses":
            events.append(("INSERT", "", mark.format(new)))
        for event, when, body in events:
            op.execute(
                f"CREATE TRIGGER {table}_bucket_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW {when}BEGIN {body} END"
            )
    op.execute(
        "CREATE TRIGGER invitations_bucket_update AFTER UPDATE ON invitations FOR EACH ROW "
        "WHEN OLD.age_band IS NOT NEW.age_band BEGIN INSERT INTO board_bucket_changes "
        f"(bucket) SELECT id / {BUCKET} FROM responses WHERE invitation_id = NEW.id; END"
    )


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    on = (lambda table: f" ON {table}") if pg else (lambda table: "")
    for table, _, _ in WATCHED:
        events = ["update", "delete"] + ([] if table == "responses" else ["insert"])
        for event in events:
            op.execute(f"DROP TRIGGER {table}_bucket_{event}{on(table)}")
        if pg:
            op.execute(f"DROP FUNCTION board_bucket_{table}()")
    op.execute(f"DROP TRIGGER invitations_bucket_update{on('invitations')}")
    if pg:
        op.execute("DROP FUNCTION board_bucket_invitations()")
    op.drop_index("ix_answer_topics_response", table_name="answer_topics")
    op.drop_index("ix_board_bucket_changes_bucket", table_name="board_bucket_changes")
    op.drop_table("board_bucket_changes")
    op.drop_table("board_bucket_cells")
    day = "(({}) AT TIME ZONE 'UTC')::date" if pg else "date({})"
    days = " UNION ".join(  # every day with data: the next refresh rebuilds every cell
        f"SELECT {day.format(column)} AS d FROM {table} WHERE {column} IS NOT NULL"
        for table, column in (
            ("answers", "answered_at"), ("invitations", "delivered_at"),
            ("responses", "returned_at"),
        )
    )  # fmt: skip
    op.execute(f"INSERT INTO board_changes (day) SELECT DISTINCT d FROM ({days}) AS days")
