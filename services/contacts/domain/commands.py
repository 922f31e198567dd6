"""What people and other services ask of contacts, in the sales director's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crmkit.domain import Command
from crmkit.identity import Identity
from services.contacts.domain import model


@dataclass(frozen=True)
class RegisterCounterparty(Command):
    """`force` registers it even when another one has the same tax id or e-mail."""

    details: model.CounterpartyChanges
    force: bool
    actor: Identity


@dataclass(frozen=True)
class ChangeCounterparty(Command):
    """`expected_version`: the version the caller read (If-Match); None: whatever is stored."""

    counterparty_id: str
    changes: model.CounterpartyChanges
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveCounterparty(Command):
    counterparty_id: str
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class RestoreCounterparty(Command):
    counterparty_id: str
    actor: Identity


@dataclass(frozen=True)
class CreateCompanyGroup(Command):
    name: str
    actor: Identity


@dataclass(frozen=True)
class RenameCompanyGroup(Command):
    group_id: str
    name: str
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveRecord(Command):
    """A company group or a relationship (`kind`), archived; `restore` brings it back."""

    kind: str
    record_id: str
    actor: Identity
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True)
class AddContactPerson(Command):
    counterparty_id: str
    details: model.ContactChanges
    actor: Identity


@dataclass(frozen=True)
class ChangeContactPerson(Command):
    contact_id: str
    changes: model.ContactChanges
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveContactPerson(Command):
    contact_id: str
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class RestoreContactPerson(Command):
    contact_id: str
    actor: Identity


@dataclass(frozen=True)
class LinkCounterparties(Command):
    from_id: str
    to_id: str
    kind: str
    actor: Identity


@dataclass(frozen=True)
class LogInteraction(Command):
    """Neither planned nor done: it is done now. No owner: the author owns it."""

    counterparty_id: str
    kind: str
    subject: str
    actor: Identity
    contact_id: str | None = None
    deal_id: str | None = None
    body: str | None = None
    planned_at: datetime | None = None
    done_at: datetime | None = None
    owner_id: str | None = None


@dataclass(frozen=True)
class ChangeInteraction(Command):
    interaction_id: str
    changes: model.InteractionChanges
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class MarkInteractionDone(Command):
    """It took place (at `done_at`, now if not said), and `outcome` came of it."""

    interaction_id: str
    outcome: str | None
    done_at: datetime | None
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveInteraction(Command):
    interaction_id: str
    actor: Identity
    expected_version: int | None = None


@dataclass(frozen=True)
class RestoreInteraction(Command):
    interaction_id: str
    actor: Identity


@dataclass(frozen=True)
class SetSupplierProfile(Command):
    """Replaces the whole profile; the counterparty becomes a supplier if it was not one."""

    profile: model.SupplierProfile
    actor: Identity


@dataclass(frozen=True)
class SetCustomerTerms(Command):
    terms: model.CustomerTerms
    actor: Identity


@dataclass(frozen=True)
class CounterpartyClass:
    """Where analytics placed one counterparty; an empty class is no class."""

    counterparty_id: str
    abc: str | None
    xyz: str | None
    status: str | None


@dataclass(frozen=True)
class ApplyClassification(Command):
    classes: tuple[CounterpartyClass, ...]
