"""People met in the mail (senders, recipients, the vCards attached) who are not yet in contacts
become proposals a user accepts (the gateway then creates them in contacts) or dismisses."""

from __future__ import annotations

import re
import uuid

from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.adapters.messages import ParsedMessage
from services.mail.domain import commands, model
from services.mail.domain.model import PUBLIC_DOMAINS, domain_of
from services.mail.service_layer.mailboxes import AREA, mailbox_for, now
from services.mail.service_layer.unit_of_work import UnitOfWork

VCARD_FIELD = re.compile(r"^(?P<name>[A-Z]+)(?:;[^:]*)?:(?P<value>.*)$")
Seen = dict[str, str | int]  # FN, EMAIL, TEL, ORG as found, its source, how many messages


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


def propose(uow: UnitOfWork, mailbox: model.Mailbox, batch: list[ParsedMessage]) -> None:
    """Called for each batch of messages stored: everyone in them we do not know yet."""
    people: dict[str, Seen] = {}
    for parsed in batch:
        found: list[dict[str, str]] = [
            {"EMAIL": parsed.from_address, "FN": parsed.from_name, "source": "address"},
            *({"EMAIL": address, "source": "address"} for address in (*parsed.to, *parsed.cc)),
            *({**card, "source": "vcard"} for card in vcards(parsed)),
        ]
        for person in found:
            email = person["EMAIL"].lower()
            if not email or email == mailbox.address:
                continue
            first: Seen = {**person, "messages": 0}
            seen = people.setdefault(email, first)
            seen["messages"] = int(seen["messages"]) + 1
            if person["source"] == "vcard":
                seen.update(person)
    if not people:
        return
    known = uow.addresses.known_emails(sorted(people))
    proposed = uow.proposals.of_mailbox(mailbox.id, people)
    for email, seen in people.items():
        if email not in known:
            _keep(uow, mailbox.id, email, seen, proposed.get(email))


def _text(person: Seen, name: str) -> str | None:
    value = person.get(name)
    return str(value) if value else None


def _keep(
    uow: UnitOfWork, mailbox_id: str, email: str, person: Seen, known: model.Proposal | None
) -> None:
    domain = domain_of(email)
    company = _text(person, "ORG") or (domain if domain not in PUBLIC_DOMAINS else None)
    if known is not None:
        known.messages += int(person["messages"])
        if person["source"] == "vcard":
            known.name = _text(person, "FN") or email
            known.phone = _text(person, "TEL")
            known.company = company
        uow.proposals.save(known)
        return
    uow.proposals.add(
        model.Proposal(
            id=str(uuid.uuid4()),
            mailbox_id=mailbox_id,
            email=email,
            name=_text(person, "FN") or email.partition("@")[0],
            company=company,
            phone=_text(person, "TEL"),
            source=str(person["source"]),
            messages=int(person["messages"]),
            status="proposed",
            first_seen_at=now(),
        )
    )


def list_proposals(
    uow: UnitOfWork, mailbox_id: str, actor: Identity, page: Page
) -> tuple[list[model.Proposal], int]:
    """The open proposals of a mailbox, the most written to first; people who joined contacts
    since (from elsewhere) are no longer proposed."""
    with uow:
        mailbox_for(uow, mailbox_id, actor, "read")
        return uow.views.proposals(mailbox_id, page)


def proposal_for(uow: UnitOfWork, proposal_id: str, actor: Identity) -> model.Proposal:
    with uow:
        return _open_proposal(uow, proposal_id, actor)


def _open_proposal(uow: UnitOfWork, proposal_id: str, actor: Identity) -> model.Proposal:
    proposal = uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound.of("contact proposal", proposal_id)
    mailbox_for(uow, proposal.mailbox_id, actor, "read")
    if proposal.status != "proposed":
        raise Conflict(f"this proposal is already {proposal.status}")
    return proposal


def settle(command: commands.SettleProposal, uow: UnitOfWork, actor: Identity) -> model.Proposal:
    """Accepted (with what contacts made of it) or dismissed."""
    actor.require_writer(AREA)
    if command.status not in ("accepted", "dismissed"):
        raise InvalidInput.field("status", "must be accepted or dismissed")
    with uow:
        proposal = _open_proposal(uow, command.proposal_id, actor)
        proposal.status = command.status
        proposal.counterparty_id = command.counterparty_id
        proposal.contact_id = command.contact_id
        uow.proposals.save(proposal)
        uow.commit()
    return proposal
