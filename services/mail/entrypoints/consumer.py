"""The mail consumer: whose address is whose, from contacts' events (to link messages)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crm.events.v1 import contacts_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.consumer import dispatch_by_type
from crmkit.rabbit import QueueSpec
from services.mail.adapters import orm
from services.mail.domain.model import PUBLIC_DOMAINS, domain_of
from services.mail.service_layer import rules

# The address book, and the events automatic rules may be about.
QUEUE = QueueSpec(
    "mail",
    bindings=(
        "contacts.counterparty.*",
        "contacts.contact.*",
        "deals.deal.*",
        "deals.invoice.*",
        "deals.order.*",
        "deals.shipment.*",
    ),
)
a = orm.addresses.c


def _keep(session: Session, owner: str, values: dict[str, object]) -> None:
    changed = session.execute(update(orm.addresses).where(a.owner == owner).values(**values))
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(orm.addresses.insert().values(owner=owner, **values))


def _counterparty(session: Session, e: Envelope) -> None:
    if e.type == "contacts.counterparty.deleted":
        gone = contacts_pb2.CounterpartyDeleted.FromString(e.payload).counterparty_id
        session.execute(delete(orm.addresses).where(a.counterparty_id == gone))
        return
    c = contacts_pb2.CounterpartyCreated.FromString(e.payload).counterparty
    email = c.email.lower() if c.HasField("email") else None
    company = email and c.legal_kind == "legal_entity" and domain_of(email) not in PUBLIC_DOMAINS
    shared = {
        "company": c.name,
        "region": c.region if c.HasField("region") else None,
        "industry": c.industry if c.HasField("industry") else None,
        "roles": "," + ",".join(c.roles) + ",",
        "abc": c.abc if c.HasField("abc") else None,
    }
    session.execute(update(orm.addresses).where(a.counterparty_id == c.id).values(**shared))
    values = {
        "email": email,
        "domain": domain_of(email) if email and company else None,
        "counterparty_id": c.id,
        "contact_id": None,
        "name": c.name,
        "position": None,
        **shared,
    }
    _keep(session, f"counterparty:{c.id}", values)


def _contact(session: Session, e: Envelope) -> None:
    c = contacts_pb2.ContactCreated.FromString(e.payload).contact
    company = session.execute(
        select(a.company, a.region, a.industry, a.roles, a.abc).where(
            a.owner == f"counterparty:{c.counterparty_id}"
        )
    ).first()
    values = {
        "email": c.email.lower() if c.HasField("email") else None,
        "domain": None,
        "counterparty_id": c.counterparty_id,
        "contact_id": c.id,
        "name": c.full_name,
        "position": c.position if c.HasField("position") else None,
        "birthday": c.birthday[5:10] if c.HasField("birthday") else None,
        **(company._asdict() if company else {"roles": ""}),
    }
    _keep(session, f"contact:{c.id}", values)


ROUTES: list[tuple[str, Callable[[Session, Envelope], None]]] = [
    ("contacts.counterparty.", _counterparty),
    ("contacts.contact.", _contact),
]


def apply_event(session: Session, envelope: Envelope) -> None:
    if envelope.type.startswith("contacts."):
        dispatch_by_type(ROUTES, session, envelope, "mail")
    rules.on_event(session, envelope)
