"""Automatic sending: on an event (an overdue invoice, a won deal, any event type) or a contact's
birthday, N days later, template T from mailbox M to the counterparty or person concerned;
exactly once per (rule, subject, occurrence), however often the event or the scan comes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import partial

from crmkit.domain import described
from crmkit.errors import found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.adapters.messages import compose
from services.mail.domain import commands, events, model
from services.mail.domain.model import check_offset
from services.mail.service_layer.mailboxes import AREA, account, mailbox_for, now
from services.mail.service_layer.mailings import chosen_template, fill_in
from services.mail.service_layer.ports import BulkSenders, Secrets, TemplateRenderer
from services.mail.service_layer.unit_of_work import UnitOfWork

BIRTHDAY = "contact.birthday"
RULE_CARD = ("event", "offset_days", "template_id", "mailbox_id", "enabled")


def create_rule(command: commands.CreateRule, uow: UnitOfWork, actor: Identity) -> model.Rule:
    actor.require_writer(AREA)
    check_offset(int(command.offset_days or 0))
    with uow:
        mailbox_for(uow, command.mailbox_id, actor, "send").usable()
        chosen_template(uow, command.template_id)
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
        created = described(rule, RULE_CARD) | {"enabled": (None, rule.enabled)}
        uow.publish(events.RuleChanged(rule, created, "created"))
        uow.commit()
    return rule


def list_rules(uow: UnitOfWork, page: Page, archived: bool = False) -> tuple[list[model.Rule], int]:
    with uow:
        return uow.views.rules(page, archived)


def get_rule(uow: UnitOfWork, rule_id: str) -> model.Rule:
    with uow:
        return _rule(uow, rule_id)


def _rule(uow: UnitOfWork, rule_id: str) -> model.Rule:
    return found(uow.rules.get(rule_id), "rule", rule_id)


def change_rule(command: commands.ChangeRule, uow: UnitOfWork, actor: Identity) -> model.Rule:
    """Only what was sent changes; a new template or mailbox is chosen as for a new rule, and
    `enabled` switches it off (it sends nothing, not even what it had scheduled) or on."""
    actor.require_writer(AREA)
    values = commands.sent(command.changes)
    with uow:
        rule = _rule(uow, command.rule_id)
        rule.expect(command.expected_version)
        rule.require_current()
        mailbox_for(uow, rule.mailbox_id, actor, "send")  # its sender's, to change
        if "mailbox_id" in values:
            mailbox_for(uow, str(values["mailbox_id"]), actor, "send").usable()
        if "template_id" in values:
            chosen_template(uow, str(values["template_id"]))
        changes = rule.change(values)
        if changes:
            uow.rules.save(rule)
            uow.publish(events.RuleChanged(rule, changes))
        uow.commit()
    return rule


def archive_rule(command: commands.ArchiveRecord, uow: UnitOfWork, actor: Identity) -> model.Rule:
    """Archived: it sends nothing more; or, with `restore`, back."""
    actor.require_writer(AREA)
    with uow:
        rule = _rule(uow, command.record_id)
        mailbox_for(uow, rule.mailbox_id, actor, "send")
        changes, action = rule.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.rules.save(rule)
            uow.publish(events.RuleChanged(rule, changes, action))
        uow.commit()
    return rule


def schedule_rule_mails(command: commands.ScheduleRuleMails, uow: UnitOfWork) -> int:
    """Settles what this event settles (a paid invoice: its reminders waiting are cancelled,
    and one whose overdue event comes later is never scheduled), then schedules the mails of
    the rules about it, unless its subject is settled already; returns how many were new."""
    subject = command.aggregate_id or command.event_id
    with uow:
        settled = model.settled_by(command.event_type, command.about)
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
    subject, body = fill_in(templates, template, item.context)
    return compose(
        from_address=box.address,
        from_name=box.name,
        to=[item.email],
        cc=[],
        subject=subject,
        text=body,
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
