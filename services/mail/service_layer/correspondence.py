"""The correspondence log: messages imported over IMAP (once each, whatever happens) and sent
over SMTP, linked to counterparties, contact persons and deals, and told to the other services."""

from __future__ import annotations

import uuid

from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.adapters.messages import ParsedMessage, compose, parse, thread_key
from services.mail.domain import commands, events, model
from services.mail.domain.model import MailServerError, links
from services.mail.service_layer import proposals
from services.mail.service_layer.mailboxes import AREA, account, mailbox_for, message_for, now
from services.mail.service_layer.ports import Files, MailSource, Secrets, Senders, Servers
from services.mail.service_layer.unit_of_work import UnitOfWork

FOLDERS = ("INBOX",)
BATCH = 200


def sync_mailbox(
    command: commands.SyncMailbox,
    uow: UnitOfWork,
    secrets: Secrets,
    servers: Servers,
    files: Files | None = None,
) -> int:
    """Imports what is new in each folder since the last UID read; a changed UIDVALIDITY reads
    the folder again and the Message-ID keeps every message once. Each batch commits with the
    folder's new position, so a crash loses nothing and imports nothing twice. Returns how many
    messages were new; a server failure is recorded on the mailbox (its sync health)."""
    with uow:
        mailbox = uow.mailboxes.get(command.mailbox_id)
    if mailbox is None:
        raise NotFound.of("mailbox", command.mailbox_id)
    if mailbox.archived:
        return 0  # archived after the sync was asked for: it is synced no more
    imported = 0
    try:
        with servers(account(secrets, mailbox, "imap")) as server:
            for folder in FOLDERS:
                imported += _sync_folder(uow, server, mailbox, folder, files)
    except (MailServerError, ValueError) as error:
        _health(uow, mailbox.id, str(error))
        return imported
    _health(uow, mailbox.id, None)
    return imported


def _sync_folder(
    uow: UnitOfWork, server: MailSource, mailbox: model.Mailbox, folder: str, files: Files | None
) -> int:
    imported = 0
    while True:
        with uow:
            state = uow.folders.position(mailbox.id, folder)
        known_validity = state[0] if state else None
        last_uid = state[1] if state and state[0] else 0
        validity, fetched = server.fetch_new(folder, known_validity, last_uid, BATCH)
        if validity != known_validity:
            last_uid = 0
        with uow:
            batch = [parse(item.raw) for item in fetched]
            imported += _store(uow, mailbox, folder, "in", batch, None, files)
            top = max([item.uid for item in fetched], default=last_uid)
            uow.folders.move(mailbox.id, folder, validity, top)
            uow.commit()
        if len(fetched) < BATCH:
            return imported


def _health(uow: UnitOfWork, mailbox_id: str, error: str | None) -> None:
    with uow:
        uow.mailboxes.record_sync(mailbox_id, now(), error)
        uow.commit()


def _store(
    uow: UnitOfWork,
    mailbox: model.Mailbox,
    folder: str,
    direction: str,
    batch: list[ParsedMessage],
    deal_id: str | None,
    files: Files | None = None,
) -> int:
    """Keeps each message once per mailbox (by Message-ID), linked, its attachments in the file
    store (when given), in a handful of statements for the whole batch; returns how many were
    new. A reply joins the deal of its thread."""
    fresh = _unseen(uow, mailbox.id, batch)
    if not fresh:
        return 0
    wanted = sorted(set().union(*(_addresses(parsed) for parsed in fresh)))
    book = uow.addresses.known(wanted)
    threads = [thread_key(parsed) for parsed in fresh]
    deals = {} if deal_id else uow.messages.thread_deals(sorted(set(threads)))
    kept = []
    for parsed, thread in zip(fresh, threads, strict=True):
        counterparties, contacts = links(_addresses(parsed), book, mailbox.address)
        kept.append(
            model.Message(
                id=str(uuid.uuid4()),
                mailbox_id=mailbox.id,
                direction=direction,
                folder=folder,
                message_id=parsed.message_id,
                thread_id=thread,
                in_reply_to=parsed.in_reply_to,
                from_address=parsed.from_address,
                from_name=parsed.from_name,
                to=parsed.to,
                cc=parsed.cc,
                subject=parsed.subject,
                sent_at=parsed.sent_at,
                text=parsed.text,
                html=parsed.html,
                attachments=_keep_attachments(parsed, files),
                counterparty_ids=counterparties,
                contact_ids=contacts,
                deal_id=deal_id or deals.get(thread),
                created_at=now(),
            )
        )
    uow.messages.add_many(kept)
    proposals.propose(uow, mailbox, fresh)
    for message in kept:
        uow.publish(_logged(message))
    return len(kept)


def _unseen(uow: UnitOfWork, mailbox_id: str, batch: list[ParsedMessage]) -> list[ParsedMessage]:
    """The messages of the batch not kept yet (nor twice within it)."""
    kept = uow.messages.kept(mailbox_id, sorted({parsed.message_id for parsed in batch}))
    fresh: dict[str, ParsedMessage] = {}
    for parsed in batch:
        if parsed.message_id not in kept:
            fresh.setdefault(parsed.message_id, parsed)
    return list(fresh.values())


def _keep_attachments(parsed: ParsedMessage, files: Files | None) -> list[model.StoredAttachment]:
    return [
        model.StoredAttachment(
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=len(attachment.content),
            sha256=files.put(attachment.content) if files else "",
        )
        for attachment in parsed.attachments
    ]


def _addresses(parsed: ParsedMessage) -> set[str]:
    return {parsed.from_address, *parsed.to, *parsed.cc} - {""}


def _logged(message: model.Message) -> events.MailLogged:
    kind = events.MailReceived if message.direction == "in" else events.MailSent
    return kind(
        message_id=message.id,
        mailbox_id=message.mailbox_id,
        subject=message.subject,
        from_address=message.from_address,
        counterparty_ids=tuple(message.counterparty_ids),
        contact_ids=tuple(message.contact_ids),
        deal_id=message.deal_id,
        at=message.sent_at or message.created_at,
    )


def send_message(
    command: commands.SendMessage,
    uow: UnitOfWork,
    secrets: Secrets,
    senders: Senders,
    actor: Identity,
) -> model.Message:
    """Sends over SMTP from a mailbox the caller may send from, then logs it as sent (linked as
    an imported message would be; a reply joins its thread and the thread's deal)."""
    actor.require_writer(AREA)
    if not command.to:
        raise InvalidInput.field("to", "name at least one recipient")
    with uow:
        mailbox = mailbox_for(uow, command.mailbox_id, actor, "send")
        mailbox.usable()
        answered = None
        if command.in_reply_to:
            answered = uow.messages.in_mailbox(mailbox.id, command.in_reply_to)
            if answered is None:
                raise InvalidInput.field("in_reply_to", "is not a message of this mailbox")
    references = [answered.thread_id, answered.message_id] if answered else []
    message = compose(
        from_address=mailbox.address,
        from_name=mailbox.name,
        to=list(command.to),
        cc=list(command.cc),
        subject=command.subject or "",
        text=command.text or "",
        html=command.html,
        in_reply_to=answered.message_id if answered else None,
        references=list(dict.fromkeys(r for r in references if r)),
        domain=mailbox.domain,
    )
    try:
        senders(account(secrets, mailbox, "smtp")).send(message)
    except MailServerError as error:  # the mailbox's own server: its settings are the user's to fix
        raise Conflict(str(error)) from None
    parsed = parse(message.as_bytes())
    deal_id = command.deal_id or (answered.deal_id if answered else None)
    with uow:
        _store(uow, mailbox, "Sent", "out", [parsed], deal_id)
        if answered is not None:
            uow.messages.mark_answered(answered.id)
        uow.commit()
    with uow:
        return uow.messages.by_message_id(mailbox.id, parsed.message_id)


def list_messages(
    uow: UnitOfWork, mailbox_id: str, actor: Identity, page: Page
) -> tuple[list[model.Message], int]:
    with uow:
        mailbox_for(uow, mailbox_id, actor, "read")
        return uow.views.messages(mailbox_id, page)


def get_message(uow: UnitOfWork, message_id: str, actor: Identity) -> model.Message:
    with uow:
        return message_for(uow, message_id, actor)


def correspondence(
    uow: UnitOfWork, counterparty_id: str, actor: Identity, page: Page
) -> tuple[list[model.Message], int]:
    """A counterparty's messages, newest first, from the mailboxes the caller may read."""
    with uow:
        return uow.views.correspondence(counterparty_id, actor, page)


def readable_messages(uow: UnitOfWork, ids: list[str], actor: Identity) -> list[str]:
    """Of the messages named, those in mailboxes the caller may read."""
    with uow:
        return uow.views.readable_messages(ids, actor)


def attachment(
    uow: UnitOfWork, files: Files, message_id: str, index: int, actor: Identity
) -> tuple[model.StoredAttachment, bytes]:
    """An attachment of a message the caller may read, from the file store."""
    with uow:
        message = message_for(uow, message_id, actor)
    if not 0 <= index < len(message.attachments) or not message.attachments[index].sha256:
        raise NotFound(f"message {message_id!r} has no attachment number {index}")
    found = message.attachments[index]
    return found, files.read(found.sha256)
