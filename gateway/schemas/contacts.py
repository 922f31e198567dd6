"""The Contacts section of API.md as request and response models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, EmailStr, Field, StringConstraints

from gateway.schemas.common import (
    ArchivedQuery,
    Currency,
    Id,
    Input,
    LongText,
    Money,
    Name,
    Page,
    Percent,
    Phone,
    Query,
    Record,
    ShortText,
    TaxId,
    Word,
)

LegalKind = Literal["individual", "legal_entity"]
Role = Literal["customer", "supplier", "competitor", "partner", "contractor", "influencer"]
Status = Literal["potential", "one_time", "regular", "lost"]
RelationshipKind = Literal[
    "parent_of", "division_of", "partner_of", "competitor_of", "supplier_of", "customer_of",
    "contractor_of", "influencer_of", "affiliated_with",
]  # fmt: skip
InteractionKind = Literal["call", "meeting", "note"]


class CounterpartyFields(Input):
    legal_kind: LegalKind = "legal_entity"
    roles: list[Role] = Field(default_factory=lambda: list[Role](["customer"]), max_length=6)
    tax_id: TaxId | None = None
    region: ShortText | None = Field(None, max_length=120)
    industry: ShortText | None = Field(None, max_length=120)
    email: EmailStr | None = None
    phone: Phone | None = None
    address: LongText | None = None
    group_id: Id | None = None
    parent_id: Id | None = None
    owner_id: Id | None = None
    external_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = Field(None, description="the id another system (an ERP) knows this counterparty by")


class CounterpartyCreate(CounterpartyFields):
    name: Name
    force: bool = Field(False, description="create even if the tax id or e-mail is already known")


class CounterpartyPatch(CounterpartyFields):
    name: Name | None = None
    legal_kind: LegalKind | None = None  # type: ignore[assignment]
    roles: list[Role] | None = Field(None, max_length=6)  # type: ignore[assignment]


class Counterparty(Record):
    id: str
    name: str
    legal_kind: LegalKind
    roles: list[Role]
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
    status: Status
    abc: Literal["A", "B", "C"] | None = None
    xyz: Literal["X", "Y", "Z"] | None = None
    completeness: int = Field(ge=0, le=100)
    created_at: datetime
    updated_at: datetime


class CounterpartyQuery(ArchivedQuery):
    q: str | None = Field(
        None, max_length=200, description="name, e-mail, phone or tax id; accents optional"
    )
    role: Role | None = None
    region: str | None = Field(None, max_length=300)
    industry: str | None = Field(None, max_length=300)
    owner_id: Id | None = None
    group_id: Id | None = None
    abc: Literal["A", "B", "C"] | None = None
    xyz: Literal["X", "Y", "Z"] | None = None
    status: Status | None = None
    ids: str | None = Field(
        None,
        max_length=500 * 65,
        pattern=r"^[A-Za-z0-9_.:-]{1,64}(,[A-Za-z0-9_.:-]{1,64}){0,499}$",
        description="only these counterparties: up to 500 ids separated by commas",
    )


CounterpartyPage = Page[Counterparty]


class CompanyGroupCreate(Input):
    name: Name


class CompanyGroup(Record):
    id: str
    name: str


CompanyGroupPage = Page[CompanyGroup]


class ContactFields(Input):
    position: ShortText | None = Field(None, max_length=200)
    birthday: date | None = None
    email: EmailStr | None = None
    phone: Phone | None = None


class ContactCreate(ContactFields):
    full_name: Name


class ContactPatch(ContactFields):
    full_name: Name | None = None


class Contact(Record):
    id: str
    counterparty_id: str
    full_name: str
    position: str | None = None
    birthday: date | None = None
    email: str | None = None
    phone: str | None = None


class ContactQuery(ArchivedQuery):
    counterparty_id: Id | None = None
    q: str | None = Field(
        None, max_length=200, description="whose name, e-mail or phone holds it (marks aside)"
    )


ContactPage = Page[Contact]


class RelationshipCreate(Input):
    from_id: Id
    to_id: Id
    kind: RelationshipKind


class Relationship(Record):
    id: str
    from_id: str
    to_id: str
    kind: RelationshipKind


RelationshipPage = Page[Relationship]


class InteractionCreate(Input):
    counterparty_id: Id
    contact_id: Id | None = None
    deal_id: Id | None = None
    kind: InteractionKind
    subject: Name
    body: LongText | None = None
    planned_at: AwareDatetime | None = None
    done_at: AwareDatetime | None = None
    owner_id: Id | None = None


class InteractionPatch(Input):
    """A new `planned_at` reschedules it; `POST /interactions/{id}/done` says it took place."""

    contact_id: Id | None = None
    deal_id: Id | None = None
    kind: InteractionKind | None = None
    subject: Name | None = None
    body: LongText | None = None
    planned_at: AwareDatetime | None = None
    owner_id: Id | None = None


class InteractionDone(Input):
    outcome: LongText | None = Field(None, description="what came of it")
    done_at: AwareDatetime | None = Field(None, description="when it took place; now if left out")


class Interaction(Record):
    id: str
    counterparty_id: str
    contact_id: str | None = None
    deal_id: str | None = None
    kind: InteractionKind
    subject: str
    body: str | None = None
    planned_at: datetime | None = None
    done_at: datetime | None = None
    owner_id: str | None = None
    outcome: str | None = None
    overdue: bool = Field(False, description="planned, its time passed, not done")


class InteractionQuery(ArchivedQuery):
    counterparty_id: Id | None = None
    deal_id: Id | None = None
    owner_id: Id | None = None
    planned_from: AwareDatetime | None = None
    planned_to: AwareDatetime | None = None


InteractionPage = Page[Interaction]


class SupplierItem(Input):
    sku: Word
    name: Name
    price: Money
    currency: Currency


class SupplierProfileIn(Input):
    delivery_terms: LongText | None = None
    reliability: int | None = Field(None, ge=0, le=100)
    lead_time_days: int | None = Field(None, ge=0, le=3650)
    items: list[SupplierItem] = Field(default_factory=list, max_length=5000)


class SupplierProfile(BaseModel):
    counterparty_id: str
    delivery_terms: str | None = None
    reliability: int | None = None
    lead_time_days: int | None = None
    items: list[SupplierItem] = Field(default_factory=list)


class CustomerTermsIn(Input):
    discount_percent: Percent | None = None
    price_list: ShortText | None = Field(None, max_length=200)
    payment_days: int | None = Field(None, ge=0, le=3650)


class CustomerTerms(BaseModel):
    counterparty_id: str
    discount_percent: str | None = None
    price_list: str | None = None
    payment_days: int | None = None


class TimelineEntry(BaseModel):
    kind: str
    at: datetime
    title: str = Field(description="English, for older clients: compose from kind and params")
    ref_id: str
    params: dict[str, str] = Field(
        default_factory=dict, description="the facts of this kind: who, which deal, stage, amount"
    )


class Timeline(BaseModel):
    items: list[TimelineEntry]
    next_cursor: str | None = Field(
        None, description="more, older entries: ask again with cursor=this; none: that was all"
    )


class TimelineQuery(Query):
    limit: int = Field(200, ge=1, le=500, description="the newest this many")
    cursor: str | None = Field(
        None, max_length=300, pattern=r"^[A-Za-z0-9_=-]+$", description="next_cursor of a page"
    )
