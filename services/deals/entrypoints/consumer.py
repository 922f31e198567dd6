"""The deals event consumer: projections of counterparties, contact persons and interactions
(for reminders and the planner) and the timeline, from contacts' events and deals' own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy.orm import Session

from crm.events.v1 import analytics_pb2, contacts_pb2, deals_pb2, mail_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.consumer import dispatch_by_type
from crmkit.rabbit import QueueSpec
from services.deals.adapters.projections import SqlAlchemyProjections

QUEUE = QueueSpec(
    "deals",
    bindings=(
        "contacts.counterparty.*",
        "contacts.contact.*",
        "contacts.interaction.logged",
        "deals.deal.*",
        "deals.task.*",
        "deals.order.*",
        "deals.invoice.*",
        "deals.shipment.*",
        "analytics.deal.scored",
        "mail.received",
        "mail.sent",
    ),
)

DEAL_TITLES = {
    "deals.deal.created": ("deal", "Deal opened: {title}"),
    "deals.deal.won": ("deal_won", "Deal won: {title}"),
    "deals.deal.lost": ("deal_lost", "Deal lost: {title}"),
    "deals.deal.reopened": ("deal_reopened", "Deal reopened: {title}"),
}


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _entry(
    envelope: Envelope,
    kind: str,
    title: str,
    ref_id: str,
    deal_id: str | None,
    counterparty_id: str | None,
    at: datetime | None = None,
) -> dict[str, object]:
    occurred = _time(envelope.occurred_at) or datetime.now(UTC)
    return {
        "event_id": envelope.event_id,
        "deal_id": deal_id or None,
        "counterparty_id": counterparty_id or None,
        "kind": kind,
        "at": at or occurred,
        "title": title[:500],
        "ref_id": ref_id,
        "occurred_at": occurred,
        "projected_at": datetime.now(UTC),
    }


def _counterparty(p: SqlAlchemyProjections, e: Envelope) -> None:
    if e.type == "contacts.counterparty.deleted":
        p.counterparty_deleted(
            contacts_pb2.CounterpartyDeleted.FromString(e.payload).counterparty_id
        )
        return
    message = contacts_pb2.CounterpartyCreated.FromString(e.payload).counterparty
    p.counterparty(
        message.id, message.name, message.owner_id if message.HasField("owner_id") else None
    )


def _contact(p: SqlAlchemyProjections, e: Envelope) -> None:
    contact = contacts_pb2.ContactCreated.FromString(e.payload).contact
    birthday = date.fromisoformat(contact.birthday) if contact.HasField("birthday") else None
    p.contact(contact.id, contact.counterparty_id, contact.full_name, birthday)


def _interaction(p: SqlAlchemyProjections, e: Envelope) -> None:
    i = contacts_pb2.InteractionLogged.FromString(e.payload).interaction
    values = {
        "id": i.id,
        "counterparty_id": i.counterparty_id,
        "deal_id": i.deal_id if i.HasField("deal_id") else None,
        "owner_id": i.owner_id if i.HasField("owner_id") else None,
        "kind": i.kind,
        "subject": i.subject,
        "planned_at": _time(i.planned_at) if i.HasField("planned_at") else None,
        "done_at": _time(i.done_at) if i.HasField("done_at") else None,
    }
    p.interaction(values)
    at = values["done_at"] or values["planned_at"]
    p.add_to_timeline(_entry(e, i.kind, i.subject, i.id, values["deal_id"], i.counterparty_id, at))  # type: ignore[arg-type]


def _deal(p: SqlAlchemyProjections, e: Envelope) -> None:
    if e.type == "deals.deal.stage_changed":
        changed = deals_pb2.DealStageChanged.FromString(e.payload)
        deal = changed.deal
        title = f"{deal.title} → {changed.to_stage_name}" + (
            " (by the process)" if changed.automatic else ""
        )
        p.add_to_timeline(
            _entry(
                e, "deal_stage", title, deal.id, deal.id, deal.counterparty_id, _time(changed.at)
            )
        )
        return
    if e.type in DEAL_TITLES:
        deal = deals_pb2.DealChanged.FromString(e.payload).deal
        kind, title = DEAL_TITLES[e.type]
        at = _time(deal.created_at if kind == "deal" else deal.closed_at or deal.updated_at)
        entry = _entry(
            e, kind, title.format(title=deal.title), deal.id, deal.id, deal.counterparty_id, at
        )
        p.add_to_timeline(entry)


def _task(p: SqlAlchemyProjections, e: Envelope) -> None:
    task = deals_pb2.TaskChanged.FromString(e.payload).task
    done = e.type == "deals.task.completed"
    title = ("Task done: " if done else "Task: ") + task.title
    deal_id = task.deal_id if task.HasField("deal_id") else None
    counterparty_id = task.counterparty_id if task.HasField("counterparty_id") else None
    p.add_to_timeline(
        _entry(e, "task_done" if done else "task", title, task.id, deal_id, counterparty_id)
    )


ERP_TITLES = {"order": "Order", "invoice": "Invoice", "shipment": "Shipment"}


def _erp(p: SqlAlchemyProjections, e: Envelope) -> None:
    document = deals_pb2.ErpDocumentChanged.FromString(e.payload).document
    kind, change = e.type.split(".")[1:3]
    total = sum(Decimal(line.revenue or "0") for line in document.lines)
    amount = (
        f": {total:,.2f} {document.currency}"
        if kind != "shipment" and document.HasField("currency")
        else ""
    )
    title = f"{ERP_TITLES[kind]} {document.number} {change}{amount}"
    at = _time(document.paid_at) if change == "paid" and document.HasField("paid_at") else None
    if change in ("posted", "updated"):
        at = datetime.combine(
            date.fromisoformat(document.date), time.min, UTC
        )  # the document's own date
    deal_id = document.deal_id if document.HasField("deal_id") else None
    entry_kind = kind if change in ("posted", "updated") else f"{kind}_{change}"
    p.add_to_timeline(
        _entry(e, entry_kind, title, document.id, deal_id, document.counterparty_id, at)
    )


def _mail(p: SqlAlchemyProjections, e: Envelope) -> None:
    """An e-mail joins the timeline of each counterparty it concerns (and of its deal)."""
    logged = mail_pb2.MailLogged.FromString(e.payload)
    deal_id = logged.deal_id if logged.HasField("deal_id") else None
    kind = "mail_in" if logged.direction == "in" else "mail_out"
    title = ("E-mail from " if logged.direction == "in" else "E-mail sent: ") + (
        f"{logged.from_address}: {logged.subject}" if logged.direction == "in" else logged.subject
    )
    for counterparty_id in list(logged.counterparty_ids) or [None]:
        if counterparty_id is None and deal_id is None:
            return
        entry = _entry(
            e, kind, title, logged.message_id, deal_id, counterparty_id, _time(logged.at)
        )
        key = f"{e.event_id}:{counterparty_id or ''}"
        p.add_to_timeline(entry | {"event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, key))})


def _scored(p: SqlAlchemyProjections, e: Envelope) -> None:
    """The deal carries the model's fresh estimate; no event, as nobody changed the deal."""
    scored = analytics_pb2.DealScored.FromString(e.payload)
    p.win_probability(scored.deal_id, scored.probability, _time(scored.scored_at))


ROUTES: list[tuple[str, Callable[[SqlAlchemyProjections, Envelope], None]]] = [
    ("contacts.counterparty.", _counterparty),
    ("contacts.contact.", _contact),
    ("contacts.interaction.logged", _interaction),
    ("deals.deal.", _deal),
    ("deals.task.", _task),
    ("deals.order.", _erp),
    ("deals.invoice.", _erp),
    ("deals.shipment.", _erp),
    ("analytics.deal.scored", _scored),
    ("mail.", _mail),
]


def apply_event(session: Session, envelope: Envelope) -> None:
    dispatch_by_type(ROUTES, SqlAlchemyProjections(session), envelope, "deals")
