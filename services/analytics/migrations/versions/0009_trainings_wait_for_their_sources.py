"""a win model training waits for its sources like a classification run

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("win_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaited", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(
            sa.Column("wait_seconds", sa.Integer(), server_default="300", nullable=False)
        )
        batch_op.add_column(
            sa.Column("partial_allowed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("waited_seconds", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("partial", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("win_models", schema=None) as batch_op:
        for column in ("partial", "waited_seconds", "partial_allowed", "wait_seconds", "awaited"):
            batch_op.drop_column(column)
