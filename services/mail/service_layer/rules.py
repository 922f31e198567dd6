"""Automatic sending: on an event (an overdue invoice, a won deal, any event type) or a contact's
birthday, N days later, template T from mailbox M to the counterparty or person concerned;
exactly once per (rule, subject, occurrence), however often the event or the scan comes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from crm.events.v1 import contacts_pb2, deals_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.errors import InvalidInput
from crmkit.identity import Identity
from crmkit.paging import Page, paginate_rows
from services.mail.adapters import orm
from services.mail.adapters.mailservers import ServerAccount
from services.mail.adapters.mass_smtp import SmtpSession
from services.mail.adapters.messages import compose
from services.mail.adapters.secrets import Vault
from services.mail.service_layer.mailboxes import AREA, account, mailbox_for, now
from services.mail.service_layer.mailings import compiled

BIRTHDAY = "contact.birthday"
ru, rm, a = orm.rules.c, orm.rule_mails.c, orm.addresses.c
# How to read the events rules are most often about; any other type is read from its envelope.
PAYLOADS: dict[str, type[Message]] = {
    "deals.invoice.": deals_pb2.ErpDocumentChanged,
    "deals.order.": deals_pb2.ErpDocumentChanged,
    "deals.shipment.": deals_pb2.ErpDocumentChanged,
    "deals.deal.": deals_pb2.DealChanged,
    "contacts.counterparty.": contacts_pb2.CounterpartyCreated,
    "contacts.contact.": contacts_pb2.ContactCreated,
}


def create_rule(sessions: sessionmaker[Session], fields: dict[str, Any], actor: Identity) -> Any:
    actor.require_writer(AREA)
    if not 0 <= int(fields.get("offset_days") or 0) <= 3650:
        raise InvalidInput.field("offset_days", "must be between 0 and 3650")
    with sessions.begin() as session:
        mailbox_for(session, fields["mailbox_id"], actor, "send")
        if (
            session.scalar(
                select(orm.templates.c.id).where(orm.templates.c.id == fields["template_id"])
            )
            is None
        ):
            raise InvalidInput.field("template_id", "no such template")
        row = {
            "id": str(uuid.uuid4()),
            "event": fields["event"],
            "offset_days": int(fields.get("offset_days") or 0),
            "template_id": fields["template_id"],
            "mailbox_id": fields["mailbox_id"],
            "enabled": bool(fields.get("enabled", True)),
            "created_at": now(),
        }
        session.execute(orm.rules.insert().values(**row))
        return session.execute(select(orm.rules).where(ru.id == row["id"])).one()


def list_rules(sessions: sessionmaker[Session], page: Page) -> tuple[list[Any], int]:
    with sessions() as session:
        return paginate_rows(session, select(orm.rules).order_by(ru.created_at, ru.id), page)


def on_event(session: Session, envelope: Envelope) -> int:
    """Schedules the mails of the rules about this event type; returns how many were new."""
    rules = list(
        session.execute(select(orm.rules).where(ru.event == envelope.type, ru.enabled.is_(True)))
    )
    if not rules:
        return 0
    context = _payload(envelope)
    person = _recipient(session, context)
    if person is None:
        return 0
    at = datetime.fromisoformat(envelope.occurred_at) if envelope.occurred_at else now()
    subject = envelope.aggregate_id or envelope.event_id
    return sum(
        _schedule(session, rule, subject, envelope.event_id, person, context, at) for rule in rules
    )


def scan_birthdays(sessions: sessionmaker[Session], at: datetime) -> int:
    """Once a day or more often: today's birthdays, each scheduled once a year per rule."""
    with sessions.begin() as session:
        rules = list(
            session.execute(select(orm.rules).where(ru.event == BIRTHDAY, ru.enabled.is_(True)))
        )
        if not rules:
            return 0
        people = session.execute(
            select(orm.addresses).where(a.birthday == at.strftime("%m-%d"), a.email.is_not(None))
        ).all()
        new = 0
        for person in people:
            context = {"contact": {"full_name": person.name, "position": person.position or ""}}
            for rule in rules:
                new += _schedule(
                    session,
                    rule,
                    person.contact_id or person.owner,
                    str(at.year),
                    person,
                    context,
                    at.replace(hour=0, minute=0, second=0, microsecond=0),
                )
        return new


def _schedule(
    session: Session,
    rule: Any,
    subject: str,
    occurrence: str,
    person: Any,
    context: dict[str, Any],
    at: datetime,
) -> int:
    key = (rm.rule_id == rule.id) & (rm.subject == subject) & (rm.occurrence == occurrence)
    if session.scalar(select(rm.rule_id).where(key)) is not None:
        return 0
    session.execute(
        orm.rule_mails.insert().values(
            rule_id=rule.id,
            subject=subject,
            occurrence=occurrence,
            email=person.email,
            contact_id=person.contact_id,
            counterparty_id=person.counterparty_id,
            context=context
            | {
                "contact": {"full_name": person.name or "", "position": person.position or ""},
                "counterparty": {"name": person.company or ""},
            },
            due_at=at + timedelta(days=rule.offset_days),
            state="scheduled",
        )
    )
    return 1


def _payload(envelope: Envelope) -> dict[str, Any]:
    for prefix, kind in PAYLOADS.items():
        if envelope.type.startswith(prefix):
            return {
                "event": MessageToDict(
                    kind.FromString(envelope.payload), preserving_proto_field_name=True
                )
            }
    return {"event": {}}


def _recipient(session: Session, context: dict[str, Any]) -> Any:
    """The person the event is about (a contact) or its counterparty's address."""
    event = context["event"]
    inner = next((v for v in event.values() if isinstance(v, dict)), {})
    if "full_name" in inner:  # a contact person
        owner = f"contact:{inner.get('id')}"
    else:
        owner = f"counterparty:{inner.get('counterparty_id') or inner.get('id')}"
    return session.execute(
        select(orm.addresses).where(a.owner == owner, a.email.is_not(None))
    ).first()


def send_due(
    sessions: sessionmaker[Session],
    vault: Vault,
    at: datetime,
    session_factory: Callable[[ServerAccount], SmtpSession] = SmtpSession,
) -> int:
    """Sends every scheduled mail that is due; each is recorded as sent before the server is
    told the message is complete, so a crash never sends it twice. Returns how many went."""
    with sessions() as session:
        due = session.execute(
            select(orm.rule_mails, orm.rules.c.template_id, orm.rules.c.mailbox_id)
            .join(orm.rules, ru.id == rm.rule_id)
            .where(rm.state == "scheduled", rm.due_at <= at)
            .order_by(rm.due_at)
        ).all()
    sent = 0
    for item in due:
        with sessions() as session:
            box = session.execute(
                select(orm.mailboxes).where(orm.mailboxes.c.id == item.mailbox_id)
            ).one()
            template = session.execute(
                select(orm.templates).where(orm.templates.c.id == item.template_id)
            ).one()
        message = _message(box, template, item)
        with session_factory(account(vault, box, "smtp")) as smtp:
            if smtp.deliver(message, item.email, partial(_take, sessions, item, at)):
                sent += 1
    return sent


def _message(box: Any, template: Any, item: Any) -> Any:
    return compose(
        from_address=box.address,
        from_name=box.name,
        to=[item.email],
        cc=[],
        subject=compiled(template.subject).render(item.context),
        text=compiled(template.body).render(item.context),
        html=None,
        in_reply_to=None,
        references=[],
        domain=box.address.rpartition("@")[2] or "hoa-crm.invalid",
    )


def _take(sessions: sessionmaker[Session], item: Any, at: datetime) -> bool:
    key = (
        (rm.rule_id == item.rule_id)
        & (rm.subject == item.subject)
        & (rm.occurrence == item.occurrence)
    )
    with sessions.begin() as session:
        taken = session.execute(
            update(orm.rule_mails)
            .where(key, rm.state == "scheduled")
            .values(state="sent", sent_at=at)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]
