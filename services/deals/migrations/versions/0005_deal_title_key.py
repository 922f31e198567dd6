"""deal titles searchable without case or diacritics

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crmkit.text import searchable

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_key", sa.Text(), server_default="", nullable=False))
    deals = sa.table(
        "deals", sa.column("id", sa.String), sa.column("title", sa.String), sa.column("title_key")
    )
    conn = op.get_bind()
    folded = [
        {"deal_id": deal_id, "key": searchable(title)}
        for deal_id, title in conn.execute(sa.select(deals.c.id, deals.c.title))
    ]
    if folded:
        conn.execute(
            deals.update()
            .where(deals.c.id == sa.bindparam("deal_id"))
            .values(title_key=sa.bindparam("key")),
            folded,
        )


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("title_key")
