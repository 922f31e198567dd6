"""The EventLog every service serves: how far it has numbered the events it publishes, so that
a consumer can tell how far behind it is (crmkit.outbox numbers them, crmkit.inbox keeps the
consumer's watermark)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import grpc
from sqlalchemy import Engine, Table, select

from crm.events.v1 import event_log_pb2 as pb
from crm.events.v1 import event_log_pb2_grpc as pb_grpc
from crmkit.events import TypePosition, producer_of
from crmkit.outbox import SqlOutboxStore


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def position_message(position: TypePosition) -> pb.TypePosition:
    return pb.TypePosition(
        event_type=position.event_type,
        last_number=position.last_number,
        last_event_at=_iso(position.last_event_at),
        first_unapplied_at=_iso(position.first_unapplied_at),
    )


def _moment(present: bool, value: str) -> datetime | None:
    return datetime.fromisoformat(value) if present else None


def position_of(message: pb.TypePosition) -> TypePosition:
    m = message
    return TypePosition(
        m.event_type,
        m.last_number,
        _moment(m.HasField("last_event_at"), m.last_event_at),
        _moment(m.HasField("first_unapplied_at"), m.first_unapplied_at),
    )


class EventLogServicer(pb_grpc.EventLogServicer):
    def __init__(self, store: SqlOutboxStore, reads: Iterable[str], watermarks: Table) -> None:
        self.store = store
        self.reads = sorted(reads)  # the event types this service's consumer applies
        self.watermarks = watermarks

    def GetPositions(
        self, request: pb.PositionsRequest, context: grpc.ServicerContext
    ) -> pb.Positions:
        found = self.store.positions(list(request.event_types), dict(request.applied_up_to))
        return pb.Positions(items=[position_message(p) for p in found])

    def GetApplied(self, request: pb.AppliedRequest, context: grpc.ServicerContext) -> pb.Applied:
        w = self.watermarks.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(w.event_type, w.applied_up_to))
            applied = {row.event_type: row.applied_up_to for row in rows}
        return pb.Applied(
            items=[
                pb.AppliedType(
                    producer=producer_of(kind), event_type=kind, applied_up_to=applied.get(kind, 0)
                )
                for kind in self.reads
            ]
        )


def register_event_log(
    server: grpc.Server, engine: Engine, outbox: Table, reads: Iterable[str]
) -> str:
    """Adds the EventLog of this service to its server: how far its outbox has numbered what it
    publishes, and how far its consumer has applied the event types it `reads` (the watermarks
    beside its inbox, in the outbox's metadata). Returns the service's name."""
    watermarks = outbox.metadata.tables["watermarks"]
    servicer = EventLogServicer(SqlOutboxStore(engine, outbox), reads, watermarks)
    pb_grpc.add_EventLogServicer_to_server(servicer, server)
    return pb.DESCRIPTOR.services_by_name["EventLog"].full_name
