"""ERP documents in bulk: one statement per step for a whole batch, and upserts that stay
right when two batches carry the same documents at the same time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, or_, select, tuple_, update
from sqlalchemy.orm import Session

from crmkit.db import upsert_into
from crmkit.paging import Page, paginate_rows
from services.deals.adapters import orm
from services.deals.domain import erp

t = orm.erp_documents
Key = tuple[str, str]  # (kind, external_id)
# The columns one kind of document may leave empty; every stored row names them all, so that
# the rows of a batch (orders beside invoices) share one shape.
OPTIONAL = (
    "deal_id", "currency", "order_kind", "status", "failure_reason_id", "due_date",
    "order_external_id", "paid_at", "invoice_external_id",
)  # fmt: skip


def _row(document: erp.ErpDocument) -> dict[str, Any]:
    """The stored columns; the overdue mark is the scan's, never overwritten by a resend."""
    return {
        **dict.fromkeys(OPTIONAL),
        **document.row(),
        "kind": document.kind,
        "owner_id": document.owner_id,
        "id": document.id,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }


def _document(row: Row[Any]) -> erp.ErpDocument:
    values = row._mapping
    return erp.ErpDocument(
        kind=values["kind"],
        external_id=values["external_id"],
        number=values["number"],
        date=values["date"],
        counterparty_id=values["counterparty_id"],
        fields={name: values[name] for name in OPTIONAL if values[name] is not None},
        lines=[erp.Line.from_stored(line) for line in values["lines"]],
        id=values["id"],
        owner_id=values["owner_id"],
        created_at=values["created_at"],
        updated_at=values["updated_at"],
    )


def search_documents(
    session: Session, wanted: erp.ErpFilter, page: Page
) -> tuple[list[erp.ErpDocument], int]:
    conditions = [t.c.kind == wanted.kind]
    if wanted.counterparty_id is not None:
        conditions.append(t.c.counterparty_id == wanted.counterparty_id)
    if wanted.deal_id is not None:
        conditions.append(t.c.deal_id == wanted.deal_id)
    if wanted.date_from is not None:
        conditions.append(t.c.date >= wanted.date_from)
    if wanted.date_to is not None:
        conditions.append(t.c.date <= wanted.date_to)
    query = select(t).where(and_(*conditions)).order_by(t.c.date.desc(), t.c.number)
    rows, total = paginate_rows(session, query, page)
    return [_document(row) for row in rows], total


class SqlAlchemyErpRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def existing(self, keys: list[Key]) -> dict[Key, erp.StoredVersion]:
        """The stored documents among `keys`, locked until commit on PostgreSQL."""
        if not keys:
            return {}
        query = select(
            t.c.id, t.c.kind, t.c.external_id, t.c.content_hash, t.c.paid_at, t.c.created_at
        ).where(tuple_(t.c.kind, t.c.external_id).in_(keys))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.order_by(t.c.id).with_for_update()
        return {
            (row.kind, row.external_id): erp.StoredVersion(
                row.id, row.content_hash, row.paid_at is not None, row.created_at
            )
            for row in self.session.execute(query)
        }

    def insert_new(self, documents: list[erp.ErpDocument]) -> set[Key]:
        """Inserts what nobody inserted first; returns the keys this call inserted.

        A plain executemany (pipelined by psycopg) and a read-back of the ids: much cheaper
        than one huge INSERT ... RETURNING for a thousand documents."""
        if not documents:
            return set()
        rows = [_row(document) for document in documents]
        insert = upsert_into(self.session, orm.erp_documents)
        self.session.execute(
            insert.on_conflict_do_nothing(index_elements=["kind", "external_id"]), rows
        )
        ours = {row["id"] for row in rows}
        query = select(t.c.id, t.c.kind, t.c.external_id).where(t.c.id.in_(ours))
        return {(row.kind, row.external_id) for row in self.session.execute(query)}

    def update_changed(self, documents: list[erp.ErpDocument]) -> None:
        if not documents:
            return
        rows = [_row(document) for document in documents]
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

    def overdue_unannounced(self, today: date) -> list[erp.ErpDocument]:
        query = select(t).where(
            t.c.kind == "invoice",
            t.c.due_date < today,
            t.c.paid_at.is_(None),
            or_(t.c.status.is_(None), t.c.status != "cancelled"),
            t.c.overdue_announced_at.is_(None),
        )
        return [_document(row) for row in self.session.execute(query.limit(1000)).all()]

    def mark_announced(self, ids: list[str], at: datetime) -> None:
        if ids:
            self.session.execute(update(t).where(t.c.id.in_(ids)).values(overdue_announced_at=at))
