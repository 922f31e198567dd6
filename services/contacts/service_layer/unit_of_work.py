"""What the contacts handlers need of a transaction: its repositories, its outbox (through
`publish`) and `commit`. Ports only; the SQLAlchemy adapters are in `adapters/`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crmkit import unit_of_work
from crmkit.paging import Before, Page
from services.contacts.domain import model


@dataclass(frozen=True)
class CounterpartyFilter:
    q: str | None = None
    role: str | None = None
    region: str | None = None
    industry: str | None = None
    owner_id: str | None = None
    group_id: str | None = None
    abc: str | None = None
    xyz: str | None = None
    status: str | None = None
    ids: tuple[str, ...] = ()
    archived: bool = False  # the archived ones instead of the others


@dataclass(frozen=True)
class InteractionFilter:
    counterparty_id: str | None = None
    owner_id: str | None = None
    planned_from: datetime | None = None
    planned_to: datetime | None = None
    deal_id: str | None = None
    archived: bool = False  # the archived ones instead of the others


class CounterpartyRepository(Protocol):
    def add(self, counterparty: model.Counterparty) -> None: ...

    def get(self, counterparty_id: str) -> model.Counterparty | None:
        """Archived ones too; None for an unknown one."""

    def find_by(self, field: str, value: str) -> model.Counterparty | None:
        """By `tax_id` or `external_id`: the first registered if several share it."""

    def find_duplicate(
        self, tax_id: str | None, email: str | None
    ) -> model.Counterparty | None: ...

    def list(
        self, wanted: CounterpartyFilter, page: Page
    ) -> tuple[list[model.Counterparty], int]: ...

    def has_contact(self, counterparty_id: str) -> bool: ...

    def is_ancestor(self, candidate_id: str, of_id: str) -> bool:
        """True when `candidate_id` is `of_id` itself or sits above it in the division tree."""


class CompanyGroupRepository(Protocol):
    def add(self, group: model.CompanyGroup) -> None: ...

    def get(self, group_id: str) -> model.CompanyGroup | None: ...

    def by_name(self, name: str) -> model.CompanyGroup | None: ...

    def list(self, page: Page, archived: bool = False) -> tuple[list[model.CompanyGroup], int]: ...


class ContactRepository(Protocol):
    def add(self, contact: model.ContactPerson) -> None: ...

    def get(self, contact_id: str) -> model.ContactPerson | None: ...

    def list(
        self, counterparty_id: str | None, page: Page, archived: bool = False, q: str | None = None
    ) -> tuple[list[model.ContactPerson], int]:
        """`q`: whose name, e-mail or phone holds it (marks and case aside)."""


class RelationshipRepository(Protocol):
    def add(self, link: model.Relationship) -> None: ...

    def get(self, link_id: str) -> model.Relationship | None: ...

    def exists(self, link: model.Relationship) -> bool:
        """The same two counterparties are already linked the same way (and not archived)."""

    def of_counterparty(
        self, counterparty_id: str, page: Page, archived: bool = False
    ) -> tuple[list[model.Relationship], int]: ...


class InteractionRepository(Protocol):
    def add(self, interaction: model.Interaction) -> None: ...

    def get(self, interaction_id: str) -> model.Interaction | None:
        """Archived ones too."""

    def history(
        self, counterparty_id: str, before: Before | None, limit: int
    ) -> list[model.Interaction]:
        """Not archived, newest first (by when they took place or are planned), older than
        `before`."""

    def list(
        self, wanted: InteractionFilter, page: Page
    ) -> tuple[list[model.Interaction], int]: ...


class SupplierProfileRepository(Protocol):
    def get(self, counterparty_id: str) -> model.SupplierProfile | None: ...

    def put(self, profile: model.SupplierProfile) -> model.SupplierProfile: ...


class CustomerTermsRepository(Protocol):
    def get(self, counterparty_id: str) -> model.CustomerTerms | None: ...

    def put(self, terms: model.CustomerTerms) -> model.CustomerTerms: ...


class UnitOfWork(unit_of_work.UnitOfWork, Protocol):
    @property
    def counterparties(self) -> CounterpartyRepository: ...

    @property
    def groups(self) -> CompanyGroupRepository: ...

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def relationships(self) -> RelationshipRepository: ...

    @property
    def interactions(self) -> InteractionRepository: ...

    @property
    def supplier_profiles(self) -> SupplierProfileRepository: ...

    @property
    def terms(self) -> CustomerTermsRepository: ...
