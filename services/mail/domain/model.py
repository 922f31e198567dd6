"""Mailboxes, who may do what with them, and which counterparties a message concerns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from crmkit.domain import FieldChanges, Lifecycle, assign
from crmkit.errors import InvalidInput
from crmkit.identity import Identity

KINDS = ("personal", "shared")
SECURITY = ("ssl", "starttls", "none")
ACTIONS = ("read", "send", "manage")
# Addresses at these domains say nothing about the company behind them.
PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.com.vn",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "mail.ru",
        "yandex.ru",
        "proton.me",
        "protonmail.com",
        "zoho.com",
    }
)


@dataclass(frozen=True)
class Permission:
    group_id: str
    read: bool = True
    send: bool = False
    manage: bool = False

    def allows(self, action: str) -> bool:
        """manage includes send, and send includes read."""
        return {
            "read": self.read or self.send or self.manage,
            "send": self.send or self.manage,
            "manage": self.manage,
        }[action]


@dataclass(frozen=True)
class Access:
    """A mailbox as far as deciding who may use it goes."""

    kind: str
    owner_id: str | None
    permissions: tuple[Permission, ...]

    def allows(self, identity: Identity, action: str) -> bool:
        if "admin" in identity.roles:
            return True
        if self.kind == "personal":
            return identity.user_id == self.owner_id
        return any(p.group_id in identity.groups and p.allows(action) for p in self.permissions)


class ServerGiven(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def security(self) -> str: ...


def check_server(server: ServerGiven, where: str) -> None:
    if not (server.host or "").strip():
        raise InvalidInput.required(f"{where}.host")
    port = server.port
    if not isinstance(port, int) or not 0 < port < 65536:
        raise InvalidInput.field(f"{where}.port", "must be between 1 and 65535")
    if server.security not in SECURITY:
        raise InvalidInput.field(
            f"{where}.security",
            f"must be one of {', '.join(SECURITY)}",
            "not_one_of",
            expected=", ".join(SECURITY),
        )


@dataclass(frozen=True)
class ServerAccount:
    """How to reach a mailbox's IMAP or SMTP server, its password unsealed."""

    host: str
    port: int
    security: str  # "ssl" | "starttls" | "none"
    username: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(
                f"security {self.security!r} of {self.host}:{self.port} is not one of "
                f"{', '.join(SECURITY)}"
            )


@dataclass(frozen=True)
class Fetched:
    """A message as read from a folder, raw."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes


class MailServerError(Exception):
    """A mail server could not be reached, refused the login, or failed a command."""


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Known:
    """An address book entry: an e-mail (or a company domain) and whose it is."""

    counterparty_id: str
    contact_id: str | None
    email: str | None
    domain: str | None


def links(addresses: Iterable[str], book: Iterable[Known], own: str) -> tuple[list[str], list[str]]:
    """The counterparties and contact persons the addresses belong to: by exact address, else
    (for a company) by its domain. The mailbox's own address is not a link."""
    wanted = {a.lower() for a in addresses if a and a.lower() != own.lower()}
    by_email = {k.email: k for k in book if k.email}
    by_domain = {k.domain: k for k in book if k.domain}
    counterparties: dict[str, None] = {}
    contacts: dict[str, None] = {}
    for address in sorted(wanted):
        exact = by_email.get(address)
        found = exact or by_domain.get(domain_of(address))
        if found is None:
            continue
        counterparties[found.counterparty_id] = None
        if exact is not None and exact.contact_id:
            contacts[exact.contact_id] = None
    return list(counterparties), list(contacts)


# -- what the mail service keeps ------------------------------------------------------------
@dataclass(frozen=True)
class Server:
    """A mailbox's IMAP or SMTP server as shown to people (the password is kept sealed apart)."""

    host: str
    port: int
    security: str
    username: str = ""


def named(value: object, field_name: str = "name") -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput.required(field_name)
    return text


def check_address(value: object) -> str:
    address = str(value or "").strip().lower()
    if address.count("@") != 1 or not all(address.split("@")):
        raise InvalidInput.field("address", "must be an e-mail address")
    return address


SERVER_FIELDS = ("host", "port", "security", "username")


@dataclass
class Mailbox(Lifecycle):
    """Archived, it is synced no more and sent from no more; its messages stay readable."""

    KIND = "mailbox"

    id: str
    name: str
    kind: str
    address: str
    owner_id: str | None
    imap: Server
    smtp: Server
    imap_password: str  # sealed with the service's key
    smtp_password: str
    created_at: datetime
    last_sync_at: datetime | None = None
    last_error: str | None = None
    permissions: tuple[Permission, ...] = ()

    @property
    def access(self) -> Access:
        return Access(self.kind, self.owner_id, self.permissions)

    @property
    def domain(self) -> str:
        """The domain its messages' ids are made in."""
        return self.address.rpartition("@")[2] or "hoa-crm.invalid"

    def usable(self) -> None:
        """Nothing is synced or sent through an archived mailbox."""
        self.require_current()

    def card(self) -> FieldChanges:
        """What it is, for the history: its fields and servers, never a password."""
        plain: dict[str, object] = {"name": self.name, "kind": self.kind}
        plain |= {"address": self.address, "owner_id": self.owner_id} | self.servers()
        return {name: (None, value) for name, value in plain.items() if value not in (None, "")}

    def servers(self) -> dict[str, object]:
        return {
            f"{which}.{name}": getattr(server, name)
            for which, server in (("imap", self.imap), ("smtp", self.smtp))
            for name in SERVER_FIELDS
        }

    def change(
        self, values: Mapping[str, object], servers: dict[str, Server], passwords: dict[str, str]
    ) -> FieldChanges:
        """Its name, address, kind and owner as sent; its servers as they are now; the sealed
        passwords that changed (in the history only as changed, with no values)."""
        fixed = dict(values)
        if "name" in fixed:
            fixed["name"] = named(fixed["name"])
        if "address" in fixed:
            fixed["address"] = check_address(fixed["address"])
        before = self.servers()
        changes = assign(self, fixed)
        self.imap, self.smtp = servers.get("imap", self.imap), servers.get("smtp", self.smtp)
        after = self.servers()
        changes |= {
            name: (before[name], after[name]) for name in after if before[name] != after[name]
        }
        for which, sealed in passwords.items():
            setattr(self, f"{which}_password", sealed)
            changes[f"{which}.password"] = (None, None)
        return self.changed(changes)


@dataclass(frozen=True)
class StoredAttachment:
    filename: str
    content_type: str
    size: int
    sha256: str  # in the file store; empty when it was not kept


@dataclass
class Message:
    """A message of the correspondence log, imported (in) or sent (out)."""

    id: str
    mailbox_id: str
    direction: str  # in | out
    folder: str
    message_id: str
    thread_id: str
    in_reply_to: str | None
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    sent_at: datetime | None
    text: str
    html: str | None
    attachments: list[StoredAttachment]
    counterparty_ids: list[str]
    contact_ids: list[str]
    deal_id: str | None
    created_at: datetime
    # performer assignment: who answers it, by when; open | done | answered (a reply was sent)
    assignee_id: str | None = None
    due_date: date | None = None
    assignment_note: str | None = None
    assignment: str | None = None


@dataclass
class Template(Lifecycle):
    """Archived, no new mailing or rule names it; the rules that name it keep sending it."""

    KIND = "template"

    id: str
    name: str
    subject: str
    body: str
    created_at: datetime

    def change(self, values: Mapping[str, object]) -> FieldChanges:
        fixed = dict(values)
        if "name" in fixed:
            fixed["name"] = named(fixed["name"])
        return self.changed(assign(self, fixed))


CRITERIA = ("region", "industry", "position", "role", "abc")


def check_criteria(criteria: Mapping[str, str] | None) -> None:
    unknown = set(criteria or {}) - set(CRITERIA)
    if unknown:
        raise InvalidInput.field("criteria", f"unknown: {', '.join(sorted(unknown))}")


@dataclass
class AddressGroup(Lifecycle):
    """Archived, no new mailing is sent to it."""

    KIND = "address group"

    id: str
    name: str
    members: list[str] | None  # contact ids chosen by hand, or
    criteria: dict[str, str] | None  # region, industry, position, role, abc
    created_at: datetime

    def __post_init__(self) -> None:
        if (self.members is None) == (self.criteria is None):
            raise InvalidInput.field("members", "give either members or criteria")
        check_criteria(self.criteria)

    def change(self, values: Mapping[str, object]) -> FieldChanges:
        """Members chosen by hand replace its criteria, criteria its members."""
        fixed = dict(values)
        if "name" in fixed:
            fixed["name"] = named(fixed["name"])
        if fixed.get("members") is not None:
            fixed = {"criteria": None} | fixed
            fixed["members"] = list(fixed["members"])  # type: ignore[call-overload]
        if fixed.get("criteria") is not None:
            fixed = {"members": None} | fixed
        changes = assign(self, fixed)
        self.__post_init__()
        return self.changed(changes)


@dataclass(frozen=True)
class Person:
    """An address book entry: whose an address is, with what address groups select by."""

    owner: str  # counterparty:<id> | contact:<id>
    email: str | None
    counterparty_id: str
    contact_id: str | None
    name: str
    company: str
    position: str | None = None


@dataclass(frozen=True)
class Company:
    """What a counterparty's people share of it in the address book (address groups select by
    it, templates say its name)."""

    name: str
    region: str | None
    industry: str | None
    roles: str  # ",customer,supplier,"
    abc: str | None


@dataclass(frozen=True)
class Recipient:
    """A recipient of a mailing still to be sent to, with what the template may say of them."""

    email: str
    name: str | None
    company: str | None
    position: str | None


@dataclass
class Mailing:
    id: str
    address_group_id: str
    template_id: str
    mailbox_id: str
    status: str  # queued | sending | done | failed
    per_minute: int
    created_by: str
    created_at: datetime
    reason: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class Progress:
    """A mailing with how far it got."""

    mailing: Mailing
    total: int
    sent: int
    failed: int
    skipped: int


def check_offset(days: object) -> int:
    if not isinstance(days, int) or not 0 <= days <= 3650:
        raise InvalidInput.field("offset_days", "must be between 0 and 3650")
    return days


@dataclass
class Rule(Lifecycle):
    """When an invoice is overdue, 3 days later send the payment reminder from Accounting.
    Switched off or archived, it sends nothing, not even the mails it had scheduled."""

    KIND = "rule"

    id: str
    event: str  # an event type, or contact.birthday
    offset_days: int
    template_id: str
    mailbox_id: str
    enabled: bool
    created_at: datetime

    @property
    def sending(self) -> bool:
        return self.enabled and not self.archived

    def change(self, values: Mapping[str, object]) -> FieldChanges:
        fixed = dict(values)
        if "offset_days" in fixed:
            fixed["offset_days"] = check_offset(fixed["offset_days"])
        if "event" in fixed:
            fixed["event"] = named(fixed["event"], "event")
        return self.changed(assign(self, fixed))


# An event that makes the mails about other events of the same subject pointless: a paid invoice
# needs no payment reminder, neither one still waiting nor one whose overdue event comes after
# the payment's (events of different types may arrive in any order); nor does one the ERP
# cancelled (an update whose status is cancelled).
SETTLES: dict[str, tuple[str, ...]] = {"deals.invoice.paid": ("deals.invoice.overdue",)}
SETTLED_BY_ANOTHER = frozenset(kind for settled in SETTLES.values() for kind in settled)


def settled_by(event_type: str, about: Mapping[str, object]) -> tuple[str, ...]:
    """The kinds of event whose mails this event makes pointless for its subject."""
    document = about.get("document")
    status = document.get("status") if isinstance(document, Mapping) else None
    if event_type == "deals.invoice.updated" and status == "cancelled":
        return SETTLES["deals.invoice.paid"]
    return SETTLES.get(event_type, ())


@dataclass(frozen=True)
class RuleMail:
    """One mail of a rule, exactly once per (rule, subject, occurrence)."""

    rule_id: str
    subject: str  # the invoice, contact... it is about
    occurrence: str  # the event, or the year of a birthday
    email: str
    contact_id: str | None
    counterparty_id: str | None
    context: dict[str, object]  # what the template may say
    due_at: datetime
    template_id: str = ""
    mailbox_id: str = ""


@dataclass
class Proposal:
    """Someone met in the mail who is not in contacts yet, for a user to accept."""

    id: str
    mailbox_id: str
    email: str
    name: str
    company: str | None
    phone: str | None
    source: str  # address | vcard
    messages: int
    status: str  # proposed | accepted | dismissed
    first_seen_at: datetime
    counterparty_id: str | None = None
    contact_id: str | None = None
