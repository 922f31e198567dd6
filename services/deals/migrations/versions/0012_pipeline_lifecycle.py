"""pipelines and their process documents carry versions, are archived and restored

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from crmkit.migrations import add_lifecycle, drop_lifecycle

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_lifecycle("pipelines")
    add_lifecycle("documents")


def downgrade() -> None:
    drop_lifecycle("documents")
    drop_lifecycle("pipelines")
