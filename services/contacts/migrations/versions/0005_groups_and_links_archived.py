"""company groups and relationships with versions, archived and restored

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from crmkit.migrations import add_lifecycle, drop_lifecycle

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_lifecycle("company_groups")
    add_lifecycle("relationships")


def downgrade() -> None:
    drop_lifecycle("relationships")
    drop_lifecycle("company_groups")
