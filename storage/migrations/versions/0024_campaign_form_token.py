"""a campaign keeps the one-time token of the form that made it

Revision ID: 0024_campaign_form_token
Revises: 0023_retired_codes
Create Date: 2026-12-05 22:30:00

Going Back after "Create campaign" and pressing it again made a second campaign with the
same name and invited the same young people again. The new-campaign form now carries a
one-time token, kept with the campaign it made (unique): the same form posted again leads
to that campaign instead of making another. NULL for campaigns made before, or by the API.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_campaign_form_token"
down_revision: str | None = "0023_retired_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("form_token", sa.String(length=64), nullable=True))
    op.create_index("ix_campaigns_form_token", "campaigns", ["form_token"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_campaigns_form_token", table_name="campaigns")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("form_token")
