"""The deals event consumer: projections of counterparties, contact persons and interactions
(for reminders and the planner) and the timeline, from contacts' events and deals' own.

A timeline entry is a fact: its kind and parameters (which deal, from/to stage, amount...), from
which every reader composes the sentence in its own language. The English `title` is kept for
older clients and made from the same parameters."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy.orm import Session

from crm.events.v1.analytics_pb2 import DealScored
from crm.events.v1.contacts_pb2 import (
    ContactCreated,
    ContactUpdated,
    CounterpartyCreated,
    CounterpartyDeleted,
    CounterpartyUpdated,
    InteractionLogged,
)
from crm.events.v1.deals_pb2 import (
    DealChanged,
    DealStageChanged,
    ErpDocumentChanged,
    FileChanged,
    TaskChanged,
)
from crm.events.v1.envelope_pb2 import Envelope
from crm.events.v1.mail_pb2 import MailLogged, MessageAssigned
from crmkit.events import Routes, on
from crmkit.rabbit import QueueSpec
from services.deals.adapters.projections import (
    BatchedProjections,
    SqlAlchemyProjections,
    TimelineEntry,
)
from services.deals.domain.model import Notification

Projections = SqlAlchemyProjections

ENGLISH = {
    "deal": "Deal opened: {title}",
    "deal_won": "Deal won: {title}",
    "deal_lost": "Deal lost: {title}",
    "deal_reopened": "Deal reopened: {title}",
    "deal_stage": "{title} → {stage}",
    "deal_stage_automatic": "{title} → {stage} (by the process)",
    "task": "Task: {title}",
    "task_done": "Task done: {title}",
    "mail_in": "E-mail from {from}: {subject}",
    "mail_out": "E-mail sent: {subject}",
    "mail_assigned": "E-mail to answer by {due_date}: {subject}",
    "mail_assigned_undated": "E-mail to answer: {subject}",
    "file_attached": "File attached: {title}",
    "file_archived": "File archived: {title}",
    "file_restored": "File restored: {title}",
    "erp": "{document} {number} {change}",
    "erp_amount": "{document} {number} {change}: {amount} {currency}",
}
DEAL_KINDS = {
    "deals.deal.created": "deal",
    "deals.deal.won": "deal_won",
    "deals.deal.lost": "deal_lost",
    "deals.deal.reopened": "deal_reopened",
}
FILE_KINDS = {"attached": "file_attached", "archived": "file_archived", "restored": "file_restored"}
ERP_DOCUMENTS = {"order": "Order", "invoice": "Invoice", "shipment": "Shipment"}


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _entry(
    envelope: Envelope,
    kind: str,
    params: dict[str, str],
    title: str,
    ref_id: str,
    where: tuple[str | None, str | None],
    at: datetime | None = None,
) -> TimelineEntry:
    occurred = _time(envelope.occurred_at) or datetime.now(UTC)
    deal_id, counterparty_id = where
    return TimelineEntry(
        event_id=envelope.event_id,
        deal_id=deal_id or None,
        counterparty_id=counterparty_id or None,
        kind=kind,
        at=at or occurred,
        title=title[:500],
        params=params,
        ref_id=ref_id,
        occurred_at=occurred,
    )


def _counterparty(
    p: Projections, message: CounterpartyCreated | CounterpartyUpdated, _: Envelope
) -> None:
    counterparty = message.counterparty
    owner = counterparty.owner_id if counterparty.HasField("owner_id") else None
    archived = counterparty.HasField("archived_at")  # restored: deals may be opened again
    p.counterparty(counterparty.id, counterparty.name, owner, deleted=archived)


def _counterparty_deleted(p: Projections, message: CounterpartyDeleted, _: Envelope) -> None:
    p.counterparty_deleted(message.counterparty_id)


def _contact(p: Projections, message: ContactCreated | ContactUpdated, _: Envelope) -> None:
    contact = message.contact
    birthday = date.fromisoformat(contact.birthday) if contact.HasField("birthday") else None
    p.contact(contact.id, contact.counterparty_id, contact.full_name, birthday)


def _interaction(p: Projections, message: InteractionLogged, e: Envelope) -> None:
    """Logged, or changed since (done, rescheduled, archived, restored): the interaction as it is
    now replaces what the planner and the timelines had of it."""
    i = message.interaction
    if i.HasField("archived_at"):
        p.forget_interaction(i.id)
        return
    deal_id = i.deal_id if i.HasField("deal_id") else None
    planned_at = _time(i.planned_at) if i.HasField("planned_at") else None
    done_at = _time(i.done_at) if i.HasField("done_at") else None
    p.interaction(
        {
            "id": i.id,
            "counterparty_id": i.counterparty_id,
            "deal_id": deal_id,
            "owner_id": i.owner_id if i.HasField("owner_id") else None,
            "kind": i.kind,
            "subject": i.subject,
            "planned_at": planned_at,
            "done_at": done_at,
        }
    )
    params = {"subject": i.subject}
    where = (deal_id, i.counterparty_id)
    if e.type == "contacts.interaction.updated":  # a first one has no entry to replace
        p.forget_entries_of(i.id)
    p.add_to_timeline(_entry(e, i.kind, params, i.subject, i.id, where, done_at or planned_at))


def _stage_changed(p: Projections, changed: DealStageChanged, e: Envelope) -> None:
    deal = changed.deal
    params = {"title": deal.title, "stage": changed.to_stage_name}
    if changed.from_stage_id:
        params["from_stage_id"] = changed.from_stage_id
    params["to_stage_id"] = changed.to_stage_id
    params["automatic"] = "true" if changed.automatic else "false"
    title = ENGLISH["deal_stage_automatic" if changed.automatic else "deal_stage"].format(**params)
    where = (deal.id, deal.counterparty_id)
    p.add_to_timeline(_entry(e, "deal_stage", params, title, deal.id, where, _time(changed.at)))


def _deal(p: Projections, message: DealChanged, e: Envelope) -> None:
    deal = message.deal
    kind = DEAL_KINDS[e.type]
    params = {"title": deal.title}
    if deal.amount:
        params |= {"amount": deal.amount, "currency": deal.currency}
    at = _time(deal.created_at if kind == "deal" else deal.closed_at or deal.updated_at)
    title = ENGLISH[kind].format(**params)
    p.add_to_timeline(_entry(e, kind, params, title, deal.id, (deal.id, deal.counterparty_id), at))


def _task(p: Projections, message: TaskChanged, e: Envelope) -> None:
    """Created or done: an entry each. Changed since (reassigned, archived, restored): the task as
    it is now replaces its entries; an archived one has none."""
    task = message.task
    if e.type == "deals.task.updated":
        p.forget_entries_of(task.id)
        if task.HasField("archived_at"):
            return
    done = e.type == "deals.task.completed" or (
        e.type == "deals.task.updated" and task.status == "done"
    )
    kind = "task_done" if done else "task"
    params = {"title": task.title}
    if task.due_date:
        params["due_date"] = task.due_date
    deal_id = task.deal_id if task.HasField("deal_id") else None
    counterparty_id = task.counterparty_id if task.HasField("counterparty_id") else None
    title = ENGLISH[kind].format(**params)
    p.add_to_timeline(_entry(e, kind, params, title, task.id, (deal_id, counterparty_id)))


def _file(p: Projections, changed: FileChanged, e: Envelope) -> None:
    """Attached, archived or restored: a fact each, in the timeline of its deal and of its
    counterparty (its own, or its deal's). A new title tells nobody."""
    kind = FILE_KINDS.get(changed.action)
    if kind is None:
        return
    file = changed.file
    params = {"title": file.title, "filename": file.filename, "size": str(file.size)}
    deal_id = file.deal_id if file.HasField("deal_id") else None
    counterparty_id = changed.counterparty_id if changed.HasField("counterparty_id") else None
    at = _time(file.uploaded_at) if kind == "file_attached" else None
    if kind == "file_archived" and file.HasField("archived_at"):
        at = _time(file.archived_at)
    title = ENGLISH[kind].format(**params)
    where = (deal_id, counterparty_id)
    p.add_to_timeline(_entry(e, kind, params, title, file.id, where, at))


def _erp(p: Projections, message: ErpDocumentChanged, e: Envelope) -> None:
    document = message.document
    kind, change = e.type.split(".")[1:3]
    params = {"number": document.number, "change": change}
    if kind != "shipment" and document.HasField("currency"):
        total = sum(Decimal(line.revenue or "0") for line in document.lines)
        params |= {"amount": f"{total:.2f}", "currency": document.currency}
    english = {**params, "document": ERP_DOCUMENTS[kind]}
    if "amount" in params:
        english["amount"] = f"{Decimal(params['amount']):,.2f}"
    title = ENGLISH["erp_amount" if "amount" in params else "erp"].format(**english)
    at = _time(document.paid_at) if change == "paid" and document.HasField("paid_at") else None
    if change in ("posted", "updated"):
        at = datetime.combine(date.fromisoformat(document.date), time.min, UTC)  # its own date
    deal_id = document.deal_id if document.HasField("deal_id") else None
    entry_kind = kind if change in ("posted", "updated") else f"{kind}_{change}"
    where = (deal_id, document.counterparty_id)
    p.add_to_timeline(_entry(e, entry_kind, params, title, document.id, where, at))


def _mail(p: Projections, logged: MailLogged, e: Envelope) -> None:
    """An e-mail joins the timeline of each counterparty it concerns (and of its deal)."""
    deal_id = logged.deal_id if logged.HasField("deal_id") else None
    incoming = logged.direction == "in"
    kind = "mail_in" if incoming else "mail_out"
    params = {"subject": logged.subject} | ({"from": logged.from_address} if incoming else {})
    title = ENGLISH[kind].format(**params)
    concerned: list[str | None] = [*logged.counterparty_ids] or [None]
    for counterparty_id in concerned:
        if counterparty_id is None and deal_id is None:
            return
        where = (deal_id, counterparty_id)
        entry = _entry(e, kind, params, title, logged.message_id, where, _time(logged.at))
        key = f"{e.event_id}:{counterparty_id or ''}"
        entry.event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, key))
        p.add_to_timeline(entry)


def _mail_assigned(p: Projections, assigned: MessageAssigned, e: Envelope) -> None:
    """Whoever a message is handed to hears of it in the bell (not who hands it to himself)."""
    by = assigned.assigned_by if assigned.HasField("assigned_by") else None
    if by == assigned.assignee_id:
        return
    params = {"subject": assigned.subject}
    if assigned.HasField("due_date"):
        params["due_date"] = assigned.due_date
    kind = "mail_assigned" if "due_date" in params else "mail_assigned_undated"
    p.notify(
        Notification(
            assigned.assignee_id,
            "mail_assigned",
            ENGLISH[kind].format(**params),
            assigned.message_id,
            f"mail_assigned:{e.event_id}",
            params=params,
        )
    )


def _scored(p: Projections, scored: DealScored, _: Envelope) -> None:
    """The deal carries the model's fresh estimate; no event, as nobody changed the deal."""
    p.win_probability(scored.deal_id, scored.probability, _time(scored.scored_at))


ERP_TYPES = [
    f"deals.{kind}.{change}"
    for kind, changes in (
        ("order", ("posted", "updated")),
        ("invoice", ("posted", "updated", "paid", "overdue")),
        ("shipment", ("posted", "updated")),
    )
    for change in changes
]

ROUTES: Routes[Projections] = Routes(
    "deals",
    on("contacts.counterparty.created", CounterpartyCreated, _counterparty),
    on("contacts.counterparty.updated", CounterpartyUpdated, _counterparty),
    on("contacts.counterparty.deleted", CounterpartyDeleted, _counterparty_deleted),
    on("contacts.contact.created", ContactCreated, _contact),
    on("contacts.contact.updated", ContactUpdated, _contact),
    on(
        ["contacts.interaction.logged", "contacts.interaction.updated"],
        InteractionLogged,
        _interaction,
    ),
    on("deals.deal.stage_changed", DealStageChanged, _stage_changed),
    on(list(DEAL_KINDS), DealChanged, _deal),
    on(["deals.task.created", "deals.task.completed", "deals.task.updated"], TaskChanged, _task),
    on(ERP_TYPES, ErpDocumentChanged, _erp),
    on(["deals.file.attached", "deals.file.updated"], FileChanged, _file),
    on("analytics.deal.scored", DealScored, _scored),
    on(["mail.received", "mail.sent"], MailLogged, _mail),
    on("mail.message.assigned", MessageAssigned, _mail_assigned),
)

QUEUE = QueueSpec("deals", bindings=ROUTES.event_types)


def apply_event(session: Session, envelope: Envelope) -> None:
    ROUTES.dispatch(SqlAlchemyProjections(session), envelope)


def apply_events(session: Session, envelopes: list[Envelope]) -> None:
    """A batch in its order, its timeline entries and win probabilities written at its end in one
    statement each (the timeline's lag under load was the consumer's two statements per event)."""
    projections = BatchedProjections(session)
    for envelope in envelopes:
        ROUTES.dispatch(projections, envelope)
    projections.write()
