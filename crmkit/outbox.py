"""Transactional outbox: an event is written in the same transaction as the change it reports;
the relay publishes it later. Nothing is lost if the process dies after the commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import UtcDateTime
from crmkit.tracing import current_trace_id


def define_outbox(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(120), nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("claimed_by", String(36)),
        Column("claimed_until", UtcDateTime),
        Column("sent_at", UtcDateTime, index=True),
    )


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OutboxMessage:
    seq: int
    event_id: str
    event_type: str
    body: bytes


class Outbox:
    """Writes events into the service's `outbox` table inside the caller's transaction."""

    def __init__(self, table: Table, producer: str) -> None:
        self.table = table
        self.producer = producer

    def add(self, session: Session, event_type: str, aggregate_id: str, payload: Message) -> str:
        return self.add_many(session, [(event_type, aggregate_id, payload)])[0]

    def add_many(self, session: Session, events: list[tuple[str, str, Message]]) -> list[str]:
        """Several events in one statement (a batch of ERP documents brings thousands)."""
        occurred = now()
        rows = [
            self._row(event_type, aggregate_id, payload, occurred)
            for event_type, aggregate_id, payload in events
        ]
        if rows:
            session.execute(self.table.insert(), rows)
        return [str(row["event_id"]) for row in rows]

    def _row(
        self, event_type: str, aggregate_id: str, payload: Message, occurred: datetime
    ) -> dict[str, object]:
        event_id = str(uuid.uuid4())
        envelope = Envelope(
            event_id=event_id,
            type=event_type,
            occurred_at=occurred.isoformat(),
            producer=self.producer,
            aggregate_id=aggregate_id,
            payload=payload.SerializeToString(),
            trace_id=current_trace_id(),
        )
        return {
            "event_id": event_id,
            "event_type": event_type,
            "body": envelope.SerializeToString(),
            "created_at": occurred,
        }


class SqlOutboxStore:
    """The relay's view of the outbox: claim a batch, mark it sent, release on failure.

    A claim is a lease so that several relays can run; a relay that dies mid-batch leaves
    a lease that expires, and the batch is published again (at-least-once)."""

    def __init__(self, engine: Engine, table: Table, claim_seconds: float = 30.0) -> None:
        self.engine = engine
        self.table = table
        self.claim_seconds = claim_seconds
        self.relay_id = str(uuid.uuid4())

    def claim(self, limit: int) -> list[OutboxMessage]:
        t = self.table
        moment = now()
        free = and_(
            t.c.sent_at.is_(None), or_(t.c.claimed_until.is_(None), t.c.claimed_until < moment)
        )
        with self.engine.begin() as conn:
            seqs = conn.scalars(select(t.c.seq).where(free).order_by(t.c.seq).limit(limit)).all()
            if not seqs:
                return []
            lease = moment + timedelta(seconds=self.claim_seconds)
            conn.execute(
                update(t)
                .where(t.c.seq.in_(seqs), free)
                .values(claimed_by=self.relay_id, claimed_until=lease)
            )
            rows = conn.execute(
                select(t.c.seq, t.c.event_id, t.c.event_type, t.c.body)
                .where(t.c.seq.in_(seqs), t.c.claimed_by == self.relay_id, t.c.sent_at.is_(None))
                .order_by(t.c.seq)
            ).all()
        return [OutboxMessage(r.seq, r.event_id, r.event_type, bytes(r.body)) for r in rows]

    def mark_sent(self, seqs: list[int]) -> None:
        if seqs:
            with self.engine.begin() as conn:
                conn.execute(
                    update(self.table).where(self.table.c.seq.in_(seqs)).values(sent_at=now())
                )

    def release(self, seqs: list[int]) -> None:
        if seqs:
            with self.engine.begin() as conn:
                conn.execute(
                    update(self.table)
                    .where(self.table.c.seq.in_(seqs), self.table.c.sent_at.is_(None))
                    .values(claimed_by=None, claimed_until=None)
                )

    def unsent_count(self) -> int:
        with self.engine.connect() as conn:
            query = select(self.table.c.seq).where(self.table.c.sent_at.is_(None))
            return len(conn.scalars(query).all())
