"""Transactional outbox: an event is written in the same transaction as the change it reports;
the relay publishes it later. Nothing is lost if the process dies after the commit.

Before it is published an event gets its number: its place among the producer's events of its
type, 1, 2, 3, ... with no gaps, so that a consumer can tell how far it has applied them. The
outbox's own `seq` cannot say that: a database sequence is handed out when a row is written, not
when its transaction commits, and a rolled-back one leaves a hole. So numbers are given to
committed rows only, one numbering at a time (every numbering first takes the lock row of
`outbox_numbers`), in `seq` order; a row keeps its number however often it is published."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import UtcDateTime
from crmkit.events import TypePosition
from crmkit.tracing import current_trace_id

LOCK = ""  # the row of outbox_numbers that a numbering holds while it numbers
NUMBERING_BATCH = 5000


def define_outbox(metadata: MetaData) -> Table:
    """The outbox, and beside it `outbox_numbers`: each event type's last number given."""
    Table(
        "outbox_numbers",
        metadata,
        Column("event_type", String(120), primary_key=True),
        Column("last_number", BigInteger, nullable=False),
    )
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
        Column("number", BigInteger),  # its place among its type's events; None: not yet numbered
        Index("ix_outbox_type_number", "event_type", "number", unique=True),
    )


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OutboxMessage:
    seq: int
    event_id: str
    event_type: str
    body: bytes
    number: int

    def published_body(self) -> bytes:
        """The stored envelope with its number: a protobuf field appended to a message's bytes
        is read as part of it."""
        return self.body + Envelope(sequence=self.number).SerializeToString()


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
        self.numbers = table.metadata.tables["outbox_numbers"]
        self.claim_seconds = claim_seconds
        self.relay_id = str(uuid.uuid4())

    # -- numbering -------------------------------------------------------------------------
    def number_committed(self) -> int:
        """Numbers the committed events that have none yet (up to a batch); how many it did."""
        t, n = self.table, self.numbers
        unnumbered = select(t.c.seq, t.c.event_type).where(
            t.c.sent_at.is_(None), t.c.number.is_(None)
        )
        with self.engine.connect() as conn:
            if conn.execute(unnumbered.limit(1)).first() is None:
                return 0  # every committed event has its number: no lock, no write
        with self.engine.begin() as conn:
            self._lock(conn)  # from here on, the unnumbered rows we see stay ours to number
            pending = conn.execute(unnumbered.order_by(t.c.seq).limit(NUMBERING_BATCH)).all()
            if not pending:
                return 0
            types = {row.event_type for row in pending}
            stored = conn.execute(
                select(n.c.event_type, n.c.last_number).where(n.c.event_type.in_(types))
            )
            last: dict[str, int] = {row.event_type: row.last_number for row in stored}
            known = set(last)
            given = []
            for seq, event_type in pending:
                last[event_type] = last.get(event_type, 0) + 1
                given.append({"row": seq, "given": last[event_type]})
            conn.execute(
                update(t).where(t.c.seq == bindparam("row")).values(number=bindparam("given")),
                given,
            )
            self._keep_last(conn, last, known)
        return len(pending)

    def number_all_committed(self) -> None:
        while self.number_committed() == NUMBERING_BATCH:
            pass

    def positions(
        self, event_types: list[str], applied_up_to: dict[str, int] | None = None
    ) -> list[TypePosition]:
        """After numbering every event committed until now: each type's last number, when its
        last event happened and, past the asker's watermark, when the first one it lacks did
        (a type never published: 0 and None)."""
        self.number_all_committed()
        t, n = self.table, self.numbers
        query = (
            select(n.c.event_type, n.c.last_number, t.c.created_at)
            .join(t, and_(t.c.event_type == n.c.event_type, t.c.number == n.c.last_number))
            .where(n.c.event_type.in_(event_types))
        )
        applied = applied_up_to or {}
        with self.engine.connect() as conn:
            found = {row.event_type: row for row in conn.execute(query)}
            positions = [
                TypePosition(kind, found[kind].last_number, found[kind].created_at)
                if kind in found
                else TypePosition(kind, 0, None)
                for kind in event_types
            ]
            return [
                self._with_first_unapplied(conn, p, applied.get(p.event_type, 0)) for p in positions
            ]

    def _with_first_unapplied(
        self, conn: Connection, position: TypePosition, applied: int
    ) -> TypePosition:
        if position.last_number <= applied:
            return position
        t = self.table
        at = conn.scalar(
            select(t.c.created_at).where(
                t.c.event_type == position.event_type, t.c.number == applied + 1
            )
        )
        return replace(position, first_unapplied_at=at)

    def _lock(self, conn: Connection) -> None:
        """Takes the lock row (made by the first numbering ever): a second numbering waits here,
        on PostgreSQL on the row, on SQLite on the database's write lock."""
        n = self.numbers
        hold = update(n).where(n.c.event_type == LOCK).values(last_number=n.c.last_number + 1)
        if conn.execute(hold).rowcount:
            return
        try:
            with conn.begin_nested():
                conn.execute(insert(n).values(event_type=LOCK, last_number=0))
        except IntegrityError:
            conn.execute(hold)  # another numbering made it first

    def _keep_last(self, conn: Connection, last: dict[str, int], known: set[str]) -> None:
        n = self.numbers
        changed = [{"kind": k, "last": v} for k, v in last.items() if k in known]
        if changed:
            conn.execute(
                update(n)
                .where(n.c.event_type == bindparam("kind"))
                .values(last_number=bindparam("last")),
                changed,
            )
        new = [{"event_type": k, "last_number": v} for k, v in last.items() if k not in known]
        if new:
            conn.execute(insert(n), new)

    # -- publishing ------------------------------------------------------------------------
    def claim(self, limit: int) -> list[OutboxMessage]:
        """A batch of numbered, unsent rows nobody holds, leased to this relay."""
        self.number_committed()
        t = self.table
        moment = now()
        free = and_(
            t.c.sent_at.is_(None),
            t.c.number.is_not(None),
            or_(t.c.claimed_until.is_(None), t.c.claimed_until < moment),
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
                select(t.c.seq, t.c.event_id, t.c.event_type, t.c.body, t.c.number)
                .where(t.c.seq.in_(seqs), t.c.claimed_by == self.relay_id, t.c.sent_at.is_(None))
                .order_by(t.c.seq)
            ).all()
        return [
            OutboxMessage(r.seq, r.event_id, r.event_type, bytes(r.body), r.number) for r in rows
        ]

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
