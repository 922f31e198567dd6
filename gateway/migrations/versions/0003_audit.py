"""the history of users, groups and API keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from crmkit.migrations import add_audit_entries, drop_audit_entries

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_audit_entries()


def downgrade() -> None:
    drop_audit_entries()
