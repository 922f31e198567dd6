"""Small in-memory stand-ins for the unit of work, for fast service-layer tests."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from services.contacts.domain import model


class FakeCounterpartyRepository:
    def __init__(self) -> None:
        self.items: dict[str, model.Counterparty] = {}
        self.contacts_of: set[str] = set()

    def add(self, counterparty: model.Counterparty) -> None:
        self.items[counterparty.id] = counterparty

    def get(self, counterparty_id: str) -> model.Counterparty | None:
        found = self.items.get(counterparty_id)
        return found if found is not None and found.deleted_at is None else None

    def find_duplicate(self, tax_id: str | None, email: str | None) -> model.Counterparty | None:
        for item in self.items.values():
            if item.deleted_at is None and (
                (tax_id and item.tax_id == tax_id) or (email and item.email == email)
            ):
                return item
        return None

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

    def get(self, group_id: str) -> model.CompanyGroup | None:
        return self.items.get(group_id)


class FakeContactRepository:
    def __init__(self, counterparties: FakeCounterpartyRepository) -> None:
        self.items: dict[str, model.ContactPerson] = {}
        self.counterparties = counterparties

    def add(self, contact: model.ContactPerson) -> None:
        self.items[contact.id] = contact
        self.counterparties.contacts_of.add(contact.counterparty_id)

    def get(self, contact_id: str) -> model.ContactPerson | None:
        return self.items.get(contact_id)


class FakeEventLog:
    def __init__(self) -> None:
        self.published: list[tuple[str, str, Message]] = []

    def add(self, event_type: str, aggregate_id: str, payload: Message) -> None:
        self.published.append((event_type, aggregate_id, payload))


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.counterparties = FakeCounterpartyRepository()
        self.groups = FakeGroupRepository()
        self.contacts = FakeContactRepository(self.counterparties)
        self.interactions: list[model.Interaction] = []
        self.events = FakeEventLog()
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def commit(self) -> None:
        self.committed = True
