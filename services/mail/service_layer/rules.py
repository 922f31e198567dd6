"""Automatic sending: on an event (an overdue invoice, a won deal, any event type) or a contact's
birthday, N days later, template T from mailbox M to the counterparty or person concerned;
exactly once per (rule, subject, occurrence), however often the event or the scan comes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import partial

from crmkit.errors import InvalidInput, found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.adapters.messages import compose
from services.mail.domain import commands, model
from services.mail.service_layer.mailboxes import AREA, account, mailbox_for, now
from services.mail.service_layer.ports import BulkSenders, Secrets, TemplateRenderer
from services.mail.service_layer.unit_of_work import UnitOfWork

BIRTHDAY = "contact.birthday"


def create_rule(command: commands.CreateRule, uow: UnitOfWork, actor: Identity) -> model.Rule:
    actor.require_writer(AREA)
    if not 0 <= int(command.offset_days or 0) <= 3650:
        raise InvalidInput.field("offset_days", "must be between 0 and 3650")
    with uow:
        mailbox_for(uow, command.mailbox_id, actor, "send")
        if uow.templates.get(command.template_id) is None:
            raise InvalidInput.field("template_id", "no such template")
        rule = model.Rule(
            id=str(uuid.uuid4()),
            event=command.event,
            offset_days=int(command.offset_days or 0),
            template_id=command.template_id,
            mailbox_id=command.mailbox_id,
            enabled=bool(command.enabled),
            created_at=now(),
        )
        uow.rules.add(rule)
        uow.commit()
    return rule


def list_rules(uow: UnitOfWork, page: Page) -> tuple[list[model.Rule], int]:
    with uow:
        return uow.views.rules(page)


def schedule_rule_mails(command: commands.ScheduleRuleMails, uow: UnitOfWork) -> int:
    """Settles what this event settles (a paid invoice: its reminders waiting are cancelled,
    and one whose overdue event comes later is never scheduled), then schedules the mails of
    the rules about it, unless its subject is settled already; returns how many were new."""
    subject = command.aggregate_id or command.event_id
    with uow:
        settled = model.SETTLES.get(command.event_type)
        if settled:
            uow.rules.settle(subject, settled, command.occurred_at or now())
        new = _schedule_about(command, subject, uow)
        uow.commit()
    return new


def _schedule_about(command: commands.ScheduleRuleMails, subject: str, uow: UnitOfWork) -> int:
    rules = uow.rules.about(command.event_type)
    if not rules:
        return 0
    if command.event_type in model.SETTLED_BY_ANOTHER and uow.rules.settled(
        subject, command.event_type
    ):
        return 0
    person = uow.addresses.person(_owner(command.about))
    if person is None:
        return 0
    context: dict[str, object] = {"event": command.about}
    at = command.occurred_at or now()
    return sum(
        _schedule(uow, rule, subject, command.event_id, person, context, at) for rule in rules
    )


def _owner(about: dict[str, object]) -> str:
    """The person the event is about (a contact) or its counterparty, as an address book owner."""
    inner = next((v for v in about.values() if isinstance(v, dict)), {})
    if "full_name" in inner:  # a contact person
        return f"contact:{inner.get('id')}"
    return f"counterparty:{inner.get('counterparty_id') or inner.get('id')}"


def scan_birthdays(command: commands.ScanBirthdays, uow: UnitOfWork) -> int:
    """Once a day or more often: today's birthdays, each scheduled once a year per rule."""
    at = command.at
    with uow:
        rules = uow.rules.about(BIRTHDAY)
        if not rules:
            return 0
        new = 0
        for person in uow.addresses.birthdays(at.strftime("%m-%d")):
            context: dict[str, object] = {
                "contact": {"full_name": person.name, "position": person.position or ""}
            }
            for rule in rules:
                new += _schedule(
                    uow,
                    rule,
                    person.contact_id or person.owner,
                    str(at.year),
                    person,
                    context,
                    at.replace(hour=0, minute=0, second=0, microsecond=0),
                )
        uow.commit()
    return new


def _schedule(
    uow: UnitOfWork,
    rule: model.Rule,
    subject: str,
    occurrence: str,
    person: model.Person,
    context: dict[str, object],
    at: datetime,
) -> int:
    mail = model.RuleMail(
        rule_id=rule.id,
        subject=subject,
        occurrence=occurrence,
        email=person.email or "",
        contact_id=person.contact_id,
        counterparty_id=person.counterparty_id,
        context=context
        | {
            "contact": {"full_name": person.name or "", "position": person.position or ""},
            "counterparty": {"name": person.company or ""},
        },
        due_at=at + timedelta(days=rule.offset_days),
    )
    return int(uow.rules.schedule(mail))


def send_due(
    command: commands.SendDueRuleMails,
    uow: UnitOfWork,
    secrets: Secrets,
    templates: TemplateRenderer,
    senders: BulkSenders,
) -> int:
    """Sends every scheduled mail that is due; each is recorded as sent before the server is
    told the message is complete, so a crash never sends it twice. Returns how many went."""
    with uow:
        due = uow.rules.due(command.at)
    sent = 0
    for item in due:
        with uow:
            box = found(uow.mailboxes.get(item.mailbox_id), "mailbox", item.mailbox_id)
            template = found(uow.templates.get(item.template_id), "template", item.template_id)
        message = _message(templates, box, template, item)
        with senders(account(secrets, box, "smtp")) as smtp:
            if smtp.deliver(message, item.email, partial(_take, uow, item, command.at)):
                sent += 1
    return sent


def _message(
    templates: TemplateRenderer, box: model.Mailbox, template: model.Template, item: model.RuleMail
) -> EmailMessage:
    return compose(
        from_address=box.address,
        from_name=box.name,
        to=[item.email],
        cc=[],
        subject=templates.render(template.subject, item.context),
        text=templates.render(template.body, item.context),
        html=None,
        in_reply_to=None,
        references=[],
        domain=box.domain,
    )


def _take(uow: UnitOfWork, item: model.RuleMail, at: datetime) -> bool:
    with uow:
        taken = uow.rules.take(item, at)
        uow.commit()
    return taken
