"""ERP documents in bulk: one statement per step for a whole batch, and upserts that stay
right when two batches carry the same documents at the same time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crmkit.paging import Page, paginate_rows
from services.deals.adapters import orm

t = orm.erp_documents
Key = tuple[str, str]  # (kind, external_id)


class SqlAlchemyErpRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def existing(self, keys: list[Key]) -> dict[Key, Row[Any]]:
        """The stored documents among `keys`, locked until commit on PostgreSQL."""
        if not keys:
            return {}
        query = select(
            t.c.id, t.c.kind, t.c.external_id, t.c.content_hash, t.c.paid_at, t.c.created_at
        ).where(tuple_(t.c.kind, t.c.external_id).in_(keys))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.order_by(t.c.id).with_for_update()
        return {(row.kind, row.external_id): row for row in self.session.execute(query)}

    def insert_new(self, rows: list[dict[str, Any]]) -> set[Key]:
        """Inserts what nobody inserted first; returns the keys this call inserted.

        A plain executemany (pipelined by psycopg) and a read-back of the ids: much cheaper
        than one huge INSERT ... RETURNING for a thousand documents."""
        if not rows:
            return set()
        dialect = self.session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t)
        self.session.execute(
            insert.on_conflict_do_nothing(index_elements=["kind", "external_id"]), rows
        )
        ours = {row["id"] for row in rows}
        query = select(t.c.id, t.c.kind, t.c.external_id).where(t.c.id.in_(ours))
        return {(row.kind, row.external_id) for row in self.session.execute(query)}

    def update_changed(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        values: dict[str, Any] = {
            name: bindparam(f"new_{name}") for name in rows[0] if name not in ("id", "created_at")
        }
        statement = update(t).where(t.c.id == bindparam("old_id")).values(**values)
        params = [
            {
                "old_id": row["id"],
                **{f"new_{k}": v for k, v in row.items() if k not in ("id", "created_at")},
            }
            for row in rows
        ]
        self.session.connection().execute(statement, params)

    def search(
        self,
        kind: str,
        counterparty_id: str | None,
        deal_id: str | None,
        date_from: date | None,
        date_to: date | None,
        page: Page,
    ) -> tuple[list[Row[Any]], int]:
        conditions = [t.c.kind == kind]
        if counterparty_id is not None:
            conditions.append(t.c.counterparty_id == counterparty_id)
        if deal_id is not None:
            conditions.append(t.c.deal_id == deal_id)
        if date_from is not None:
            conditions.append(t.c.date >= date_from)
        if date_to is not None:
            conditions.append(t.c.date <= date_to)
        query = select(t).where(and_(*conditions)).order_by(t.c.date.desc(), t.c.number)
        return paginate_rows(self.session, query, page)

    def overdue_unannounced(self, today: date) -> list[Row[Any]]:
        query = select(t).where(
            t.c.kind == "invoice",
            t.c.due_date < today,
            t.c.paid_at.is_(None),
            or_(t.c.status.is_(None), t.c.status != "cancelled"),
            t.c.overdue_announced_at.is_(None),
        )
        return list(self.session.execute(query.limit(1000)).all())

    def mark_announced(self, ids: list[str], at: datetime) -> None:
        if ids:
            self.session.execute(update(t).where(t.c.id.in_(ids)).values(overdue_announced_at=at))
