"""The correspondence log: messages imported over IMAP (once each, whatever happens) and sent
over SMTP, linked to counterparties, contact persons and deals, and told to the other services."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from crm.events.v1 import mail_pb2 as events
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.files import ContentStore
from crmkit.identity import Identity
from crmkit.outbox import Outbox
from crmkit.paging import Page, paginate_rows
from services.mail.adapters import orm
from services.mail.adapters.mailservers import (
    ImapMailbox,
    MailServerError,
    ServerAccount,
    SmtpSender,
)
from services.mail.adapters.messages import ParsedMessage, compose, parse, thread_key
from services.mail.adapters.secrets import Vault
from services.mail.domain.model import Known, links
from services.mail.service_layer import assignments, proposals
from services.mail.service_layer.mailboxes import (
    AREA,
    account,
    mailbox_for,
    message_for,
    now,
    readable,
)

m, f, msg, a, ln = (
    orm.mailboxes.c,
    orm.folders.c,
    orm.messages.c,
    orm.addresses.c,
    orm.message_links.c,
)
FOLDERS = ("INBOX",)
BATCH = 200


def sync_mailbox(
    sessions: sessionmaker[Session],
    vault: Vault,
    imap: Callable[[ServerAccount], ImapMailbox],
    mailbox_id: str,
    files: ContentStore | None = None,
) -> int:
    """Imports what is new in each folder since the last UID read; a changed UIDVALIDITY reads
    the folder again and the Message-ID keeps every message once. Each batch commits with the
    folder's new position, so a crash loses nothing and imports nothing twice. Returns how many
    messages were new; a server failure is recorded on the mailbox (its sync health)."""
    with sessions() as session:
        mailbox = session.execute(select(orm.mailboxes).where(m.id == mailbox_id)).first()
    if mailbox is None:
        raise NotFound.of("mailbox", mailbox_id)
    imported = 0
    try:
        with imap(account(vault, mailbox, "imap")) as server:
            for folder in FOLDERS:
                imported += _sync_folder(sessions, server, mailbox, folder, files)
    except (MailServerError, ValueError) as error:
        _health(sessions, mailbox_id, str(error))
        return imported
    _health(sessions, mailbox_id, None)
    return imported


def _sync_folder(
    sessions: sessionmaker[Session],
    server: ImapMailbox,
    mailbox: Any,
    folder: str,
    files: ContentStore | None,
) -> int:
    imported = 0
    while True:
        with sessions() as session:
            state = session.execute(
                select(f.uidvalidity, f.last_uid).where(
                    f.mailbox_id == mailbox.id, f.name == folder
                )
            ).first()
        known_validity = state.uidvalidity if state else None
        last_uid = state.last_uid if state and state.uidvalidity else 0
        validity, fetched = server.fetch_new(folder, known_validity, last_uid, BATCH)
        if validity != known_validity:
            last_uid = 0
        with sessions.begin() as session:
            batch = [parse(item.raw) for item in fetched]
            imported += _store(session, mailbox, folder, "in", batch, None, files)
            top = max([item.uid for item in fetched], default=last_uid)
            _position(session, mailbox.id, folder, validity, top)
        if len(fetched) < BATCH:
            return imported


def _position(session: Session, mailbox_id: str, folder: str, validity: int, last_uid: int) -> None:
    where = (f.mailbox_id == mailbox_id) & (f.name == folder)
    values = {"uidvalidity": validity, "last_uid": last_uid}
    if session.execute(update(orm.folders).where(where).values(**values)).rowcount == 0:  # type: ignore[attr-defined]
        session.execute(orm.folders.insert().values(mailbox_id=mailbox_id, name=folder, **values))


def _health(sessions: sessionmaker[Session], mailbox_id: str, error: str | None) -> None:
    with sessions.begin() as session:
        values = {"last_sync_at": now(), "last_error": error}
        session.execute(update(orm.mailboxes).where(m.id == mailbox_id).values(**values))


def _store(
    session: Session,
    mailbox: Any,
    folder: str,
    direction: str,
    batch: list[ParsedMessage],
    deal_id: str | None,
    files: ContentStore | None = None,
) -> int:
    """Keeps each message once per mailbox (by Message-ID), linked, its attachments in the file
    store (when given), in a handful of statements for the whole batch; returns how many were
    new. A reply joins the deal of its thread."""
    fresh = _unseen(session, mailbox.id, batch)
    if not fresh:
        return 0
    book = _book(session, fresh)
    threads = [thread_key(parsed) for parsed in fresh]
    deals = {} if deal_id else _thread_deals(session, set(threads))
    rows = []
    for parsed, thread in zip(fresh, threads, strict=True):
        counterparties, contacts = links(_addresses(parsed), book, mailbox.address)
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "mailbox_id": mailbox.id,
                "direction": direction,
                "folder": folder,
                "message_id": parsed.message_id,
                "thread_id": thread,
                "in_reply_to": parsed.in_reply_to,
                "from_address": parsed.from_address,
                "from_name": parsed.from_name,
                "to": parsed.to,
                "cc": parsed.cc,
                "subject": parsed.subject,
                "sent_at": parsed.sent_at,
                "text": parsed.text,
                "html": parsed.html,
                "attachments": _keep_attachments(parsed, files),
                "counterparty_ids": counterparties,
                "contact_ids": contacts,
                "deal_id": deal_id or deals.get(thread),
                "created_at": now(),
            }
        )
    session.execute(orm.messages.insert(), rows)
    linked = [
        {"message_id": row["id"], "counterparty_id": counterparty_id}
        for row in rows
        for counterparty_id in row["counterparty_ids"]
    ]
    if linked:
        session.execute(orm.message_links.insert(), linked)
    proposals.propose(session, mailbox, fresh)
    Outbox(orm.outbox, "mail").add_many(session, [_logged(row) for row in rows])
    return len(rows)


def _unseen(session: Session, mailbox_id: str, batch: list[ParsedMessage]) -> list[ParsedMessage]:
    """The messages of the batch not kept yet (nor twice within it)."""
    ids = sorted({parsed.message_id for parsed in batch})
    kept = set(
        session.scalars(
            select(msg.message_id).where(msg.mailbox_id == mailbox_id, msg.message_id.in_(ids))
        )
    )
    fresh: dict[str, ParsedMessage] = {}
    for parsed in batch:
        if parsed.message_id not in kept:
            fresh.setdefault(parsed.message_id, parsed)
    return list(fresh.values())


def _thread_deals(session: Session, threads: set[str]) -> dict[str, str]:
    query = select(msg.thread_id, msg.deal_id).where(
        msg.thread_id.in_(sorted(threads)), msg.deal_id.is_not(None)
    )
    return {row[0]: row[1] for row in session.execute(query)}


def _keep_attachments(parsed: ParsedMessage, files: ContentStore | None) -> list[dict[str, Any]]:
    return [
        {
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": len(attachment.content),
            "sha256": files.put(attachment.content) if files else "",
        }
        for attachment in parsed.attachments
    ]


def _book(session: Session, batch: list[ParsedMessage]) -> list[Known]:
    """The address book entries of the messages' addresses and their domains."""
    wanted = sorted(set().union(*(_addresses(parsed) for parsed in batch)))
    domains = sorted({address.rpartition("@")[2] for address in wanted})
    rows = session.execute(select(orm.addresses).where(a.email.in_(wanted) | a.domain.in_(domains)))
    return [Known(r.counterparty_id, r.contact_id, r.email, r.domain) for r in rows]


def _addresses(parsed: ParsedMessage) -> set[str]:
    return {parsed.from_address, *parsed.to, *parsed.cc} - {""}


def _logged(row: dict[str, Any]) -> tuple[str, str, events.MailLogged]:
    logged = events.MailLogged(
        message_id=row["id"],
        mailbox_id=row["mailbox_id"],
        direction=row["direction"],
        subject=row["subject"],
        from_address=row["from_address"],
        counterparty_ids=row["counterparty_ids"],
        contact_ids=row["contact_ids"],
        at=(row["sent_at"] or row["created_at"]).isoformat(),
    )
    if row["deal_id"]:
        logged.deal_id = row["deal_id"]
    kind = "mail.received" if row["direction"] == "in" else "mail.sent"
    return kind, row["id"], logged


def send_message(
    sessions: sessionmaker[Session],
    vault: Vault,
    smtp: Callable[[ServerAccount], SmtpSender],
    fields: dict[str, Any],
    actor: Identity,
) -> Any:
    """Sends over SMTP from a mailbox the caller may send from, then logs it as sent (linked as
    an imported message would be; a reply joins its thread and the thread's deal)."""
    actor.require_writer(AREA)
    if not fields.get("to"):
        raise InvalidInput.field("to", "name at least one recipient")
    with sessions() as session:
        mailbox = mailbox_for(session, fields["mailbox_id"], actor, "send")
        answered = None
        if fields.get("in_reply_to"):
            answered = session.execute(
                select(orm.messages).where(
                    msg.id == fields["in_reply_to"], msg.mailbox_id == mailbox.id
                )
            ).first()
            if answered is None:
                raise InvalidInput.field("in_reply_to", "is not a message of this mailbox")
    references = [answered.thread_id, answered.message_id] if answered else []
    message = compose(
        from_address=mailbox.address,
        from_name=mailbox.name,
        to=list(fields["to"]),
        cc=list(fields.get("cc") or []),
        subject=fields.get("subject") or "",
        text=fields.get("text") or "",
        html=fields.get("html"),
        in_reply_to=answered.message_id if answered else None,
        references=list(dict.fromkeys(r for r in references if r)),
        domain=mailbox.address.rpartition("@")[2] or "hoa-crm.invalid",
    )
    try:
        smtp(account(vault, mailbox, "smtp")).send(message)
    except MailServerError as error:  # the mailbox's own server: its settings are the user's to fix
        raise Conflict(str(error)) from None
    parsed = parse(message.as_bytes())
    deal_id = fields.get("deal_id") or (answered.deal_id if answered else None)
    with sessions.begin() as session:
        _store(session, mailbox, "Sent", "out", [parsed], deal_id)
        if answered is not None:
            assignments.answered(session, answered.id)
    return get_message_by(sessions, mailbox.id, parsed.message_id)


def get_message_by(sessions: sessionmaker[Session], mailbox_id: str, message_id: str) -> Any:
    with sessions() as session:
        return session.execute(
            select(orm.messages).where(msg.mailbox_id == mailbox_id, msg.message_id == message_id)
        ).one()


def list_messages(
    sessions: sessionmaker[Session], mailbox_id: str, actor: Identity, page: Page
) -> tuple[list[Any], int]:
    with sessions() as session:
        mailbox_for(session, mailbox_id, actor, "read")
        query = select(orm.messages).where(msg.mailbox_id == mailbox_id)
        return paginate_rows(session, query.order_by(msg.sent_at.desc(), msg.id), page)


def get_message(sessions: sessionmaker[Session], message_id: str, actor: Identity) -> Any:
    with sessions() as session:
        return message_for(session, message_id, actor)


def correspondence(
    sessions: sessionmaker[Session], counterparty_id: str, actor: Identity, page: Page
) -> tuple[list[Any], int]:
    """A counterparty's messages, newest first, from the mailboxes the caller may read."""
    with sessions() as session:
        query = (
            select(orm.messages)
            .join(orm.message_links, ln.message_id == msg.id)
            .where(ln.counterparty_id == counterparty_id, msg.mailbox_id.in_(readable(actor)))
            .order_by(msg.sent_at.desc(), msg.id)
        )
        return paginate_rows(session, query, page)


def readable_messages(
    sessions: sessionmaker[Session], ids: list[str], actor: Identity
) -> list[str]:
    """Of the messages named, those in mailboxes the caller may read."""
    with sessions() as session:
        query = select(msg.id).where(msg.id.in_(ids), msg.mailbox_id.in_(readable(actor)))
        return list(session.scalars(query))


def attachment(
    sessions: sessionmaker[Session],
    files: ContentStore,
    message_id: str,
    index: int,
    actor: Identity,
) -> tuple[dict[str, Any], bytes]:
    """An attachment of a message the caller may read, from the file store."""
    with sessions() as session:
        row = message_for(session, message_id, actor)
    if not 0 <= index < len(row.attachments) or not row.attachments[index].get("sha256"):
        raise NotFound(f"message {message_id!r} has no attachment number {index}")
    found = row.attachments[index]
    return found, files.read(found["sha256"])
