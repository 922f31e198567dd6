"""Mailboxes and who may read, send from or manage them: checked here for every message."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from datetime import UTC, datetime

from crmkit.domain import FieldChanges
from crmkit.errors import Forbidden, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.domain import commands, events, model
from services.mail.domain.model import KINDS, Permission, ServerAccount, check_server
from services.mail.service_layer.ports import Secrets
from services.mail.service_layer.unit_of_work import UnitOfWork

AREA = "mail"


def now() -> datetime:
    return datetime.now(UTC)


def _public(server: commands.ServerSettings) -> model.Server:
    return model.Server(server.host, server.port, server.security, server.username or "")


def create_mailbox(
    command: commands.CreateMailbox, uow: UnitOfWork, secrets: Secrets, actor: Identity
) -> tuple[model.Mailbox, int]:
    """A personal mailbox belongs to its owner (the caller unless an admin names one); a shared
    one is seen only through the permissions of groups. A shared one made by someone who is not
    an admin starts managed by the groups of its maker (else its maker could not even see it)."""
    actor.require_writer(AREA)
    kind = _kind(command.kind or "personal")
    makers = _makers_groups(kind, actor)
    owner = _owner(kind, command.owner_id, actor)
    check_server(command.imap, "imap")
    check_server(command.smtp, "smtp")
    mailbox = model.Mailbox(
        id=str(uuid.uuid4()),
        name=command.name.strip(),
        kind=kind,
        address=command.address.strip().lower(),
        owner_id=owner,
        imap=_public(command.imap),
        smtp=_public(command.smtp),
        imap_password=secrets.seal(command.imap.password or ""),
        smtp_password=secrets.seal(command.smtp.password or ""),
        created_at=now(),
    )
    if not mailbox.name:
        raise InvalidInput.required("name")
    with uow:
        uow.mailboxes.add(mailbox)
        if makers:
            uow.mailboxes.replace_permissions(mailbox.id, makers)
        uow.publish(events.MailboxChanged(mailbox, mailbox.card(), "created"))
        uow.commit()
    return get_mailbox(uow, mailbox.id, actor)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput.field(
            "kind", f"must be one of {', '.join(KINDS)}", "not_one_of", expected=", ".join(KINDS)
        )
    return kind


def _owner(kind: str, owner_id: str | None, actor: Identity) -> str | None:
    """A personal mailbox's owner: the one named, else the caller; only an admin names
    someone else. A shared mailbox has none."""
    if kind != "personal":
        return None
    owner = owner_id or actor.person_id
    if owner != actor.user_id and "admin" not in actor.roles:
        raise InvalidInput.field("owner_id", "only an admin may make a mailbox for someone else")
    return owner


def change_mailbox(
    command: commands.ChangeMailbox, uow: UnitOfWork, secrets: Secrets, actor: Identity
) -> tuple[model.Mailbox, int]:
    """Only the fields sent change, by whoever manages the mailbox, under the rules of its
    making (kind, owner); a password sent is sealed, and the history says only that it changed."""
    actor.require_writer(AREA)
    with uow:
        mailbox = mailbox_for(uow, command.mailbox_id, actor, "manage")
        mailbox.expect(command.expected_version)
        mailbox.usable()
        values, makers = _kind_and_owner(mailbox, command.changes, actor)
        servers = {which: _server(mailbox, command.changes, which) for which in ("imap", "smtp")}
        passwords = _passwords(mailbox, command.changes, secrets)
        changes = mailbox.change(values, servers, passwords)
        if changes:
            uow.mailboxes.save(mailbox)
            if makers and not mailbox.permissions:
                uow.mailboxes.replace_permissions(mailbox.id, makers)
            uow.publish(events.MailboxChanged(mailbox, changes))
        uow.commit()
    return get_mailbox(uow, mailbox.id, actor)


def _kind_and_owner(
    mailbox: model.Mailbox, changes: commands.MailboxChanges, actor: Identity
) -> tuple[dict[str, object], list[Permission]]:
    """The plain fields sent; a kind or owner sent is judged as when a mailbox is made."""
    values = {
        name: value
        for name, value in commands.sent(changes).items()
        if name in ("name", "address", "kind", "owner_id")
    }
    if "kind" not in values and "owner_id" not in values:
        return values, []
    kind = _kind(str(values.get("kind", mailbox.kind)))
    kept = mailbox.owner_id if kind == mailbox.kind else None
    named = values.get("owner_id", kept)
    values["owner_id"] = _owner(kind, str(named) if named else None, actor)
    values["kind"] = kind
    makers = _makers_groups(kind, actor) if kind != mailbox.kind else []
    return values, makers


def _server(mailbox: model.Mailbox, changes: commands.MailboxChanges, which: str) -> model.Server:
    sent = commands.sent(getattr(changes, which))
    sent.pop("password", None)
    server = replace(getattr(mailbox, which), **sent)
    check_server(server, which)
    return server


def _passwords(
    mailbox: model.Mailbox, changes: commands.MailboxChanges, secrets: Secrets
) -> dict[str, str]:
    """The passwords sent that differ from the ones kept, sealed."""
    sealed = {}
    for which in ("imap", "smtp"):
        password = getattr(changes, which).password
        kept = getattr(mailbox, f"{which}_password")
        if password is not commands.NOT_SENT and password != secrets.open(kept):
            sealed[which] = secrets.seal(str(password))
    return sealed


def archive_mailbox(
    command: commands.ArchiveRecord, uow: UnitOfWork, actor: Identity
) -> tuple[model.Mailbox, int]:
    """Archived: synced and sent from no more, out of the lists, its messages still readable;
    or, with `restore`, back."""
    actor.require_writer(AREA)
    with uow:
        mailbox = mailbox_for(uow, command.record_id, actor, "manage")
        changes, action = mailbox.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.mailboxes.save(mailbox)
            uow.publish(events.MailboxChanged(mailbox, changes, action))
        uow.commit()
    return get_mailbox(uow, mailbox.id, actor)


def _makers_groups(kind: str, actor: Identity) -> list[Permission]:
    if kind != "shared" or "admin" in actor.roles:
        return []
    if not actor.groups:
        message = "a shared mailbox is used through groups and you belong to none; ask an admin"
        raise InvalidInput.field("kind", message)
    return [Permission(group, read=True, send=True, manage=True) for group in sorted(actor.groups)]


def mailbox_for(uow: UnitOfWork, mailbox_id: str, actor: Identity, action: str) -> model.Mailbox:
    """The mailbox if the caller may `action` it; one they may not even read does not exist
    for them (404), one they may read but not `action` is forbidden (403)."""
    mailbox = uow.mailboxes.get(mailbox_id)
    if mailbox is None or not mailbox.access.allows(actor, "read"):
        raise NotFound.of("mailbox", mailbox_id)
    if not mailbox.access.allows(actor, action):
        raise Forbidden(f"you may not {action} with this mailbox")
    return mailbox


def message_for(uow: UnitOfWork, message_id: str, actor: Identity) -> model.Message:
    """A message of a mailbox the caller may not read does not exist for them."""
    message = uow.messages.get(message_id)
    if message is None:
        raise NotFound.of("message", message_id)
    try:
        mailbox_for(uow, message.mailbox_id, actor, "read")
    except NotFound:
        raise NotFound.of("message", message_id) from None
    return message


def get_mailbox(uow: UnitOfWork, mailbox_id: str, actor: Identity) -> tuple[model.Mailbox, int]:
    """The mailbox and how many messages it holds."""
    with uow:
        mailbox = mailbox_for(uow, mailbox_id, actor, "read")
        return mailbox, uow.messages.count_in(mailbox.id)


def list_mailboxes(
    uow: UnitOfWork, actor: Identity, page: Page, archived: bool = False
) -> tuple[list[tuple[model.Mailbox, int]], int]:
    """The mailboxes the caller may read (the archived ones, or the others)."""
    with uow:
        return uow.views.mailboxes(actor, page, archived)


def syncable(uow: UnitOfWork, mailbox_id: str, actor: Identity) -> model.Mailbox:
    """A mailbox the caller may read and that is not archived, to be synced now."""
    with uow:
        mailbox = mailbox_for(uow, mailbox_id, actor, "read")
        mailbox.usable()
        return mailbox


def put_permissions(
    command: commands.PutPermissions, uow: UnitOfWork, actor: Identity
) -> list[Permission]:
    actor.require_writer(AREA)
    groups = [permission.group_id for permission in command.permissions]
    if len(groups) != len(set(groups)):
        raise InvalidInput.field("items", "a group is named twice")
    with uow:
        mailbox = mailbox_for(uow, command.mailbox_id, actor, "manage")
        if mailbox.kind != "shared":
            raise InvalidInput.field("mailbox_id", "only a shared mailbox has group permissions")
        mailbox.usable()
        before, after = _granted(mailbox.permissions), _granted(command.permissions)
        uow.mailboxes.replace_permissions(command.mailbox_id, list(command.permissions))
        if before != after:
            changes: FieldChanges = {"permissions": (before, after)}
            uow.publish(events.MailboxChanged(mailbox, changes, "permissions_changed"))
        uow.commit()
    return get_permissions(uow, command.mailbox_id, actor)


def _granted(permissions: tuple[Permission, ...]) -> list[dict[str, object]]:
    """Permissions as the history shows them, by group."""
    return [asdict(each) for each in sorted(permissions, key=lambda each: each.group_id)]


def get_permissions(uow: UnitOfWork, mailbox_id: str, actor: Identity) -> list[Permission]:
    with uow:
        return list(mailbox_for(uow, mailbox_id, actor, "read").permissions)


def account(secrets: Secrets, mailbox: model.Mailbox, which: str) -> ServerAccount:
    """The IMAP or SMTP account of a mailbox, its password unsealed."""
    server = mailbox.imap if which == "imap" else mailbox.smtp
    sealed = mailbox.imap_password if which == "imap" else mailbox.smtp_password
    return ServerAccount(
        host=server.host,
        port=server.port,
        security=server.security,
        username=server.username,
        password=secrets.open(sealed),
    )
