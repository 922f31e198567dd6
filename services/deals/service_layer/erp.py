"""Orders, invoices and shipments from the ERP: stored once per external id, updated when
they change, each change told once through the outbox. A bad document is reported by field
and does not stop the rest of its batch; the batch commits as one transaction, so a crash
loses nothing the ERP was told was stored."""

from __future__ import annotations

from datetime import datetime

from crmkit.domain import Event
from crmkit.errors import FieldError, InvalidInput
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.domain import commands, erp, events, model
from services.deals.service_layer.unit_of_work import CounterpartyDirectory, Listed, UnitOfWork

AREA = "erp"
MAX_BATCH = 1000


class CounterpartyResolver:
    """Finds counterparties by id, tax id or external id, asking contacts once per value."""

    def __init__(self, directory: CounterpartyDirectory) -> None:
        self.directory = directory
        self.known: dict[tuple[str, str], str | None] = {}

    def resolve(self, reference: commands.CounterpartyReference) -> str:
        asked = (reference.lookup, reference.value)
        if asked not in self.known:
            self.known[asked] = self.directory.find(reference.lookup, reference.value)
        found = self.known[asked]
        if found is None:
            message = f"no counterparty has {reference.lookup} {reference.value!r}"
            raise erp.DocumentRejected([FieldError(reference.field, message)])
        return found


def _read(
    received: commands.ReceivedErpDocument, resolver: CounterpartyResolver
) -> erp.ErpDocument:
    """The document with its counterparty found, or why it is rejected (the counterparty first)."""
    counterparty_id = resolver.resolve(received.reference) if received.reference else ""
    if received.errors or received.document is None:
        raise erp.DocumentRejected(received.errors)
    received.document.counterparty_id = counterparty_id
    return received.document


# -- ingesting -----------------------------------------------------------------------------
def ingest(
    command: commands.IngestErpBatch,
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    actor: Identity,
) -> list[erp.Outcome]:
    actor.require_writer(AREA)
    if len(command.documents) > MAX_BATCH:
        raise InvalidInput.field("documents", f"at most {MAX_BATCH} documents in one batch")
    outcomes = [erp.Outcome(i, d.kind, d.external_id) for i, d in enumerate(command.documents)]
    resolver = CounterpartyResolver(directory)
    ready: dict[int, erp.ErpDocument] = {}
    seen: set[tuple[str, str]] = set()
    for index, received in enumerate(command.documents):
        try:
            document = _read(received, resolver)
            if document.key in seen:
                raise erp.DocumentRejected(
                    [FieldError("external_id", "appears twice in this batch")]
                )
            seen.add(document.key)
            ready[index] = document
        except erp.DocumentRejected as rejected:
            outcomes[index].errors = rejected.errors
    with uow:
        checked = _checked(uow, ready, outcomes)
        _store(uow, checked, outcomes)
        uow.commit()
    return outcomes


def _checked(
    uow: UnitOfWork, ready: dict[int, erp.ErpDocument], outcomes: list[erp.Outcome]
) -> dict[int, erp.ErpDocument]:
    """Checks what needs the database (deals, failure reasons) and gives each its owner."""
    deals = uow.deals.of_ids(
        {d.fields["deal_id"] for d in ready.values() if d.fields.get("deal_id")}
    )
    owners = uow.projections.owners({d.counterparty_id for d in ready.values()})
    checked: dict[int, erp.ErpDocument] = {}
    now = model.utcnow()
    for index, document in ready.items():
        try:
            deal_id = document.fields.get("deal_id")
            if deal_id and deal_id not in deals:
                raise erp.DocumentRejected(
                    [FieldError("deal_id", f"deal {deal_id!r} does not exist")]
                )
            if document.fields.get("failure_reason_id"):
                document.fields["failure_reason_id"] = _failure_reason(
                    uow, document.fields["failure_reason_id"]
                )
            erp.check(document)
        except erp.DocumentRejected as rejected:
            outcomes[index].errors = rejected.errors
            continue
        document.owner_id = (
            deals[deal_id].owner_id if deal_id else owners.get(document.counterparty_id)
        )
        document.id, document.created_at, document.updated_at = model.new_id(), now, now
        checked[index] = document
    return checked


def _failure_reason(uow: UnitOfWork, given: str) -> str:
    """A reason from the catalogue, by id or name; a name the ERP uses first is added to it."""
    known = uow.lost_reasons.get(given) or uow.lost_reasons.named(given.strip())
    if known is None:
        known = model.LostReason(name=given, kind="order")
        uow.lost_reasons.add(known)
    return known.id


def _store(
    uow: UnitOfWork, documents: dict[int, erp.ErpDocument], outcomes: list[erp.Outcome]
) -> None:
    keys = {index: document.key for index, document in documents.items()}
    existing = uow.erp.existing(list(keys.values()))
    inserted = uow.erp.insert_new([documents[i] for i, key in keys.items() if key not in existing])
    raced = [key for key in keys.values() if key not in existing and key not in inserted]
    existing |= uow.erp.existing(raced)  # another batch stored them first: compare with theirs
    changed = []
    for index, key in keys.items():
        document, outcome = documents[index], outcomes[index]
        if key in inserted:
            outcome.outcome, outcome.id = "created", document.id
            _publish(uow, document, events.ErpDocumentPosted(document), was_paid=False)
            continue
        before = existing[key]
        outcome.id = document.id = before.id
        if before.content_hash == document.row()["content_hash"]:
            outcome.outcome = "unchanged"
            continue
        outcome.outcome, document.created_at = "updated", before.created_at
        changed.append(document)
        _publish(uow, document, events.ErpDocumentUpdated(document), was_paid=before.paid)
    uow.erp.update_changed(changed)


def _publish(uow: UnitOfWork, document: erp.ErpDocument, change: Event, was_paid: bool) -> None:
    uow.publish(change)
    if document.kind == "invoice" and document.fields.get("paid_at") is not None and not was_paid:
        uow.publish(events.InvoicePaid(document))


def list_documents(uow: UnitOfWork, wanted: erp.ErpFilter, page: Page) -> Listed[erp.ErpDocument]:
    with uow:
        return uow.views.erp_documents(wanted, page)


def announce_overdue_invoices(uow: UnitOfWork, now: datetime) -> int:
    """`deals.invoice.overdue`, once per invoice, for the mail service's payment reminders."""
    with uow:
        overdue = uow.erp.overdue_unannounced(now.date())
        for invoice in overdue:
            uow.publish(events.InvoiceOverdue(invoice))
        uow.erp.mark_announced([invoice.id for invoice in overdue], now)
        uow.commit()
    return len(overdue)
