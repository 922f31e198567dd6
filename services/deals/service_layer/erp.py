"""Orders, invoices and shipments from the ERP: stored once per external id, updated when
they change, each change told once through the outbox. A bad document is reported by field
and does not stop the rest of its batch; the batch commits as one transaction, so a crash
loses nothing the ERP was told was stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from crm.deals.v1 import deals_pb2 as pb
from crm.events.v1 import deals_pb2 as events
from crmkit.errors import FieldError, InvalidInput
from crmkit.identity import Identity
from crmkit.paging import Page
from crmkit.protobuf import as_text, parse_date, parse_decimal, parse_time
from services.deals.adapters import orm
from services.deals.domain import erp, model
from services.deals.service_layer.unit_of_work import CounterpartyDirectory
from services.deals.service_layer.unit_of_work import SqlAlchemyUnitOfWork as UnitOfWork

AREA = "erp"
MAX_BATCH = 1000
REFERENCES = ("counterparty_id", "counterparty_tax_id", "counterparty_external_id")
# Every stored column, so that the rows of a batch (orders beside invoices) share one shape;
# the overdue mark is the scan's, never overwritten by a resend.
EMPTY_ROW = dict.fromkeys(c.name for c in orm.erp_documents.c if c.name != "overdue_announced_at")


@dataclass
class Outcome:
    index: int
    kind: str
    external_id: str
    outcome: str = "rejected"  # created | updated | unchanged | rejected
    id: str = ""
    errors: list[FieldError] = field(default_factory=list)


class CounterpartyResolver:
    """Finds counterparties by id, tax id or external id, asking contacts once per value."""

    def __init__(self, directory: CounterpartyDirectory) -> None:
        self.directory = directory
        self.known: dict[tuple[str, str], str | None] = {}

    def resolve(self, message: pb.ErpDocument) -> str:
        given = [name for name in REFERENCES if message.HasField(name)]
        if not given:
            raise erp.DocumentRejected(
                [
                    FieldError(
                        "counterparty_id", "name the counterparty by id, tax id or external id"
                    )
                ]
            )
        name = given[0]
        value = getattr(message, name)
        lookup = {
            "counterparty_id": "id",
            "counterparty_tax_id": "tax_id",
            "counterparty_external_id": "external_id",
        }[name]
        if (lookup, value) not in self.known:
            self.known[(lookup, value)] = self.directory.find(lookup, value)
        found = self.known[(lookup, value)]
        if found is None:
            raise erp.DocumentRejected(
                [FieldError(name, f"no counterparty has {lookup} {value!r}")]
            )
        return found


def _parsed(parse: Any, value: str | None, name: str) -> Any:
    try:
        return parse(value, name)
    except InvalidInput as error:
        raise erp.DocumentRejected(error.errors) from None


def _lines(message: pb.ErpDocument) -> list[erp.Line]:
    lines = []
    for index, line in enumerate(message.lines):
        try:
            quantity, price, cost, discount = (
                Decimal(v or "0")
                for v in (line.quantity or "", line.price, line.cost, line.discount)
            )
        except InvalidOperation:
            raise erp.DocumentRejected([_bad_amount(index, line)]) from None
        lines.append(erp.Line(line.sku, quantity, line.name, price, cost, discount))
    return lines


def _bad_amount(index: int, line: pb.ErpLine) -> FieldError:
    if not line.quantity:
        return FieldError(f"lines.{index}.quantity", "is required")
    for name in ("quantity", "price", "cost", "discount"):
        try:
            parse_decimal(getattr(line, name) or None, name)
        except InvalidInput:
            return FieldError(
                f"lines.{index}.{name}", f"must be a decimal number; got {getattr(line, name)!r}"
            )
    return FieldError(f"lines.{index}", "has an amount that is not a number")


def _opt(message: pb.ErpDocument, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


def _kind_fields(message: pb.ErpDocument) -> dict[str, Any]:
    common = {"deal_id": _opt(message, "deal_id"), "currency": _opt(message, "currency")}
    if message.kind == "order":
        failure = _opt(message, "failure_reason")
        return common | {
            "order_kind": _opt(message, "order_kind") or "customer",
            "status": _opt(message, "status") or "open",
            "failure_reason_id": failure,
        }
    if message.kind == "invoice":
        return common | {
            "due_date": _parsed(parse_date, _opt(message, "due_date"), "due_date"),
            "order_external_id": _opt(message, "order_external_id"),
            "paid_at": _parsed(parse_time, _opt(message, "paid_at"), "paid_at"),
            "status": _opt(message, "status") or "posted",
        }
    return common | {"invoice_external_id": _opt(message, "invoice_external_id")}


def to_document(message: pb.ErpDocument, resolver: CounterpartyResolver) -> erp.ErpDocument:
    if message.kind not in erp.KINDS:
        raise erp.DocumentRejected([FieldError("kind", "must be order, invoice or shipment")])
    missing = [
        FieldError(name, "is required")
        for name in ("external_id", "number", "date")
        if not getattr(message, name)
    ]
    if missing:
        raise erp.DocumentRejected(missing)
    when = _parsed(parse_date, message.date, "date")
    fields = _kind_fields(message)
    return erp.ErpDocument(
        message.kind,
        message.external_id,
        message.number,
        when,
        resolver.resolve(message),
        fields,
        _lines(message),
    )


# -- ingesting -----------------------------------------------------------------------------
def ingest(
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    messages: list[pb.ErpDocument],
    actor: Identity,
) -> list[Outcome]:
    actor.require_writer(AREA)
    if len(messages) > MAX_BATCH:
        raise InvalidInput.field("documents", f"at most {MAX_BATCH} documents in one batch")
    outcomes = [Outcome(index, m.kind, m.external_id) for index, m in enumerate(messages)]
    resolver = CounterpartyResolver(directory)
    ready: dict[int, erp.ErpDocument] = {}
    seen: set[tuple[str, str]] = set()
    for index, message in enumerate(messages):
        try:
            document = to_document(message, resolver)
            if (document.kind, document.external_id) in seen:
                raise erp.DocumentRejected(
                    [FieldError("external_id", "appears twice in this batch")]
                )
            seen.add((document.kind, document.external_id))
            ready[index] = document
        except erp.DocumentRejected as rejected:
            outcomes[index].errors = rejected.errors
    with uow:
        rows = _rows(uow, ready, outcomes)
        _store(uow, rows, ready, outcomes)
        uow.commit()
    return outcomes


def _rows(
    uow: UnitOfWork, ready: dict[int, erp.ErpDocument], outcomes: list[Outcome]
) -> dict[int, dict[str, Any]]:
    """Checks what needs the database (deals, failure reasons) and builds the stored rows."""
    deal_ids = {d.fields["deal_id"] for d in ready.values() if d.fields.get("deal_id")}
    deals = {
        deal.id: deal
        for deal in uow.session.scalars(select(model.Deal).where(orm.deals.c.id.in_(deal_ids)))
    }
    owners = uow.projections.owners({d.counterparty_id for d in ready.values()})
    rows: dict[int, dict[str, Any]] = {}
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
        owner = deals[deal_id].owner_id if deal_id else owners.get(document.counterparty_id)
        rows[index] = {
            **EMPTY_ROW,
            **document.row(),
            "kind": document.kind,
            "owner_id": owner,
            "id": model.new_id(),
            "created_at": now,
            "updated_at": now,
        }
    return rows


def _failure_reason(uow: UnitOfWork, given: str) -> str:
    """A reason from the catalogue, by id or name; a name the ERP uses first is added to it."""
    c = orm.lost_reasons.c
    known: model.LostReason | None = uow.lost_reasons.get(given) or uow.lost_reasons.first(
        c.name == given.strip()
    )
    if known is None:
        known = model.LostReason(name=given, kind="order")
        uow.lost_reasons.add(known)
        uow.session.flush()
    return known.id


def _store(
    uow: UnitOfWork,
    rows: dict[int, dict[str, Any]],
    documents: dict[int, erp.ErpDocument],
    outcomes: list[Outcome],
) -> None:
    keys = {index: (row["kind"], row["external_id"]) for index, row in rows.items()}
    existing = uow.erp.existing(list(keys.values()))
    fresh = [rows[i] for i, key in keys.items() if key not in existing]
    inserted = uow.erp.insert_new(fresh)
    raced = [key for i, key in keys.items() if key not in existing and key not in inserted]
    existing |= uow.erp.existing(raced)  # another batch stored them first: compare with theirs
    changed, published = [], []
    for index, key in keys.items():
        row, outcome = rows[index], outcomes[index]
        if key in inserted:
            outcome.outcome, outcome.id = "created", row["id"]
            published += _events(row, documents[index].lines, "posted", was_paid=False)
            continue
        before = existing[key]
        outcome.id = row["id"] = before.id
        if before.content_hash == row["content_hash"]:
            outcome.outcome = "unchanged"
            continue
        outcome.outcome, row["created_at"] = "updated", before.created_at
        changed.append(row)
        published += _events(
            row, documents[index].lines, "updated", was_paid=before.paid_at is not None
        )
    uow.erp.update_changed(changed)
    uow.events.add_many(published)


def _events(
    row: dict[str, Any], lines: list[erp.Line], change: str, was_paid: bool
) -> list[tuple[str, str, Any]]:
    message = events.ErpDocumentChanged(document=document_message(row, lines))
    found = [(f"deals.{row['kind']}.{change}", row["id"], message)]
    if row["kind"] == "invoice" and row.get("paid_at") is not None and not was_paid:
        found.append(("deals.invoice.paid", row["id"], message))
    return found


def document_message(row: Any, lines: list[erp.Line] | None = None) -> pb.ErpDocument:
    """The event and list form of a stored document (its lines' figures computed here)."""
    values = dict(row) if isinstance(row, dict) else dict(row._mapping)
    message = pb.ErpDocument(
        kind=values["kind"],
        id=values["id"],
        external_id=values["external_id"],
        number=values["number"],
    )
    for name in (
        "date",
        "counterparty_id",
        "deal_id",
        "currency",
        "order_kind",
        "status",
        "failure_reason_id",
        "due_date",
        "order_external_id",
        "paid_at",
        "invoice_external_id",
        "owner_id",
        "created_at",
        "updated_at",
    ):
        text = as_text(values.get(name))
        if text is not None:
            setattr(message, name, text)
    for line in lines if lines is not None else [_line(stored) for stored in values["lines"]]:
        message.lines.add(
            **line.stored(), revenue=str(line.revenue), gross_profit=str(line.gross_profit)
        )
    return message


def _line(stored: dict[str, str]) -> erp.Line:
    amounts = {k: Decimal(stored[k]) for k in ("quantity", "price", "cost", "discount")}
    return erp.Line(sku=stored["sku"], name=stored.get("name", ""), **amounts)


def list_documents(
    uow: UnitOfWork,
    kind: str,
    counterparty_id: str | None,
    deal_id: str | None,
    date_from: date | None,
    date_to: date | None,
    page: Page,
) -> tuple[list[Any], int]:
    with uow:
        return uow.erp.search(kind, counterparty_id, deal_id, date_from, date_to, page)


def announce_overdue_invoices(uow: UnitOfWork, now: datetime) -> int:
    """`deals.invoice.overdue`, once per invoice, for the mail service's payment reminders."""
    with uow:
        overdue = uow.erp.overdue_unannounced(now.date())
        published = [
            (
                "deals.invoice.overdue",
                row.id,
                events.ErpDocumentChanged(document=document_message(row)),
            )
            for row in overdue
        ]
        uow.events.add_many(published)
        uow.erp.mark_announced([row.id for row in overdue], now)
        uow.commit()
    return len(overdue)
