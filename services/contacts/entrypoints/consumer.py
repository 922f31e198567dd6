"""The contacts event consumer: takes in what other services learned about counterparties."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm.events.v1 import analytics_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.events import Routes, on
from crmkit.rabbit import QueueSpec
from services.contacts.adapters import proto
from services.contacts.adapters.unit_of_work import SessionBoundUnitOfWork
from services.contacts.service_layer import handlers


def _classification_completed(
    session: Session, message: analytics_pb2.ClassificationCompleted, envelope: Envelope
) -> None:
    handlers.apply_classification(
        proto.apply_classification(message), SessionBoundUnitOfWork(session)
    )


ROUTES = Routes(
    "contacts",
    on(
        "analytics.classification.completed",
        analytics_pb2.ClassificationCompleted,
        _classification_completed,
    ),
)
QUEUE = QueueSpec("contacts", bindings=ROUTES.event_types)


def apply_event(session: Session, envelope: Envelope) -> None:
    ROUTES.dispatch(session, envelope)
