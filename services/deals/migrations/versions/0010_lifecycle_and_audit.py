"""deals, tasks, participants, campaigns, list items and lost reasons with versions, archived and restored; comments on
tasks; the audit

Revision ID: 0010
Revises: 0009
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

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_audit_entries()
    add_lifecycle("deals")
    add_lifecycle("tasks")
    add_lifecycle("list_items")
    add_lifecycle("lost_reasons")
    add_lifecycle("participants")
    add_lifecycle("campaigns")
    op.create_table(
        "task_comments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("task_id", sa.String(36), sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("author_id", sa.String(36)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_task_comments_task_id", "task_comments", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_task_comments_task_id", "task_comments")
    op.drop_table("task_comments")
    drop_lifecycle("campaigns")
    drop_lifecycle("participants")
    drop_lifecycle("lost_reasons")
    drop_lifecycle("list_items")
    drop_lifecycle("tasks")
    drop_lifecycle("deals")
    drop_audit_entries()
