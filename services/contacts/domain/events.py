"""What contacts tells the rest of the suite, in the past tense. Their wire form (type and
protobuf payload) is made by `adapters/proto.py:to_outbound`."""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.domain import Event
from services.contacts.domain import model


@dataclass(frozen=True)
class CounterpartyRegistered(Event):
    counterparty: model.Counterparty


@dataclass(frozen=True)
class CounterpartyChanged(Event):
    counterparty: model.Counterparty
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class CounterpartyArchived(Event):
    counterparty_id: str


@dataclass(frozen=True)
class ContactPersonAdded(Event):
    contact: model.ContactPerson


@dataclass(frozen=True)
class ContactPersonChanged(Event):
    contact: model.ContactPerson


@dataclass(frozen=True)
class CounterpartiesLinked(Event):
    relationship: model.Relationship


@dataclass(frozen=True)
class InteractionLogged(Event):
    interaction: model.Interaction


@dataclass(frozen=True)
class SupplierProfileSet(Event):
    profile: model.SupplierProfile


@dataclass(frozen=True)
class CustomerTermsSet(Event):
    terms: model.CustomerTerms
