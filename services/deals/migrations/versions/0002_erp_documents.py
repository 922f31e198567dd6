"""ERP documents; lost reasons of two kinds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lost_reasons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="deal", nullable=False)
        )
    op.create_table(
        "erp_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("counterparty_id", sa.String(length=36), nullable=False),
        sa.Column("deal_id", sa.String(length=36), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("order_kind", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=True),
        sa.Column("failure_reason_id", sa.String(length=36), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("order_external_id", sa.String(length=100), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invoice_external_id", sa.String(length=100), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("overdue_announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "external_id", name="uq_erp_documents_kind_external_id"),
    )
    op.create_index("ix_erp_documents_date", "erp_documents", ["date"])
    op.create_index("ix_erp_documents_counterparty_id", "erp_documents", ["counterparty_id"])
    op.create_index("ix_erp_documents_deal_id", "erp_documents", ["deal_id"])


def downgrade() -> None:
    op.drop_table("erp_documents")
    with op.batch_alter_table("lost_reasons", schema=None) as batch_op:
        batch_op.drop_column("kind")
