"""board rollups: summed cells for the board's figures, and a log of changed days

Revision ID: 0004_board_rollups
Revises: 0003_answer_topics
Create Date: 2026-11-28 08:00:00

Triggers write the UTC day of every changed answer and delivered invitation to
`board_changes` in the changing transaction; `storage.board.rollups.refresh_rollups`
recomputes the cells of those days' quarters and years and deletes the rows it saw. A
period with a change not yet refreshed is read straight from the tables, so figures are
always exact. Every day already holding data is logged here, so the first refresh
builds all the cells.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_board_rollups"
down_revision: str | None = "0003_answer_topics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = (
    # table, the time column whose UTC day is logged, columns whose change is logged
    ("answers", "answered_at", (
        "superseded_at", "text", "polarity", "sensitive", "theme", "skipped", "choice",
        "number", "question_id", "survey_key", "answered_at", "response_id",
    )),
    ("invitations", "delivered_at", (
        "delivered_at", "returned_at", "review_date", "form", "audience", "age_band",
    )),
    ("responses", "returned_at", ("returned_at", "survey_version_id", "person_id")),
)  # fmt: skip


def _changed(columns: Sequence[str], differ: str) -> str:
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in columns)


def upgrade() -> None:
    op.create_table(
        "board_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_changes")),
    )
    op.create_index("ix_board_changes_day", "board_changes", ["day"])
    op.create_table(
        "board_answer_cells",
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
            "grain", "start", "survey_key", "kind", "grp", name=op.f("pk_board_answer_cells")
        ),
    )
    op.create_table(
        "board_form_cells",
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("form", sa.String(length=48), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("early", sa.Integer(), nullable=False),
        sa.Column("reviewed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "start", "form", "audience", "age_band", name=op.f("pk_board_form_cells")
        ),
    )
    op.create_table(
        "board_choice_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("survey_key", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.String(length=64), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_choice_cells")),
    )
    op.create_index("ix_board_choice_cells_start", "board_choice_cells", ["start", "question_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
        day = "(({}) AT TIME ZONE 'UTC')::date"
    else:
        _sqlite_triggers()
        day = "date({})"
    op.execute(
        "INSERT INTO board_changes (day) SELECT DISTINCT d FROM ("
        + " UNION ".join(
            f"SELECT {day.format(column)} AS d FROM {table} WHERE {column} IS NOT NULL"
            for table, column, _ in WATCHED
        )
        + ") AS days"
    )


def _postgresql_triggers() -> None:
    mark = "INSERT INTO board_changes (day) VALUES ((({}) AT TIME ZONE 'UTC')::date);"
    for table, column, columns in WATCHED:
        op.execute(
            f"CREATE FUNCTION board_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP <> 'INSERT' AND OLD.{column} IS NOT NULL THEN "
            + mark.format(f"OLD.{column}")
            + f" END IF; IF TG_OP <> 'DELETE' AND NEW.{column} IS NOT NULL THEN "
            + mark.format(f"NEW.{column}")
            + " END IF; RETURN NULL; END $$"
        )
        for event, when in (
            ("INSERT", f"NEW.{column} IS NOT NULL"),
            ("DELETE", f"OLD.{column} IS NOT NULL"),
            ("UPDATE", _changed(columns, "IS DISTINCT FROM")),
        ):
            op.execute(
                f"CREATE TRIGGER {table}_board_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION board_mark_{table}()"
            )


def _sqlite_triggers() -> None:
    mark = "INSERT INTO board_changes (day) SELECT date({0}) WHERE {0} IS NOT NULL;"
    for table, column, columns in WATCHED:
        old, new = mark.format(f"OLD.{column}"), mark.format(f"NEW.{column}")
        for event, when, body in (
            ("INSERT", f"NEW.{column} IS NOT NULL", new),
            ("DELETE", f"OLD.{column} IS NOT NULL", old),
            ("UPDATE", _changed(columns, "IS NOT"), old + " " + new),
        ):
            op.execute(
                f"CREATE TRIGGER {table}_board_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW WHEN {when} BEGIN {body} END"
            )


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table, _, _ in WATCHED:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER {table}_board_{event}" + (f" ON {table}" if pg else ""))
        if pg:
            op.execute(f"DROP FUNCTION board_mark_{table}()")
    op.drop_index("ix_board_choice_cells_start", table_name="board_choice_cells")
    op.drop_table("board_choice_cells")
    op.drop_table("board_form_cells")
    op.drop_table("board_answer_cells")
    op.drop_index("ix_board_changes_day", table_name="board_changes")
    op.drop_table("board_changes")
