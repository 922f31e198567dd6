"""The contacts event consumer: takes in what other services learned about counterparties."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm.events.v1 import analytics_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.consumer import PoisonMessage
from crmkit.rabbit import QueueSpec
from crmkit.unit_of_work import SessionBoundUnitOfWork
from services.contacts.service_layer import handlers
from services.contacts.service_layer.unit_of_work import SqlAlchemyUnitOfWork

QUEUE = QueueSpec("contacts", bindings=("analytics.classification.completed",))


class _EventUnitOfWork(SessionBoundUnitOfWork, SqlAlchemyUnitOfWork):
    def __init__(self, session: Session) -> None:
        super().__init__(lambda: session)  # type: ignore[arg-type, return-value]


def apply_event(session: Session, envelope: Envelope) -> None:
    uow = _EventUnitOfWork(session)
    if envelope.type == "analytics.classification.completed":
        event = analytics_pb2.ClassificationCompleted.FromString(envelope.payload)
        classes = [(c.counterparty_id, c.abc, c.xyz, c.status) for c in event.classes]
        handlers.apply_classification(uow, classes)
        return
    raise PoisonMessage(f"contacts does not handle {envelope.type}")
