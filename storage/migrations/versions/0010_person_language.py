"""person language: the language a young person reads, from the people CSV or the chat

Revision ID: 0010_person_language
Revises: 0009_replies_contact
Create Date: 2026-12-02 11:30:00

`people.language` is a shipped language code (en, cy, ar), English for everyone already
there; `people.language_chosen_at` is when they chose it in the chat (a later CSV import
keeps their choice).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_person_language"
down_revision: str | None = "0009_replies_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("language", sa.String(8), nullable=False, server_default="en")
        )
        batch.add_column(sa.Column("language_chosen_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("language_chosen_at")
        batch.drop_column("language")
