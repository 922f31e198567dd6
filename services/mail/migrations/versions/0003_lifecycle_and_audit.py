"""mailboxes, templates, address groups and rules with versions, archived and restored; the audit

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from crmkit.migrations import (
    add_audit_entries,
    add_lifecycle,
    drop_audit_entries,
    drop_lifecycle,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("mailboxes", "templates", "address_groups", "rules")


def upgrade() -> None:
    add_audit_entries()
    for table in TABLES:
        add_lifecycle(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_lifecycle(table)
    drop_audit_entries()
