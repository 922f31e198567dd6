"""What the mail service tells the rest of the suite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from crmkit.domain import Audit, Event, FieldChanges
from services.mail.domain import model


@dataclass(frozen=True)
class MailLogged(Event):
    """A message now in the correspondence log, with what it is linked to."""

    message_id: str  # the mail service's id of the message
    mailbox_id: str
    subject: str
    from_address: str
    counterparty_ids: tuple[str, ...]
    contact_ids: tuple[str, ...]
    deal_id: str | None
    at: datetime  # sent (Date header) or imported


@dataclass(frozen=True)
class MailReceived(MailLogged):
    """Imported from a mailbox's server."""


@dataclass(frozen=True)
class MailSent(MailLogged):
    """Sent from a mailbox through its server."""


@dataclass(frozen=True)
class MessageAssigned(Event):
    """A message handed to someone to answer, by a date."""

    message_id: str
    mailbox_id: str
    subject: str
    assignee_id: str
    due_date: date | None
    assigned_by: str | None  # the user who handed it over


@dataclass(frozen=True)
class MailboxChanged(Event):
    """Created, changed, archived, restored or given other permissions: the mailbox as it is
    now (never its passwords)."""

    mailbox: model.Mailbox
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("mailbox", self.mailbox.id, self.action, self.changes)


@dataclass(frozen=True)
class TemplateChanged(Event):
    template: model.Template
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("mail_template", self.template.id, self.action, self.changes)


@dataclass(frozen=True)
class AddressGroupChanged(Event):
    group: model.AddressGroup
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("address_group", self.group.id, self.action, self.changes)


@dataclass(frozen=True)
class RuleChanged(Event):
    rule: model.Rule
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("mail_rule", self.rule.id, self.action, self.changes)
