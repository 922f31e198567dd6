"""Small in-memory stand-ins for the unit of work, for fast service-layer tests."""

from __future__ import annotations

from typing import TypeVar

from crmkit.paging import Before, Page
from crmkit.text import searchable
from services.contacts.adapters import proto
from services.contacts.domain import model
from services.contacts.service_layer.unit_of_work import CounterpartyFilter, InteractionFilter
from tests.fakes import FakeTransaction

T = TypeVar("T")


def _page(items: list[T], page: Page) -> tuple[list[T], int]:
    return items[page.offset : page.offset + page.size], len(items)


class FakeCounterpartyRepository:
    def __init__(self) -> None:
        self.items: dict[str, model.Counterparty] = {}
        self.contacts_of: set[str] = set()

    def add(self, counterparty: model.Counterparty) -> None:
        self.items[counterparty.id] = counterparty

    def get(self, counterparty_id: str) -> model.Counterparty | None:
        return self.items.get(counterparty_id)

    def _alive(self) -> list[model.Counterparty]:
        return [item for item in self.items.values() if not item.archived]

    def find_by(self, field: str, value: str) -> model.Counterparty | None:
        wanted = {"tax_id": lambda c: c.tax_id, "external_id": lambda c: c.external_id}[field]
        return next((item for item in self._alive() if wanted(item) == value), None)

    def find_duplicate(self, tax_id: str | None, email: str | None) -> model.Counterparty | None:
        for item in self._alive():
            if (tax_id and item.tax_id == tax_id) or (email and item.email == email):
                return item
        return None

    def list(self, wanted: CounterpartyFilter, page: Page) -> tuple[list[model.Counterparty], int]:
        found = [
            item
            for item in self.items.values()
            if item.archived == wanted.archived
            and (wanted.role is None or wanted.role in item.roles)
            and (wanted.region is None or item.region == wanted.region)
            and (not wanted.ids or item.id in wanted.ids)
        ]
        return _page(sorted(found, key=lambda c: (c.name, c.id)), page)

    def has_contact(self, counterparty_id: str) -> bool:
        return counterparty_id in self.contacts_of

    def is_ancestor(self, candidate_id: str, of_id: str) -> bool:
        current: str | None = of_id
        while current is not None:
            if current == candidate_id:
                return True
            current = self.items[current].parent_id if current in self.items else None
        return False


class FakeGroupRepository:
    def __init__(self) -> None:
        self.items: dict[str, model.CompanyGroup] = {}

    def add(self, group: model.CompanyGroup) -> None:
        self.items[group.id] = group

    def get(self, group_id: str) -> model.CompanyGroup | None:
        return self.items.get(group_id)

    def by_name(self, name: str) -> model.CompanyGroup | None:
        return next((group for group in self.items.values() if group.name == name), None)

    def list(self, page: Page, archived: bool = False) -> tuple[list[model.CompanyGroup], int]:
        kept = [group for group in self.items.values() if group.archived == archived]
        return _page(sorted(kept, key=lambda g: g.name), page)


class FakeContactRepository:
    def __init__(self, counterparties: FakeCounterpartyRepository) -> None:
        self.items: dict[str, model.ContactPerson] = {}
        self.counterparties = counterparties

    def add(self, contact: model.ContactPerson) -> None:
        self.items[contact.id] = contact
        self.counterparties.contacts_of.add(contact.counterparty_id)

    def get(self, contact_id: str) -> model.ContactPerson | None:
        return self.items.get(contact_id)

    def list(
        self, counterparty_id: str | None, page: Page, archived: bool = False, q: str | None = None
    ) -> tuple[list[model.ContactPerson], int]:
        found = [
            contact
            for contact in self.items.values()
            if counterparty_id in (None, contact.counterparty_id)
            and contact.archived == archived
            and searchable(q or "") in contact.search_text
        ]
        return _page(sorted(found, key=lambda c: (c.full_name, c.id)), page)


class FakeRelationshipRepository:
    def __init__(self) -> None:
        self.items: list[model.Relationship] = []

    def add(self, link: model.Relationship) -> None:
        self.items.append(link)

    def get(self, link_id: str) -> model.Relationship | None:
        return next((item for item in self.items if item.id == link_id), None)

    def exists(self, link: model.Relationship) -> bool:
        same = (link.from_id, link.to_id, link.kind)
        live = [item for item in self.items if not item.archived]
        return any((item.from_id, item.to_id, item.kind) == same for item in live)

    def of_counterparty(
        self, counterparty_id: str, page: Page, archived: bool = False
    ) -> tuple[list[model.Relationship], int]:
        found = [
            link
            for link in self.items
            if counterparty_id in (link.from_id, link.to_id) and link.archived == archived
        ]
        return _page(found, page)


class FakeInteractionRepository:
    def __init__(self) -> None:
        self.items: list[model.Interaction] = []

    def add(self, interaction: model.Interaction) -> None:
        self.items.append(interaction)

    def get(self, interaction_id: str) -> model.Interaction | None:
        return next((item for item in self.items if item.id == interaction_id), None)

    def history(
        self, counterparty_id: str, before: Before | None, limit: int
    ) -> list[model.Interaction]:
        found = [
            item
            for item in self.items
            if item.counterparty_id == counterparty_id
            and not item.archived
            and (before is None or (item.at, item.id) < (before.at, before.key))
        ]
        return sorted(found, key=lambda i: (i.at, i.id), reverse=True)[:limit]

    def list(self, wanted: InteractionFilter, page: Page) -> tuple[list[model.Interaction], int]:
        found = [
            item
            for item in self.items
            if wanted.counterparty_id in (None, item.counterparty_id)
            and wanted.owner_id in (None, item.owner_id)
            and wanted.deal_id in (None, item.deal_id)
            and item.archived == wanted.archived
        ]
        return _page(sorted(found, key=lambda i: i.at, reverse=True), page)


class FakeSupplierProfileRepository:
    def __init__(self) -> None:
        self.items: dict[str, model.SupplierProfile] = {}

    def get(self, counterparty_id: str) -> model.SupplierProfile | None:
        return self.items.get(counterparty_id)

    def put(self, profile: model.SupplierProfile) -> model.SupplierProfile:
        self.items[profile.counterparty_id] = profile
        return profile


class FakeCustomerTermsRepository:
    def __init__(self) -> None:
        self.items: dict[str, model.CustomerTerms] = {}

    def get(self, counterparty_id: str) -> model.CustomerTerms | None:
        return self.items.get(counterparty_id)

    def put(self, terms: model.CustomerTerms) -> model.CustomerTerms:
        self.items[terms.counterparty_id] = terms
        return terms


class FakeOutbox:
    """The committed events as they would leave (type, aggregate id, message): translated by
    the service's own translator, as the real unit of work does at commit."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def published(self) -> list[tuple[str, str, object]]:
        outbound = [proto.to_outbound(event) for event in self.uow.published]
        return [(o.event_type, o.aggregate_id, o.payload) for o in outbound]


class FakeUnitOfWork(FakeTransaction):
    """Published domain events are kept in `published` once committed; those of a unit of
    work that ends without commit are dropped, as a rollback would."""

    def __init__(self) -> None:
        super().__init__()
        self.counterparties = FakeCounterpartyRepository()
        self.groups = FakeGroupRepository()
        self.contacts = FakeContactRepository(self.counterparties)
        self.relationships = FakeRelationshipRepository()
        self.interactions = FakeInteractionRepository()
        self.supplier_profiles = FakeSupplierProfileRepository()
        self.terms = FakeCustomerTermsRepository()
        self.events = FakeOutbox(self)
