"""Contact information found in the mail: senders, recipients and vCards not yet in contacts
become proposals a user accepts (the gateway then creates them in contacts) or dismisses."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page, paginate_rows
from services.mail.adapters import orm
from services.mail.adapters.messages import ParsedMessage
from services.mail.domain.model import PUBLIC_DOMAINS, domain_of
from services.mail.service_layer.mailboxes import AREA, mailbox_for, now

p, a = orm.proposals.c, orm.addresses.c
VCARD_FIELD = re.compile(r"^(?P<name>[A-Z]+)(?:;[^:]*)?:(?P<value>.*)$")


def vcards(parsed: ParsedMessage) -> list[dict[str, str]]:
    """The people of the vCards attached to a message (FN, EMAIL, TEL, ORG)."""
    found = []
    for attachment in parsed.attachments:
        is_card = "vcard" in attachment.content_type or attachment.filename.lower().endswith(".vcf")
        if not is_card:
            continue
        text = attachment.content.decode("utf-8", "replace")
        for card in text.split("BEGIN:VCARD")[1:]:
            fields: dict[str, str] = {}
            for line in card.replace("\r\n ", "").splitlines():
                match = VCARD_FIELD.match(line.strip())
                if match and match["name"] in ("FN", "EMAIL", "TEL", "ORG"):
                    fields.setdefault(match["name"], match["value"].strip().rstrip(";"))
            if fields.get("EMAIL"):
                found.append(fields)
    return found


def propose(session: Session, mailbox: Any, batch: list[ParsedMessage]) -> None:
    """Called for each batch of messages stored: everyone in them we do not know yet."""
    people: dict[str, dict[str, Any]] = {}
    for parsed in batch:
        found = [
            {"EMAIL": parsed.from_address, "FN": parsed.from_name, "source": "address"},
            *({"EMAIL": address, "source": "address"} for address in (*parsed.to, *parsed.cc)),
            *({**card, "source": "vcard"} for card in vcards(parsed)),
        ]
        for person in found:
            email = person["EMAIL"].lower()
            if not email or email == mailbox.address:
                continue
            seen = people.setdefault(email, person | {"messages": 0})
            seen["messages"] += 1
            if person["source"] == "vcard":
                seen.update(person)
    if not people:
        return
    emails = sorted(people)
    known = set(session.scalars(select(a.email).where(a.email.in_(emails))))
    proposed = {
        row.email: row
        for row in session.execute(
            select(p.id, p.email, p.messages).where(p.mailbox_id == mailbox.id, p.email.in_(emails))
        )
    }
    for email, person in people.items():
        if email not in known:
            _keep(session, mailbox.id, email, person, proposed.get(email))


def _keep(
    session: Session, mailbox_id: str, email: str, person: dict[str, Any], known: Any
) -> None:
    domain = domain_of(email)
    company = person.get("ORG") or (domain if domain not in PUBLIC_DOMAINS else None)
    if known is not None:
        values: dict[str, Any] = {"messages": known.messages + person["messages"]}
        if person["source"] == "vcard":
            values |= {
                "name": person.get("FN") or email,
                "phone": person.get("TEL"),
                "company": company,
            }
        session.execute(update(orm.proposals).where(p.id == known.id).values(**values))
        return
    session.execute(
        orm.proposals.insert().values(
            id=str(uuid.uuid4()),
            mailbox_id=mailbox_id,
            email=email,
            name=person.get("FN") or email.partition("@")[0],
            company=company,
            phone=person.get("TEL"),
            source=person["source"],
            messages=person["messages"],
            status="proposed",
            first_seen_at=now(),
        )
    )


def list_proposals(
    sessions: sessionmaker[Session], mailbox_id: str, actor: Identity, page: Page
) -> tuple[list[Any], int]:
    """The open proposals of a mailbox, the most written to first; people who joined contacts
    since (from elsewhere) are no longer proposed."""
    with sessions() as session:
        mailbox_for(session, mailbox_id, actor, "read")
        known = select(a.email).where(a.email.is_not(None))
        query = (
            select(orm.proposals)
            .where(p.mailbox_id == mailbox_id, p.status == "proposed", p.email.not_in(known))
            .order_by(p.messages.desc(), p.email)
        )
        return paginate_rows(session, query, page)


def proposal_for(sessions: sessionmaker[Session], proposal_id: str, actor: Identity) -> Any:
    with sessions() as session:
        row = session.execute(select(orm.proposals).where(p.id == proposal_id)).first()
        if row is None:
            raise NotFound.of("contact proposal", proposal_id)
        mailbox_for(session, row.mailbox_id, actor, "read")
        if row.status != "proposed":
            raise Conflict(f"this proposal is already {row.status}")
        return row


def settle(
    sessions: sessionmaker[Session],
    proposal_id: str,
    status: str,
    counterparty_id: str | None,
    contact_id: str | None,
    actor: Identity,
) -> Any:
    """Accepted (with what contacts made of it) or dismissed."""
    actor.require_writer(AREA)
    if status not in ("accepted", "dismissed"):
        raise InvalidInput.field("status", "must be accepted or dismissed")
    proposal_for(sessions, proposal_id, actor)
    with sessions.begin() as session:
        values = {"status": status, "counterparty_id": counterparty_id, "contact_id": contact_id}
        session.execute(update(orm.proposals).where(p.id == proposal_id).values(**values))
        return session.execute(select(orm.proposals).where(p.id == proposal_id)).one()
