"""the lists a company keeps itself (where deals come from, ...), each entry by its list's name

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "list_items",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("list", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_list_items_list_name", "list_items", ["list", "name"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_list_items_list_name", table_name="list_items")
    op.drop_table("list_items")
