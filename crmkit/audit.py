"""The history of every record: who changed it (a user, an API key or the system), when, what (old
and new per field) and from which request. Each service keeps the entries of the records it owns
in its own `audit_entries` table, written by its unit of work in the same transaction as the change
(from the `Audited` events its handlers publish), and serves them through the AuditLog."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import grpc
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    Text,
    and_,
    func,
    select,
)
from sqlalchemy.orm import Session

from crm.audit.v1 import audit_pb2 as pb
from crm.audit.v1 import audit_pb2_grpc as pb_grpc
from crmkit.db import UtcDateTime
from crmkit.domain import Audit
from crmkit.identity import Identity, current_identity
from crmkit.tracing import current_trace_id

API_KEY_PREFIX = "apikey:"
MAX_ENTRIES = 1000


def define_audit(metadata: MetaData) -> Table:
    return Table(
        "audit_entries",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("at", UtcDateTime, nullable=False),
        Column("actor_id", String(64)),
        Column("actor_kind", String(10), nullable=False),
        Column("entity", String(40), nullable=False),
        Column("entity_id", String(64), nullable=False),
        Column("action", String(20), nullable=False),
        Column("changes", Text, nullable=False),
        Column("request_id", String(64)),
        Index("ix_audit_entries_entity", "entity", "entity_id", "id"),
        Index("ix_audit_entries_actor", "actor_id", "id"),
        Index("ix_audit_entries_at", "at"),
    )


def actor_of(identity: Identity) -> tuple[str | None, str]:
    """(actor_id, actor_kind) of whoever makes the change."""
    if identity.user_id.startswith(API_KEY_PREFIX):
        return identity.user_id.removeprefix(API_KEY_PREFIX), "api_key"
    if identity.person_id:
        return identity.person_id, "user"
    return None, "system"


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def write(
    session: Session | Connection, table: Table, audits: Iterable[Audit], at: datetime
) -> None:
    """The entries of one transaction's changes, made by the identity in force."""
    actor_id, actor_kind = actor_of(current_identity())
    rows = [
        {
            "at": at,
            "actor_id": actor_id,
            "actor_kind": actor_kind,
            "entity": audit.entity,
            "entity_id": audit.entity_id,
            "action": audit.action,
            "changes": json.dumps(
                {name: [old, new] for name, (old, new) in audit.changes.items()},
                default=_plain,
                ensure_ascii=False,
            ),
            "request_id": current_trace_id() or None,
        }
        for audit in audits
    ]
    if rows:
        session.execute(table.insert(), rows)


@dataclass(frozen=True)
class EntryFilter:
    entity: str | None = None
    entity_id: str | None = None
    actor_id: str | None = None
    since: datetime | None = None
    before: datetime | None = None


def _conditions(table: Table, wanted: EntryFilter) -> list[ColumnElement[bool]]:
    c = table.c
    equal = ((c.entity, wanted.entity), (c.entity_id, wanted.entity_id))
    conditions = [column == value for column, value in equal if value is not None]
    if wanted.actor_id is not None:
        conditions.append(c.actor_id == wanted.actor_id)
    if wanted.since is not None:
        conditions.append(c.at >= wanted.since)
    if wanted.before is not None:
        conditions.append(c.at < wanted.before)
    return conditions


def _moment(present: bool, text: str) -> datetime | None:
    return datetime.fromisoformat(text) if present else None


def filter_of(request: pb.EntriesRequest) -> EntryFilter:
    r = request
    return EntryFilter(
        entity=r.entity if r.HasField("entity") else None,
        entity_id=r.entity_id if r.HasField("entity_id") else None,
        actor_id=r.actor_id if r.HasField("actor_id") else None,
        since=_moment(r.HasField("from"), getattr(r, "from")),
        before=_moment(r.HasField("to"), r.to),
    )


class AuditLogServicer(pb_grpc.AuditLogServicer):
    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine = engine
        self.table = table

    def ListEntries(self, request: pb.EntriesRequest, context: grpc.ServicerContext) -> pb.Entries:
        with self.engine.connect() as conn:
            return entries(conn, self.table, request)


def entries(conn: Connection, table: Table, request: pb.EntriesRequest) -> pb.Entries:
    """The newest entries asked for, and how many there are."""
    where = and_(*_conditions(table, filter_of(request)))
    limit = min(max(request.limit, 1), MAX_ENTRIES)
    query = select(table).where(where).order_by(table.c.id.desc()).limit(limit)
    total = conn.scalar(select(func.count()).select_from(table).where(where)) or 0
    rows = conn.execute(query.offset(max(request.offset, 0))).mappings().all()
    return pb.Entries(items=[_entry(row) for row in rows], total=total)


def _entry(values: RowMapping) -> pb.Entry:
    return pb.Entry(
        id=values["id"],
        at=values["at"].isoformat(),
        actor_id=values["actor_id"],
        actor_kind=values["actor_kind"],
        entity=values["entity"],
        entity_id=values["entity_id"],
        action=values["action"],
        changes=values["changes"],
        request_id=values["request_id"],
    )


def register_audit_log(server: grpc.Server, engine: Engine, table: Table) -> str:
    pb_grpc.add_AuditLogServicer_to_server(AuditLogServicer(engine, table), server)
    return pb.DESCRIPTOR.services_by_name["AuditLog"].full_name
