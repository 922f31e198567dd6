"""events numbered per type with no gaps, and how far each has been applied (watermarks)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from crmkit.migrations import add_event_numbers, drop_event_numbers

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_event_numbers()


def downgrade() -> None:
    drop_event_numbers()
