"""contact persons are found by name, e-mail and phone

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crmkit.text import searchable

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_persons") as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    people = sa.table(
        "contact_persons",
        sa.column("id"), sa.column("full_name"), sa.column("email"), sa.column("phone"),
        sa.column("search_text"),
    )  # fmt: skip
    connection = op.get_bind()
    kept = sa.select(people.c.id, people.c.full_name, people.c.email, people.c.phone)
    for row in connection.execute(kept).all():  # as the model folds them on this day
        digits = re.sub(r"\D", "", row.phone or "")
        parts = [row.full_name, row.email or "", row.phone or "", digits]
        found = searchable(" | ".join(parts))
        connection.execute(people.update().where(people.c.id == row.id).values(search_text=found))


def downgrade() -> None:
    with op.batch_alter_table("contact_persons") as batch_op:
        batch_op.drop_column("search_text")
