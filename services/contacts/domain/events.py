"""What contacts tells the rest of the suite, in the past tense. Their wire form (type and
protobuf payload) is made by `adapters/proto.py:to_outbound`; what each did to a record, for its
history, by `audit`."""

from __future__ import annotations

from dataclasses import dataclass, fields

from crmkit.domain import Audit, Event, FieldChanges, described
from services.contacts.domain import model

CARD = tuple(item.name for item in fields(model.CounterpartyChanges))
CONTACT_CARD = tuple(item.name for item in fields(model.ContactChanges))
INTERACTION_CARD = (
    "counterparty_id", "kind", "subject", "body", "planned_at", "done_at", "outcome",
    "contact_id", "deal_id", "owner_id",
)  # fmt: skip


@dataclass(frozen=True)
class CounterpartyRegistered(Event):
    counterparty: model.Counterparty

    def audit(self) -> Audit:
        c = self.counterparty
        return Audit("counterparty", c.id, "created", described(c, CARD))


@dataclass(frozen=True)
class CounterpartyChanged(Event):
    counterparty: model.Counterparty
    changes: FieldChanges

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(self.changes)

    def audit(self) -> Audit:
        return Audit("counterparty", self.counterparty.id, "updated", self.changes)


@dataclass(frozen=True)
class CounterpartyArchived(Event):
    counterparty: model.Counterparty
    changes: FieldChanges

    def audit(self) -> Audit:
        return Audit("counterparty", self.counterparty.id, "archived", self.changes)


@dataclass(frozen=True)
class CounterpartyRestored(Event):
    counterparty: model.Counterparty
    changes: FieldChanges

    def audit(self) -> Audit:
        return Audit("counterparty", self.counterparty.id, "restored", self.changes)


@dataclass(frozen=True)
class ContactPersonAdded(Event):
    contact: model.ContactPerson

    def audit(self) -> Audit:
        person = self.contact
        return Audit("contact", person.id, "created", described(person, CONTACT_CARD))


@dataclass(frozen=True)
class ContactPersonChanged(Event):
    """Updated, archived or restored: the person as she is now."""

    contact: model.ContactPerson
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("contact", self.contact.id, self.action, self.changes)


@dataclass(frozen=True)
class CounterpartiesLinked(Event):
    relationship: model.Relationship

    def audit(self) -> Audit:
        link = self.relationship
        return Audit(
            "relationship", link.id, "created", described(link, ("from_id", "to_id", "kind"))
        )


@dataclass(frozen=True)
class RelationshipChanged(Event):
    """Archived or restored: the link as it is now."""

    relationship: model.Relationship
    changes: FieldChanges
    action: str

    def audit(self) -> Audit:
        return Audit("relationship", self.relationship.id, self.action, self.changes)


@dataclass(frozen=True)
class CompanyGroupChanged(Event):
    """Made, renamed, archived or restored: the group as it is now."""

    group: model.CompanyGroup
    changes: FieldChanges
    action: str

    def audit(self) -> Audit:
        return Audit("company_group", self.group.id, self.action, self.changes)


@dataclass(frozen=True)
class InteractionLogged(Event):
    interaction: model.Interaction

    def audit(self) -> Audit:
        logged = self.interaction
        return Audit("interaction", logged.id, "created", described(logged, INTERACTION_CARD))


@dataclass(frozen=True)
class InteractionChanged(Event):
    """Updated, rescheduled, done, archived or restored: the interaction as it is now."""

    interaction: model.Interaction
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("interaction", self.interaction.id, self.action, self.changes)


@dataclass(frozen=True)
class SupplierProfileSet(Event):
    profile: model.SupplierProfile


@dataclass(frozen=True)
class CustomerTermsSet(Event):
    terms: model.CustomerTerms
