"""Writing the projections: newest version wins, so events may come late or twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from services.analytics.adapters import orm


class SqlAlchemyProjections:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keep_newest(self, table: Table, values: dict[str, Any]) -> bool:
        """Stores the row unless a newer version is already there; True when it stored."""
        key = table.c.id == values["id"]
        stored = self.session.execute(select(table.c.version).where(key)).first()
        if stored is None:
            self.session.execute(table.insert().values(**values))
            return True
        if stored.version > values["version"]:
            return False
        self.session.execute(update(table).where(key).values(**values))
        return True

    def add_once(self, table: Table, key: str, values: dict[str, Any]) -> None:
        """For facts that never change once they happened (an interaction, a stage entry)."""
        if (
            self.session.execute(select(table.c[key]).where(table.c[key] == values[key])).first()
            is None
        ):
            self.session.execute(table.insert().values(**values))

    def mark_deleted(self, customer_id: str, at: datetime) -> None:
        values = {
            "id": customer_id,
            "name": "",
            "roles": "",
            "owner_id": None,
            "completeness": 0,
            "deleted": True,
            "version": at,
        }
        stored = self.session.execute(
            select(orm.customers.c.id).where(orm.customers.c.id == customer_id)
        ).first()
        if stored is None:
            self.session.execute(orm.customers.insert().values(**values))
        else:
            self.session.execute(
                update(orm.customers).where(orm.customers.c.id == customer_id).values(deleted=True)
            )

    def replace_facts(self, invoice_id: str, facts: list[dict[str, Any]]) -> None:
        self.session.execute(
            delete(orm.sales_facts).where(orm.sales_facts.c.invoice_id == invoice_id)
        )
        if facts:
            self.session.execute(orm.sales_facts.insert(), facts)
