"""Counterparties and everything known about them. Plain classes: no I/O here."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

from crmkit.domain import FieldChanges, Lifecycle, assign
from crmkit.errors import InvalidInput
from crmkit.text import searchable

T = TypeVar("T")

LEGAL_KINDS = ("individual", "legal_entity")
ROLES = ("customer", "supplier", "competitor", "partner", "contractor", "influencer")
STATUSES = ("potential", "one_time", "regular", "lost")
ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
RELATIONSHIP_KINDS = (
    "parent_of", "division_of", "partner_of", "competitor_of", "supplier_of", "customer_of",
    "contractor_of", "influencer_of", "affiliated_with",
)  # fmt: skip
INTERACTION_KINDS = ("call", "meeting", "note")
# What ANALYTICS.md counts as a complete card; the contact person is checked separately.
COMPLETENESS_FIELDS = (
    "name", "legal_kind", "tax_id", "region", "industry", "email", "phone", "address",
)  # fmt: skip


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class NotSent(enum.Enum):
    """A field the caller did not send: it stays as it is (None would clear it)."""

    NOT_SENT = "not sent"


NOT_SENT = NotSent.NOT_SENT


def given(value: T | NotSent) -> T | None:
    """A sent value, or None for one that was not sent."""
    return None if isinstance(value, NotSent) else value


def _sent(changes: CounterpartyChanges | ContactChanges | InteractionChanges) -> dict[str, object]:
    """The fields of a changes dataclass that the caller sent, by name."""
    found = {item.name: getattr(changes, item.name) for item in fields(changes)}
    return {name: value for name, value in found.items() if not isinstance(value, NotSent)}


@dataclass(frozen=True)
class CounterpartyChanges:
    """What a caller sends of a counterparty card; every field left out stays as it is."""

    name: str | NotSent = NOT_SENT
    legal_kind: str | NotSent | None = NOT_SENT
    roles: tuple[str, ...] | NotSent = NOT_SENT
    tax_id: str | NotSent | None = NOT_SENT
    region: str | NotSent | None = NOT_SENT
    industry: str | NotSent | None = NOT_SENT
    email: str | NotSent | None = NOT_SENT
    phone: str | NotSent | None = NOT_SENT
    address: str | NotSent | None = NOT_SENT
    group_id: str | NotSent | None = NOT_SENT
    parent_id: str | NotSent | None = NOT_SENT
    owner_id: str | NotSent | None = NOT_SENT
    external_id: str | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class InteractionChanges:
    """What a caller changes of a logged or planned interaction: rescheduling is a new
    `planned_at`; being done is `Interaction.mark_done`."""

    kind: str | NotSent = NOT_SENT
    subject: str | NotSent = NOT_SENT
    body: str | NotSent | None = NOT_SENT
    planned_at: datetime | NotSent | None = NOT_SENT
    contact_id: str | NotSent | None = NOT_SENT
    deal_id: str | NotSent | None = NOT_SENT
    owner_id: str | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class ContactChanges:
    """What a caller sends of a contact person; every field left out stays as it is."""

    full_name: str | NotSent = NOT_SENT
    position: str | NotSent | None = NOT_SENT
    birthday: date | NotSent | None = NOT_SENT
    email: str | NotSent | None = NOT_SENT
    phone: str | NotSent | None = NOT_SENT


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _require(value: object, name: str) -> None:
    if value is None or value == "":
        raise InvalidInput.required(name)


def _one_of(value: str | None, allowed: tuple[str, ...], name: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput.field(
            name,
            f"must be one of {', '.join(allowed)}; got {value!r}",
            "not_one_of",
            expected=", ".join(allowed),
        )


@dataclass
class Counterparty(Lifecycle):
    KIND = "counterparty"

    name: str
    legal_kind: str = "legal_entity"
    roles: list[str] = field(default_factory=lambda: ["customer"])
    tax_id: str | None = None
    region: str | None = None
    industry: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    group_id: str | None = None
    parent_id: str | None = None
    owner_id: str | None = None
    external_id: str | None = None
    status: str = "potential"
    abc: str | None = None
    xyz: str | None = None
    completeness: int = 0
    search_text: str = ""
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    @classmethod
    def register(cls, details: CounterpartyChanges, has_contact: bool = False) -> Counterparty:
        counterparty = cls(name="")
        counterparty.change(details, has_contact)
        counterparty.version = 1
        return counterparty

    def change(self, changes: CounterpartyChanges, has_contact: bool) -> FieldChanges:
        """Applies the sent fields; returns old and new of those that really changed."""
        changed = _apply(self, _sent(changes))
        self._check()
        self.refresh(has_contact)
        return self.changed(changed)

    def changed(self, changes: FieldChanges) -> FieldChanges:
        if changes:
            self.updated_at = utcnow()  # also the projections' version of the card
        return super().changed(changes)

    def _check(self) -> None:
        _require(self.name, "name")
        _one_of(self.legal_kind, LEGAL_KINDS, "legal_kind")
        for role in self.roles:
            _one_of(role, ROLES, "roles")
        if self.parent_id is not None and self.parent_id == self.id:
            raise InvalidInput.field("parent_id", "a counterparty cannot be its own parent")

    def refresh(self, has_contact: bool) -> None:
        filled = sum(1 for name in COMPLETENESS_FIELDS if getattr(self, name)) + int(has_contact)
        self.completeness = round(100 * filled / (len(COMPLETENESS_FIELDS) + 1))
        self.search_text = search_text(self.name, self.email, self.phone, self.tax_id)

    def classify(self, abc: str | None, xyz: str | None, status: str | None) -> None:
        _one_of(abc, ABC_CLASSES, "abc")
        _one_of(xyz, XYZ_CLASSES, "xyz")
        _one_of(status, STATUSES, "status")
        self.abc, self.xyz = abc, xyz
        self.status = status or self.status
        self.updated_at = utcnow()


def _apply(card: object, sent: dict[str, object]) -> FieldChanges:
    """Sets the sent fields on a card; returns old and new of those that really changed."""
    return assign(card, {name: _normalise(name, value) for name, value in sent.items()})


def _normalise(name: str, value: object) -> object:
    if name == "roles":
        roles = [str(role) for role in value] if isinstance(value, tuple | list) else []
        return sorted(set(roles), key=roles.index)
    value = _blank_to_none(value)
    if name == "email" and isinstance(value, str):
        return value.lower()
    if name == "tax_id" and isinstance(value, str):
        return re.sub(r"\s", "", value)
    if name == "legal_kind" and value is None:
        return "legal_entity"
    return value


@dataclass
class CompanyGroup(Lifecycle):
    """A holding: counterparties that belong together. Renamed, archived (no longer given to a
    counterparty; those in it stay in it) and restored."""

    KIND = "company group"

    name: str
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.name = (self.name or "").strip()
        _require(self.name, "name")

    def rename(self, name: str) -> FieldChanges:
        name = (name or "").strip()
        _require(name, "name")
        return self.changed(assign(self, {"name": name}))


@dataclass
class ContactPerson(Lifecycle):
    KIND = "contact"
    NAMED_BY = "full_name"

    counterparty_id: str
    full_name: str
    position: str | None = None
    birthday: date | None = None
    email: str | None = None
    phone: str | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    search_text: str = ""  # name, e-mail and phone as search folds them

    @classmethod
    def add(cls, counterparty_id: str, details: ContactChanges) -> ContactPerson:
        contact = cls(counterparty_id=counterparty_id, full_name="")
        contact.change(details)
        contact.version = 1
        return contact

    def change(self, changes: ContactChanges) -> FieldChanges:
        changed = _apply(self, _sent(changes))
        _require(self.full_name, "full_name")
        self.search_text = search_text(self.full_name, self.email, self.phone)
        return self.changed(changed)


def search_text(name: str, email: str | None, phone: str | None, *more: str | None) -> str:
    """What a search finds a record by: its name, e-mail and phone (with and without the spaces
    and dots people type), folded as search folds what is asked (no marks, lower case)."""
    digits = re.sub(r"\D", "", phone or "")
    return searchable(
        " | ".join([name, email or "", phone or "", digits, *(m or "" for m in more)])
    )


@dataclass
class Relationship(Lifecycle):
    KIND = "relationship"

    from_id: str
    to_id: str
    kind: str
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        _one_of(self.kind, RELATIONSHIP_KINDS, "kind")
        if self.from_id == self.to_id:
            raise InvalidInput.field("to_id", "a counterparty cannot be linked to itself")


@dataclass
class Interaction(Lifecycle):
    KIND = "interaction"
    NAMED_BY = "subject"

    counterparty_id: str
    kind: str
    subject: str
    contact_id: str | None = None
    deal_id: str | None = None
    body: str | None = None
    planned_at: datetime | None = None
    done_at: datetime | None = None
    owner_id: str | None = None
    outcome: str | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.subject = (self.subject or "").strip()
        self._check()

    def _check(self) -> None:
        _one_of(self.kind, INTERACTION_KINDS, "kind")
        _require(self.subject, "subject")

    @property
    def at(self) -> datetime:
        return self.done_at or self.planned_at or self.created_at

    def is_overdue(self, now: datetime) -> bool:
        """Planned, its time passed, and nobody said it was done."""
        planned = self.planned_at is not None and self.planned_at < now
        return planned and self.done_at is None and not self.archived

    def change(self, changes: InteractionChanges) -> FieldChanges:
        changed = _apply(self, _sent(changes))
        self._check()
        return self.changed(changed)

    def mark_done(self, outcome: str | None, at: datetime) -> FieldChanges:
        """It took place at `at`, and this came of it."""
        return self.changed(assign(self, {"done_at": at, "outcome": _blank_to_none(outcome)}))


@dataclass
class SupplierItem:
    sku: str
    name: str
    price: Decimal
    currency: str


@dataclass
class SupplierProfile:
    counterparty_id: str
    delivery_terms: str | None = None
    reliability: int | None = None
    lead_time_days: int | None = None
    items: list[SupplierItem] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.reliability is not None and not 0 <= self.reliability <= 100:
            raise InvalidInput.field(
                "reliability", "must be between 0 and 100", "out_of_range", ge=0, le=100
            )
        if self.lead_time_days is not None and self.lead_time_days < 0:
            raise InvalidInput.field("lead_time_days", "cannot be negative", "too_small", ge=0)
        skus = [item.sku for item in self.items]
        duplicated = sorted({sku for sku in skus if skus.count(sku) > 1})
        if duplicated:
            raise InvalidInput.field("items", f"SKU listed twice: {', '.join(duplicated)}")


@dataclass
class CustomerTerms:
    counterparty_id: str
    discount_percent: Decimal | None = None
    price_list: str | None = None
    payment_days: int | None = None

    def __post_init__(self) -> None:
        if self.discount_percent is not None and not 0 <= self.discount_percent <= 100:
            raise InvalidInput.field(
                "discount_percent", "must be between 0 and 100", "out_of_range", ge=0, le=100
            )
        if self.payment_days is not None and self.payment_days < 0:
            raise InvalidInput.field("payment_days", "cannot be negative", "too_small", ge=0)


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    at: datetime
    title: str
    ref_id: str
    key: str  # breaks ties of the same moment for the next page (crmkit.paging.Before)
