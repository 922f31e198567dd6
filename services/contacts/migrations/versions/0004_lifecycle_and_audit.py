"""records with versions, archived and restored; what was done with an interaction; the audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import (
    add_audit_entries,
    add_lifecycle,
    drop_audit_entries,
    drop_lifecycle,
)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_audit_entries()
    add_lifecycle("counterparties", archived=False)  # archived: deleted_at
    add_lifecycle("contact_persons")
    add_lifecycle("interactions")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("outcome")
    drop_lifecycle("interactions")
    drop_lifecycle("contact_persons")
    drop_lifecycle("counterparties", archived=False)
    drop_audit_entries()
