"""Templates, address groups and mass mailings: personalised, throttled, one state per
recipient, a suppression list and an unsubscribe link; resumed after a crash without sending
anyone twice."""

from __future__ import annotations

import time
import uuid
from email.message import EmailMessage
from functools import partial

from crmkit.domain import described
from crmkit.errors import InvalidInput, NotFound, found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.adapters.messages import compose
from services.mail.domain import commands, events, model
from services.mail.domain.model import check_criteria
from services.mail.service_layer.mailboxes import AREA, account, mailbox_for, now
from services.mail.service_layer.ports import (
    BulkSenders,
    Secrets,
    TemplateFailed,
    TemplateRenderer,
)
from services.mail.service_layer.unit_of_work import UnitOfWork

TEMPLATE_CARD = ("name", "subject", "body")
GROUP_CARD = ("name", "members", "criteria")


# -- templates -----------------------------------------------------------------------------
def create_template(
    command: commands.CreateTemplate,
    uow: UnitOfWork,
    templates: TemplateRenderer,
    actor: Identity,
) -> model.Template:
    """Tried when saved: one that cannot even be filled in on a sample is refused."""
    actor.require_writer(AREA)
    _check_texts(templates, {"subject": command.subject, "body": command.body})
    template = model.Template(
        str(uuid.uuid4()), command.name.strip(), command.subject, command.body, now()
    )
    with uow:
        uow.templates.add(template)
        created = described(template, TEMPLATE_CARD)
        uow.publish(events.TemplateChanged(template, created, "created"))
        uow.commit()
    return template


def _check_texts(templates: TemplateRenderer, texts: dict[str, object]) -> None:
    for field in ("subject", "body"):
        problem = templates.check(str(texts[field])) if field in texts else None
        if problem is not None:
            raise InvalidInput.field(field, problem)


def list_templates(
    uow: UnitOfWork, page: Page, archived: bool = False
) -> tuple[list[model.Template], int]:
    with uow:
        return uow.views.templates(page, archived)


def get_template(uow: UnitOfWork, template_id: str) -> model.Template:
    with uow:
        return _template(uow, template_id)


def _template(uow: UnitOfWork, template_id: str) -> model.Template:
    return found(uow.templates.get(template_id), "template", template_id)


def chosen_template(uow: UnitOfWork, template_id: str) -> model.Template:
    """A template chosen for a new mailing or rule: one not archived."""
    template = uow.templates.get(template_id)
    if template is None:
        raise InvalidInput.field("template_id", "no such template")
    if template.archived:
        raise InvalidInput.field(
            "template_id", f"template {template.name!r} is archived", "archived"
        )
    return template


def change_template(
    command: commands.ChangeTemplate,
    uow: UnitOfWork,
    templates: TemplateRenderer,
    actor: Identity,
) -> model.Template:
    """Tried as when it is saved first; what names it sends it as it is now."""
    actor.require_writer(AREA)
    values = commands.sent(command.changes)
    _check_texts(templates, values)
    with uow:
        template = _template(uow, command.template_id)
        template.expect(command.expected_version)
        template.require_current()
        changes = template.change(values)
        if changes:
            uow.templates.save(template)
            uow.publish(events.TemplateChanged(template, changes))
        uow.commit()
    return template


def archive_template(
    command: commands.ArchiveRecord, uow: UnitOfWork, actor: Identity
) -> model.Template:
    """Archived: chosen for no new mailing or rule, while the rules naming it keep sending it;
    or, with `restore`, back."""
    actor.require_writer(AREA)
    with uow:
        template = _template(uow, command.record_id)
        changes, action = template.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.templates.save(template)
            uow.publish(events.TemplateChanged(template, changes, action))
        uow.commit()
    return template


def preview_template(
    command: commands.PreviewTemplate, uow: UnitOfWork, templates: TemplateRenderer
) -> tuple[str, str]:
    """The subject and body as a mail to this counterparty (its first contact person with an
    e-mail, if it has one) would say them: the same filling in as sending."""
    with uow:
        template = _template(uow, command.template_id)
        company = uow.addresses.company(command.counterparty_id)
        if company is None:
            message = f"counterparty {command.counterparty_id!r} does not exist"
            raise InvalidInput.field("counterparty_id", message)
        person = uow.addresses.first_contact(command.counterparty_id)
    recipient = model.Recipient(
        person.email or "" if person else "",
        person.name if person else None,
        company.name,
        person.position if person else None,
    )
    try:
        return fill_in(templates, template, recipient_context(recipient))
    except TemplateFailed as error:
        raise InvalidInput.field("body", f"cannot be filled in: {error}") from None


def recipient_context(person: model.Recipient, unsubscribe_url: str = "") -> dict[str, object]:
    """What a template may say of whom it is sent to."""
    return {
        "contact": {"full_name": person.name or "", "position": person.position or ""},
        "counterparty": {"name": person.company or ""},
        "unsubscribe_url": unsubscribe_url,
    }


def fill_in(
    templates: TemplateRenderer, template: model.Template, context: dict[str, object]
) -> tuple[str, str]:
    """A template's subject and body filled in: for mailings, rules and previews alike."""
    return templates.render(template.subject, context), templates.render(template.body, context)


# -- address groups ------------------------------------------------------------------------
def create_address_group(
    command: commands.CreateAddressGroup, uow: UnitOfWork, actor: Identity
) -> model.AddressGroup:
    """By hand (contact ids) or by criteria, evaluated whenever a mailing to it starts."""
    actor.require_writer(AREA)
    members = list(command.members) if command.members is not None else None
    group = model.AddressGroup(
        str(uuid.uuid4()), command.name.strip(), members, command.criteria, now()
    )
    with uow:
        uow.groups.add(group)
        created = described(group, GROUP_CARD)
        uow.publish(events.AddressGroupChanged(group, created, "created"))
        uow.commit()
    return group


def list_address_groups(
    uow: UnitOfWork, page: Page, archived: bool = False
) -> tuple[list[model.AddressGroup], int]:
    with uow:
        return uow.views.address_groups(page, archived)


def get_address_group(uow: UnitOfWork, group_id: str) -> model.AddressGroup:
    with uow:
        return _group(uow, group_id)


def change_address_group(
    command: commands.ChangeAddressGroup, uow: UnitOfWork, actor: Identity
) -> model.AddressGroup:
    actor.require_writer(AREA)
    with uow:
        group = _group(uow, command.group_id)
        group.expect(command.expected_version)
        group.require_current()
        changes = group.change(commands.sent(command.changes))
        if changes:
            uow.groups.save(group)
            uow.publish(events.AddressGroupChanged(group, changes))
        uow.commit()
    return group


def archive_address_group(
    command: commands.ArchiveRecord, uow: UnitOfWork, actor: Identity
) -> model.AddressGroup:
    """Archived: no new mailing is sent to it; or, with `restore`, back."""
    actor.require_writer(AREA)
    with uow:
        group = _group(uow, command.record_id)
        changes, action = group.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.groups.save(group)
            uow.publish(events.AddressGroupChanged(group, changes, action))
        uow.commit()
    return group


def preview_members(uow: UnitOfWork, criteria: dict[str, str]) -> list[model.Person]:
    """Whom these criteria select now, as a group of them would (nothing is saved)."""
    check_criteria(criteria)
    unsaved = model.AddressGroup("", "preview", None, criteria, now())
    with uow:
        return uow.addresses.members(unsaved)


def _group(uow: UnitOfWork, group_id: str) -> model.AddressGroup:
    return found(uow.groups.get(group_id), "address group", group_id)


def group_members(uow: UnitOfWork, group_id: str) -> list[model.Person]:
    """The people (with an e-mail) the group holds now, one per address."""
    with uow:
        return uow.addresses.members(_group(uow, group_id))


# -- mailings ------------------------------------------------------------------------------
def start_mailing(command: commands.StartMailing, uow: UnitOfWork, actor: Identity) -> str:
    actor.require_writer(AREA)
    per_minute = int(command.per_minute or 600)
    if not 1 <= per_minute <= 60_000:
        raise InvalidInput.field("per_minute", "must be between 1 and 60000")
    with uow:
        mailbox_for(uow, command.mailbox_id, actor, "send").usable()
        group = _group(uow, command.address_group_id)
        if group.archived:
            message = f"address group {group.name!r} is archived"
            raise InvalidInput.field("address_group_id", message)
        chosen_template(uow, command.template_id)
    mailing = model.Mailing(
        id=str(uuid.uuid4()),
        address_group_id=command.address_group_id,
        template_id=command.template_id,
        mailbox_id=command.mailbox_id,
        status="queued",
        per_minute=per_minute,
        created_by=actor.user_id,
        created_at=now(),
    )
    with uow:
        uow.mailings.add(mailing)
        uow.commit()
    return mailing.id


def progress(uow: UnitOfWork, mailing_id: str) -> model.Progress:
    with uow:
        return found(uow.views.progress(mailing_id), "mailing", mailing_id)


def list_mailings(uow: UnitOfWork, page: Page) -> tuple[list[model.Progress], int]:
    """Newest first, each with how far it got."""
    with uow:
        return uow.views.mailings(page)


def run_mailing(
    command: commands.RunMailing,
    uow: UnitOfWork,
    secrets: Secrets,
    templates: TemplateRenderer,
    senders: BulkSenders,
) -> model.Progress:
    """Sends to every pending recipient; safe to run again after a crash, and alongside another
    run of the same mailing: each recipient is taken by one run, recorded before completion.
    One whose mailbox was archived meanwhile fails, saying so."""
    mailing_id = command.mailing_id
    with uow:
        mailing = found(uow.mailings.get(mailing_id), "mailing", mailing_id)
        if mailing.status in ("done", "failed"):
            return found(uow.views.progress(mailing_id), "mailing", mailing_id)
        mailing.status = "sending"
        uow.mailings.save(mailing)
        if not uow.mailings.has_recipients(mailing_id):
            _resolve(uow, mailing)
        box = found(uow.mailboxes.get(mailing.mailbox_id), "mailbox", mailing.mailbox_id)
        template = found(uow.templates.get(mailing.template_id), "template", mailing.template_id)
        uow.commit()
    if box.archived:  # archived since the mailing was asked for: nothing more goes from it
        return _finish(uow, mailing, "failed", f"mailbox {box.name!r} is archived")
    pause = 60.0 / mailing.per_minute
    with uow:
        pending = uow.mailings.pending(mailing_id)
    with senders(account(secrets, box, "smtp")) as smtp:
        for person in pending:
            started = time.monotonic()
            try:
                token = secrets.sign(f"{mailing_id}:{person.email}")
                message = _personal(templates, box, template, person, token, command)
            except (TemplateFailed, ValueError) as error:
                reason = f"the template cannot be filled in: {error}"
                return _finish(uow, mailing, "failed", reason)
            smtp.deliver(message, person.email, partial(_take, uow, mailing_id, person.email))
            time.sleep(max(0.0, pause - (time.monotonic() - started)))
    return _finish(uow, mailing, "done", None)


def _finish(
    uow: UnitOfWork, mailing: model.Mailing, status: str, reason: str | None
) -> model.Progress:
    mailing.status, mailing.finished_at = status, now()
    if reason is not None:
        mailing.reason = reason
    with uow:
        uow.mailings.save(mailing)
        uow.commit()
    return progress(uow, mailing.id)


def _resolve(uow: UnitOfWork, mailing: model.Mailing) -> None:
    """The recipients, fixed when the mailing starts; suppressed addresses are skipped."""
    suppressed = uow.suppressions.emails()
    for person in uow.addresses.members(_group(uow, mailing.address_group_id)):
        state = "skipped" if person.email in suppressed else "pending"
        uow.mailings.add_recipient(mailing.id, person, state)


def _take(uow: UnitOfWork, mailing_id: str, email: str) -> bool:
    """Records the recipient as sent, unless another run took them first."""
    with uow:
        taken = uow.mailings.take(mailing_id, email, now())
        uow.commit()
    return taken


def _personal(
    templates: TemplateRenderer,
    box: model.Mailbox,
    template: model.Template,
    person: model.Recipient,
    token: str,
    command: commands.RunMailing,
) -> EmailMessage:
    unsubscribe_url = f"{command.unsubscribe_url.rstrip('/')}/{token}"
    subject, body = fill_in(templates, template, recipient_context(person, unsubscribe_url))
    if "unsubscribe_url" not in template.body:
        body += f"\n\n--\nUnsubscribe: {unsubscribe_url}"
    message = compose(
        from_address=box.address,
        from_name=box.name,
        to=[person.email],
        cc=[],
        subject=subject,
        text=body,
        html=None,
        in_reply_to=None,
        references=[],
        domain=box.domain,
    )
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    return message


def unsubscribe(command: commands.Unsubscribe, uow: UnitOfWork, secrets: Secrets) -> str:
    """Adds the address of a signed unsubscribe link to the suppression list (for good)."""
    signed = secrets.verify(command.token)
    if signed is None or ":" not in signed:
        raise NotFound("this unsubscribe link is not valid")
    email = signed.partition(":")[2]
    with uow:
        uow.suppressions.add(email, "unsubscribed", now())
        uow.commit()
    return email
