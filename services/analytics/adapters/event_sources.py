"""How far analytics has applied its sources' events (the watermarks crmkit.inbox keeps), and
the sources themselves asked over gRPC how far they have published."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.events.v1 import event_log_pb2 as pb
from crm.events.v1.event_log_pb2_grpc import EventLogStub
from crmkit.event_log import position_of
from crmkit.events import TypePosition
from crmkit.grpc_client import connect
from crmkit.settings import Settings
from services.analytics.adapters import orm

watermarks = orm.metadata.tables["watermarks"]
SOURCES = ("contacts", "deals")


class SqlAlchemyWatermarks:
    def __init__(self, session: Session) -> None:
        self.session = session

    def applied(self) -> dict[tuple[str, str], int]:
        w = watermarks.c
        rows = self.session.execute(select(w.producer, w.event_type, w.applied_up_to))
        return {(row.producer, row.event_type): row.applied_up_to for row in rows}


class GrpcEventSources:
    def __init__(self, logs: Mapping[str, EventLogStub]) -> None:
        self.logs = logs  # producer -> its EventLog

    def positions(
        self, producer: str, event_types: list[str], applied_up_to: dict[str, int]
    ) -> list[TypePosition]:
        request = pb.PositionsRequest(event_types=event_types, applied_up_to=applied_up_to)
        return [position_of(item) for item in self.logs[producer].GetPositions(request).items]


def sources_of(settings: Settings) -> GrpcEventSources:
    """The services analytics reads the events of, contacts and deals, at their addresses."""
    return GrpcEventSources(
        {
            producer: EventLogStub(connect(settings.grpc_address(producer), settings.grpc_timeout))
            for producer in SOURCES
        }
    )
