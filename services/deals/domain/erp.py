"""Documents an ERP pushes in: customer and internal orders, invoices, shipments. Plain
values, checked and reduced to what is stored and what a change is measured by."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crmkit.errors import FieldError

ORDER_KINDS = ("customer", "internal")
ORDER_STATUSES = ("open", "fulfilled", "failed", "cancelled")
INVOICE_STATUSES = ("posted", "cancelled")
KINDS = ("order", "invoice", "shipment")
MONEY = Decimal("0.01")


@dataclass
class Outcome:
    """What became of one document of a batch."""

    index: int
    kind: str
    external_id: str
    outcome: str = "rejected"  # created | updated | unchanged | rejected
    id: str = ""
    errors: list[FieldError] = field(default_factory=list)


class DocumentRejected(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass
class Line:
    sku: str
    quantity: Decimal
    name: str = ""
    price: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)

    @property
    def revenue(self) -> Decimal:
        return (self.quantity * self.price - self.discount).quantize(MONEY)

    @property
    def gross_profit(self) -> Decimal:
        return (self.revenue - self.quantity * self.cost).quantize(MONEY)

    def stored(self) -> dict[str, str]:
        return {
            "sku": self.sku,
            "name": self.name,
            "quantity": str(self.quantity),
            "price": str(self.price),
            "cost": str(self.cost),
            "discount": str(self.discount),
        }

    @classmethod
    def from_stored(cls, stored: dict[str, str]) -> Line:
        return cls(
            sku=stored["sku"],
            name=stored.get("name", ""),
            quantity=Decimal(stored["quantity"]),
            price=Decimal(stored["price"]),
            cost=Decimal(stored["cost"]),
            discount=Decimal(stored["discount"]),
        )


@dataclass
class ErpDocument:
    """One order, invoice or shipment as the ERP sent it, with its counterparty resolved."""

    kind: str
    external_id: str
    number: str
    date: date
    counterparty_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    # Given when stored; not part of what a resend is compared by.
    id: str = ""
    owner_id: str | None = None  # the deal's owner, else the counterparty's
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.external_id)

    def row(self) -> dict[str, Any]:
        """The stored columns, and the fingerprint a resend is compared by."""
        values = {
            "external_id": self.external_id,
            "number": self.number,
            "date": self.date,
            "counterparty_id": self.counterparty_id,
            **self.fields,
            "lines": [line.stored() for line in self.lines],
        }
        values["content_hash"] = fingerprint(values)
        return values


@dataclass(frozen=True, kw_only=True)
class ErpFilter:
    kind: str
    counterparty_id: str | None
    deal_id: str | None
    date_from: date | None
    date_to: date | None


@dataclass(frozen=True)
class StoredVersion:
    """What a resend is compared with: the stored document's id, fingerprint and payment."""

    id: str
    content_hash: str
    paid: bool
    created_at: datetime


def fingerprint(values: dict[str, Any]) -> str:
    text = json.dumps(values, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def check(document: ErpDocument) -> None:
    """The rules an ERP document must meet; every broken one is reported, by field."""
    errors: list[FieldError] = []
    kind_rules = {"order": _order_rules, "invoice": _invoice_rules, "shipment": _shipment_rules}
    errors += kind_rules[document.kind](document)
    for index, line in enumerate(document.lines):
        if line.quantity <= 0:
            errors.append(FieldError(f"lines.{index}.quantity", "must be more than zero"))
        for name in ("price", "cost", "discount"):
            if getattr(line, name) < 0:
                errors.append(FieldError(f"lines.{index}.{name}", "cannot be negative"))
    if errors:
        raise DocumentRejected(errors)


def _order_rules(document: ErpDocument) -> list[FieldError]:
    errors = []
    if document.fields.get("status") == "failed" and not document.fields.get("failure_reason_id"):
        errors.append(FieldError("failure_reason", "is required when the order failed"))
    return errors


def _invoice_rules(document: ErpDocument) -> list[FieldError]:
    errors = []
    due = document.fields.get("due_date")
    if due is not None and due < document.date:
        errors.append(FieldError("due_date", "comes before the invoice date"))
    if not document.lines:
        errors.append(FieldError("lines", "an invoice needs at least one line"))
    return errors


def _shipment_rules(document: ErpDocument) -> list[FieldError]:
    return [] if document.lines else [FieldError("lines", "a shipment needs at least one line")]
