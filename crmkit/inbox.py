"""Inbox: the events a consumer has applied, keyed by event id, so a redelivery changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.orm import Session, sessionmaker

from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import UtcDateTime

Apply = Callable[[Session, Envelope], None]


def define_inbox(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(120), nullable=False),
        Column("applied_at", UtcDateTime, nullable=False),
    )


class InboxHandler:
    """Applies an event and records it in one transaction; a known event id is skipped."""

    def __init__(self, sessions: sessionmaker[Session], table: Table, apply: Apply) -> None:
        self.sessions = sessions
        self.table = table
        self.apply = apply

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
            session.execute(
                self.table.insert().values(
                    event_id=envelope.event_id,
                    event_type=envelope.type,
                    applied_at=datetime.now(UTC),
                )
            )
            self.apply(session, envelope)
        return True
