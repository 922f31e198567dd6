"""What people and schedules ask of the mail service."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from crmkit.domain import Command
from services.mail.domain.model import Permission


class NotSent(Enum):
    """A field left out of a change: the record keeps what it has (None would clear it)."""

    NOT_SENT = "not sent"


NOT_SENT: Final = NotSent.NOT_SENT


def sent(changes: Any) -> dict[str, object]:
    """The fields a change (a dataclass of NotSent defaults) sent, by name."""
    values = {item.name: getattr(changes, item.name) for item in fields(changes)}
    return {name: value for name, value in values.items() if value is not NOT_SENT}


@dataclass(frozen=True)
class ServerSettings:
    """A mailbox's IMAP or SMTP server as given, with its password."""

    host: str
    port: int
    security: str
    username: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class CreateMailbox(Command):
    name: str
    kind: str
    address: str
    owner_id: str | None
    imap: ServerSettings
    smtp: ServerSettings


@dataclass(frozen=True)
class ServerChanges:
    """What a change sends of a mailbox's IMAP or SMTP server; the password is write-only."""

    host: str | NotSent = NOT_SENT
    port: int | NotSent = NOT_SENT
    security: str | NotSent = NOT_SENT
    username: str | NotSent = NOT_SENT
    password: str | NotSent = field(default=NOT_SENT, repr=False)


@dataclass(frozen=True)
class MailboxChanges:
    name: str | NotSent = NOT_SENT
    address: str | NotSent = NOT_SENT
    kind: str | NotSent = NOT_SENT
    owner_id: str | NotSent | None = NOT_SENT
    imap: ServerChanges = ServerChanges()
    smtp: ServerChanges = ServerChanges()


@dataclass(frozen=True)
class ChangeMailbox(Command):
    mailbox_id: str
    changes: MailboxChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveRecord(Command):
    """Archive a mailbox, template, address group or rule (if still at the expected version),
    or with `restore`, bring it back."""

    record_id: str
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True)
class PutPermissions(Command):
    mailbox_id: str
    permissions: tuple[Permission, ...]


@dataclass(frozen=True)
class SyncMailbox(Command):
    mailbox_id: str


@dataclass(frozen=True)
class SendMessage(Command):
    mailbox_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""
    html: str | None = None
    in_reply_to: str | None = None  # our id of the message answered
    deal_id: str | None = None


@dataclass(frozen=True)
class AssignMessage(Command):
    message_id: str
    assignee_id: str
    due_date: date | None
    note: str | None = None


@dataclass(frozen=True)
class FinishAssignment(Command):
    message_id: str


@dataclass(frozen=True)
class SettleProposal(Command):
    proposal_id: str
    status: str  # accepted | dismissed
    counterparty_id: str | None = None
    contact_id: str | None = None


@dataclass(frozen=True)
class CreateTemplate(Command):
    name: str
    subject: str
    body: str


@dataclass(frozen=True)
class TemplateChanges:
    name: str | NotSent = NOT_SENT
    subject: str | NotSent = NOT_SENT
    body: str | NotSent = NOT_SENT


@dataclass(frozen=True)
class ChangeTemplate(Command):
    template_id: str
    changes: TemplateChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class PreviewTemplate(Command):
    template_id: str
    counterparty_id: str


@dataclass(frozen=True)
class CreateAddressGroup(Command):
    name: str
    members: tuple[str, ...] | None  # contact ids chosen by hand, or
    criteria: dict[str, str] | None  # region, industry, position, role, abc


@dataclass(frozen=True)
class AddressGroupChanges:
    """Members chosen by hand replace criteria, and criteria replace members."""

    name: str | NotSent = NOT_SENT
    members: tuple[str, ...] | NotSent | None = NOT_SENT
    criteria: dict[str, str] | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class ChangeAddressGroup(Command):
    group_id: str
    changes: AddressGroupChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class StartMailing(Command):
    address_group_id: str
    template_id: str
    mailbox_id: str
    per_minute: int = 0  # 0: the default


@dataclass(frozen=True)
class RunMailing(Command):
    mailing_id: str
    unsubscribe_url: str


@dataclass(frozen=True)
class Unsubscribe(Command):
    token: str


@dataclass(frozen=True)
class CreateRule(Command):
    event: str
    template_id: str
    mailbox_id: str
    offset_days: int = 0
    enabled: bool = True


@dataclass(frozen=True)
class RuleChanges:
    event: str | NotSent = NOT_SENT
    offset_days: int | NotSent = NOT_SENT
    template_id: str | NotSent = NOT_SENT
    mailbox_id: str | NotSent = NOT_SENT
    enabled: bool | NotSent = NOT_SENT


@dataclass(frozen=True)
class ChangeRule(Command):
    rule_id: str
    changes: RuleChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class ScheduleRuleMails(Command):
    """An event came that rules may be about; `about` is its payload as plain values."""

    event_type: str
    event_id: str
    aggregate_id: str
    occurred_at: datetime | None
    about: dict[str, object]


@dataclass(frozen=True)
class ScanBirthdays(Command):
    at: datetime


@dataclass(frozen=True)
class SendDueRuleMails(Command):
    at: datetime


@dataclass(frozen=True)
class RecordCounterparty(Command):
    """A counterparty created or changed in contacts: its address, and what its people share."""

    counterparty_id: str
    name: str
    legal_entity: bool
    email: str | None
    region: str | None
    industry: str | None
    roles: tuple[str, ...]
    abc: str | None


@dataclass(frozen=True)
class ForgetCounterparty(Command):
    counterparty_id: str


@dataclass(frozen=True)
class RecordContact(Command):
    """A contact person created or changed in contacts."""

    contact_id: str
    counterparty_id: str
    full_name: str
    email: str | None
    position: str | None
    birthday: str | None  # YYYY-MM-DD
