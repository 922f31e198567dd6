"""Inbox: the events a consumer has applied, keyed by event id, so a redelivery changes nothing;
and, per producer and event type, how far it has applied them with no gap (its watermark)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import UtcDateTime

Apply = Callable[[Session, Envelope], None]
ApplyMany = Callable[[Session, list[Envelope]], None]  # a batch, in order, in one session
RUN = 10_000  # the most inbox rows read at once to move a watermark on


def define_inbox(metadata: MetaData) -> Table:
    """The inbox, and beside it `watermarks`: per producer and event type, the highest number
    up to which every event has been applied."""
    Table(
        "watermarks",
        metadata,
        Column("producer", String(40), primary_key=True),
        Column("event_type", String(120), primary_key=True),
        Column("applied_up_to", BigInteger, nullable=False),
        Column("applied_at", UtcDateTime, nullable=False),
    )
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(120), nullable=False),
        Column("applied_at", UtcDateTime, nullable=False),
        Column("producer", String(40)),
        Column("sequence", BigInteger),  # the event's number; None: sent before numbering
        Index("ix_inbox_numbered", "producer", "event_type", "sequence"),
    )


class InboxHandler:
    """Applies an event and records it in one transaction; a known event id is skipped."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        table: Table,
        apply: Apply,
        apply_many: ApplyMany | None = None,
    ) -> None:
        self.sessions = sessions
        self.table = table
        self.watermarks = table.metadata.tables["watermarks"]
        self.apply = apply
        self.apply_many = apply_many or self._one_by_one

    def __call__(self, envelope: Envelope) -> bool:
        """Returns True when the event was applied now, False when it had been before."""
        with self.sessions.begin() as session:
            seen = session.scalar(
                select(self.table.c.event_id).where(self.table.c.event_id == envelope.event_id)
            )
            if seen is not None:
                return False
            # A concurrent consumer inserting the same id makes this insert fail at commit and
            # the transaction roll back; the message is then redelivered and skipped.
            session.execute(insert(self.table).values(self._row(envelope, datetime.now(UTC))))
            self.apply(session, envelope)
            if envelope.sequence:
                self._move_watermark(session, envelope.producer, envelope.type)
        return True

    def apply_batch(self, envelopes: list[Envelope]) -> list[bool]:
        """Several deliveries in one transaction: the known ids found in one query, the new ones
        recorded in one multi-row insert and applied in order, each watermark moved once (in a
        fixed order, so that competing consumers lock them alike). True for each one applied
        now; if anything fails nothing of the batch is kept."""
        first_seen: dict[str, Envelope] = {}
        for envelope in envelopes:
            first_seen.setdefault(envelope.event_id, envelope)
        with self.sessions.begin() as session:
            ids = list(first_seen)
            known = set(
                session.scalars(select(self.table.c.event_id).where(self.table.c.event_id.in_(ids)))
            )
            new = [e for e in first_seen.values() if e.event_id not in known]
            if new:
                moment = datetime.now(UTC)
                session.execute(insert(self.table), [self._row(e, moment) for e in new])
            self.apply_many(session, new)
            for producer, event_type in sorted({(e.producer, e.type) for e in new if e.sequence}):
                self._move_watermark(session, producer, event_type)
        applied = {e.event_id for e in new}
        return [
            envelope.event_id in applied and first_seen[envelope.event_id] is envelope
            for envelope in envelopes
        ]

    def _one_by_one(self, session: Session, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            self.apply(session, envelope)

    @staticmethod
    def _row(envelope: Envelope, moment: datetime) -> dict[str, object]:
        return {
            "event_id": envelope.event_id,
            "event_type": envelope.type,
            "applied_at": moment,
            "producer": envelope.producer,
            "sequence": envelope.sequence or None,
        }

    def _move_watermark(self, session: Session, producer: str, event_type: str) -> None:
        """Up to the last number applied with every one before it. The watermark's row is locked
        first, so that competing consumers move it one after the other: the second then sees
        what the first committed (an event applied out of order waits for the one before it)."""
        w, i = self.watermarks, self.table
        key = (w.c.producer == producer) & (w.c.event_type == event_type)
        up_to = session.scalar(select(w.c.applied_up_to).where(key).with_for_update())
        if up_to is None:
            up_to = self._first_watermark(session, producer, event_type)
        reached = up_to
        while True:
            following = session.scalars(
                select(i.c.sequence)
                .where(
                    i.c.producer == producer, i.c.event_type == event_type, i.c.sequence > reached
                )
                .order_by(i.c.sequence)
                .limit(RUN)
            ).all()
            start = reached
            for number in following:
                if number != reached + 1:
                    break
                reached = number
            if len(following) < RUN or reached - start < len(following):
                break
        if reached != up_to:
            session.execute(
                update(w).where(key).values(applied_up_to=reached, applied_at=datetime.now(UTC))
            )

    def _first_watermark(self, session: Session, producer: str, event_type: str) -> int:
        w = self.watermarks
        try:
            with session.begin_nested():
                session.execute(
                    insert(w).values(
                        producer=producer,
                        event_type=event_type,
                        applied_up_to=0,
                        applied_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:  # a competing consumer made it first: wait for its lock
            key = (w.c.producer == producer) & (w.c.event_type == event_type)
            return int(session.scalar(select(w.c.applied_up_to).where(key).with_for_update()) or 0)
        return 0
