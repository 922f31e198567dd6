"""The EventLog every service serves: how far it has numbered the events it publishes, so that
a consumer can tell how far behind it is (crmkit.outbox numbers them, crmkit.inbox keeps the
consumer's watermark)."""

from __future__ import annotations

from datetime import datetime

import grpc
from sqlalchemy import Engine, Table

from crm.events.v1 import event_log_pb2 as pb
from crm.events.v1 import event_log_pb2_grpc as pb_grpc
from crmkit.events import TypePosition
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
    def __init__(self, store: SqlOutboxStore) -> None:
        self.store = store

    def GetPositions(
        self, request: pb.PositionsRequest, context: grpc.ServicerContext
    ) -> pb.Positions:
        found = self.store.positions(list(request.event_types), dict(request.applied_up_to))
        return pb.Positions(items=[position_message(p) for p in found])


def register_event_log(server: grpc.Server, engine: Engine, outbox: Table) -> str:
    """Adds the EventLog of this service's outbox to its server; returns the service's name."""
    pb_grpc.add_EventLogServicer_to_server(EventLogServicer(SqlOutboxStore(engine, outbox)), server)
    return pb.DESCRIPTOR.services_by_name["EventLog"].full_name
