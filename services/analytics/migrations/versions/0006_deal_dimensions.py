"""deals keep the dimensions the reports group and filter them by ({"owner": id, ...})

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dimensions", sa.JSON(), server_default="{}", nullable=False))
    # The deals already here had their owner and campaign as columns: the same, as dimensions.
    deals = sa.table(
        "deals",
        sa.column("id", sa.String),
        sa.column("owner_id", sa.String),
        sa.column("campaign_id", sa.String),
        sa.column("dimensions", sa.JSON),
    )
    conn = op.get_bind()
    stored = conn.execute(sa.select(deals.c.id, deals.c.owner_id, deals.c.campaign_id))
    filled = [
        {"deal_id": deal_id, "values": _given(owner=owner, campaign=campaign)}
        for deal_id, owner, campaign in stored
    ]
    if filled:
        conn.execute(
            deals.update()
            .where(deals.c.id == sa.bindparam("deal_id"))
            .values(dimensions=sa.bindparam("values", type_=sa.JSON)),
            filled,
        )


def _given(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value}


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("dimensions")
