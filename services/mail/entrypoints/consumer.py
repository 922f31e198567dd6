"""The mail consumer: whose address is whose, from contacts' events (to link messages), and the
events automatic rules may be about."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from crm.events.v1 import contacts_pb2, deals_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.events import Routes, on
from crmkit.rabbit import QueueSpec
from services.mail.adapters import proto
from services.mail.adapters.unit_of_work import SessionBoundUnitOfWork
from services.mail.service_layer import address_book, rules
from services.mail.service_layer.unit_of_work import UnitOfWork

M = TypeVar("M", bound=Message)


def _and_rules(
    apply: Callable[[UnitOfWork, M], None] | None = None,
) -> Callable[[UnitOfWork, M, Envelope], None]:
    """Applies the event to the address book (when it changes it), then schedules the mails
    of the rules about it."""

    def deliver(uow: UnitOfWork, message: M, envelope: Envelope) -> None:
        if apply is not None:
            apply(uow, message)
        rules.schedule_rule_mails(proto.schedule_rule_mails(message, envelope), uow)

    return deliver


def _counterparty(
    uow: UnitOfWork, message: contacts_pb2.CounterpartyCreated | contacts_pb2.CounterpartyUpdated
) -> None:
    address_book.record_counterparty(proto.record_counterparty(message.counterparty), uow)


def _deleted(uow: UnitOfWork, message: contacts_pb2.CounterpartyDeleted) -> None:
    address_book.forget_counterparty(proto.forget_counterparty(message.counterparty_id), uow)


def _contact(
    uow: UnitOfWork, message: contacts_pb2.ContactCreated | contacts_pb2.ContactUpdated
) -> None:
    address_book.record_contact(proto.record_contact(message.contact), uow)


DEAL_EVENTS = ["created", "updated", "won", "lost", "reopened"]
ERP_EVENTS = [
    "deals.order.posted", "deals.order.updated",
    "deals.invoice.posted", "deals.invoice.updated", "deals.invoice.paid", "deals.invoice.overdue",
    "deals.shipment.posted", "deals.shipment.updated",
]  # fmt: skip

ROUTES: Routes[UnitOfWork] = Routes(
    "mail",
    on(
        "contacts.counterparty.created", contacts_pb2.CounterpartyCreated, _and_rules(_counterparty)
    ),
    on(
        "contacts.counterparty.updated", contacts_pb2.CounterpartyUpdated, _and_rules(_counterparty)
    ),
    on("contacts.counterparty.deleted", contacts_pb2.CounterpartyDeleted, _and_rules(_deleted)),
    on("contacts.contact.created", contacts_pb2.ContactCreated, _and_rules(_contact)),
    on("contacts.contact.updated", contacts_pb2.ContactUpdated, _and_rules(_contact)),
    on([f"deals.deal.{kind}" for kind in DEAL_EVENTS], deals_pb2.DealChanged, _and_rules()),
    on("deals.deal.stage_changed", deals_pb2.DealStageChanged, _and_rules()),
    on(ERP_EVENTS, deals_pb2.ErpDocumentChanged, _and_rules()),
)
# The address book, and the events automatic rules may be about.
QUEUE = QueueSpec("mail", bindings=ROUTES.event_types)


def apply_event(session: Session, envelope: Envelope) -> None:
    """Inside the inbox's transaction: the event and its effect commit together."""
    ROUTES.dispatch(SessionBoundUnitOfWork(session), envelope)
