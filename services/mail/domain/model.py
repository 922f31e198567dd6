"""Mailboxes, who may do what with them, and which counterparties a message concerns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


def check_server(server: dict[str, object], where: str) -> None:
    if not str(server.get("host") or "").strip():
        raise InvalidInput.field(f"{where}.host", "is required")
    port = server.get("port")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise InvalidInput.field(f"{where}.port", "must be between 1 and 65535")
    if server.get("security") not in SECURITY:
        raise InvalidInput.field(f"{where}.security", f"must be one of {', '.join(SECURITY)}")


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
