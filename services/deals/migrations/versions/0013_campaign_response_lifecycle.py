"""campaign responses carry versions, are corrected, archived and restored

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from crmkit.migrations import add_lifecycle, drop_lifecycle

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_lifecycle("campaign_responses")


def downgrade() -> None:
    drop_lifecycle("campaign_responses")
