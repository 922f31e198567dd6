"""What every service's domain shares: the two kinds of message it speaks (commands in, events
out), records with a lifecycle (versions, archive, restore) and the audit of what changed them.

Plain dataclasses with no I/O; the wire forms (protobuf) are made from them by each
service's `adapters/proto.py`, never in the domain or the service layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, Protocol, runtime_checkable

from crmkit.errors import Conflict, Stale


@dataclass(frozen=True)
class Command:
    """What somebody asks a service to do: imperative (`MoveDealToStage`)."""


@dataclass(frozen=True)
class Event:
    """What happened, for the rest of the suite to hear: past tense (`DealWon`)."""


FieldChanges = dict[str, tuple[object, object]]  # per field that changed: (old, new)


@dataclass(frozen=True)
class Audit:
    """What one change did to one record, for its history."""

    entity: str  # the kind of record: counterparty, contact, interaction, deal, ...
    entity_id: str
    action: str  # created, updated, archived, restored, done, ...
    changes: FieldChanges = field(default_factory=dict)


@runtime_checkable
class Audited(Protocol):
    """An event that changed a record says so for the record's history; the unit of work writes
    it down in the same transaction as the change. None: nothing a person would call a change
    (the first stage a new deal enters, already told by its creation)."""

    def audit(self) -> Audit | None: ...


def assign(record: object, values: Mapping[str, object]) -> FieldChanges:
    """Sets on a record the values that differ from its own; returns old and new of each."""
    changes = {
        name: (getattr(record, name), value)
        for name, value in values.items()
        if getattr(record, name) != value
    }
    for name, (_old, new) in changes.items():
        setattr(record, name, new)
    return changes


def described(record: object, names: Iterable[str]) -> FieldChanges:
    """A new record's filled-in fields, as changes from nothing."""
    return from_nothing({name: getattr(record, name) for name in names})


def from_nothing(values: Mapping[str, object]) -> FieldChanges:
    """The values given, as changes from nothing (the empty ones left out)."""
    return {name: (None, value) for name, value in values.items() if value not in (None, "", [])}


@dataclass(kw_only=True)
class Lifecycle:
    """A record people change, archive and restore. Every change makes a new `version`; a change
    asked for against an older version than the stored one is refused (`Stale`), so that two
    people editing one record do not overwrite each other silently."""

    KIND: ClassVar[str] = "record"  # what a person calls it, in messages
    NAMED_BY: ClassVar[str] = "name"  # the field a person knows it by, in messages

    version: int = 1
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def expect(self, version: int | None) -> None:
        """The version the caller read (None: he did not say) is still the stored one."""
        if version is not None and version != self.version:
            raise Stale.of(self.KIND, str(getattr(self, "id", "")), version, self.version)

    def require_current(self) -> None:
        """An archived record refuses changes (409) until it is restored."""
        if self.archived:
            name = getattr(self, self.NAMED_BY, None)
            what = f"{self.KIND} {name!r}" if name else f"the {self.KIND}"
            raise Conflict(f"{what} is archived; restore it first")

    def changed(self, changes: FieldChanges) -> FieldChanges:
        if changes:
            self.version += 1
        return changes

    def archive(self, expected: int | None = None) -> FieldChanges:
        """Archives it (if still at the `expected` version); nothing changes for one archived
        already."""
        self.expect(expected)
        if self.archived_at is not None:
            return {}
        return self.changed(assign(self, {"archived_at": datetime.now(UTC)}))

    def restore(self) -> FieldChanges:
        return self.changed(assign(self, {"archived_at": None}))

    def archive_or_restore(
        self, restore: bool, expected: int | None = None
    ) -> tuple[FieldChanges, str]:
        """Restores it, or archives it (if still at the `expected` version): what changed, and
        the action's name for its history."""
        if restore:
            return self.restore(), "restored"
        return self.archive(expected), "archived"
