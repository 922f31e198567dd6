"""Mailboxes and who may read, send from or manage them: checked here for every message."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from crmkit.errors import Forbidden, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page, paginate_rows
from services.mail.adapters import orm
from services.mail.adapters.mailservers import ServerAccount
from services.mail.adapters.secrets import Vault
from services.mail.domain.model import KINDS, Access, Permission, check_server

AREA = "mail"
m, p, msg = orm.mailboxes.c, orm.permissions.c, orm.messages.c
PUBLIC_SERVER_FIELDS = ("host", "port", "security", "username")


def now() -> datetime:
    return datetime.now(UTC)


def create_mailbox(
    sessions: sessionmaker[Session], vault: Vault, fields: dict[str, Any], actor: Identity
) -> Any:
    """A personal mailbox belongs to its owner (the caller unless an admin names one); a shared
    one is seen only through the permissions of groups, set next."""
    actor.require_writer(AREA)
    kind = fields.get("kind") or "personal"
    if kind not in KINDS:
        raise InvalidInput.field("kind", f"must be one of {', '.join(KINDS)}")
    owner = fields.get("owner_id") or (actor.person_id if kind == "personal" else None)
    if owner != actor.user_id and kind == "personal" and "admin" not in actor.roles:
        raise InvalidInput.field("owner_id", "only an admin may make a mailbox for someone else")
    for where in ("imap", "smtp"):
        check_server(fields[where], where)
    row: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "name": str(fields["name"]).strip(),
        "kind": kind,
        "address": str(fields["address"]).strip().lower(),
        "owner_id": owner if kind == "personal" else None,
        "imap": {k: fields["imap"].get(k) for k in PUBLIC_SERVER_FIELDS},
        "smtp": {k: fields["smtp"].get(k) for k in PUBLIC_SERVER_FIELDS},
        "imap_password": vault.seal(fields["imap"].get("password") or ""),
        "smtp_password": vault.seal(fields["smtp"].get("password") or ""),
        "created_at": now(),
    }
    if not row["name"]:
        raise InvalidInput.field("name", "is required")
    with sessions.begin() as session:
        session.execute(orm.mailboxes.insert().values(**row))
    return get_mailbox(sessions, row["id"], actor)


def access(session: Session, mailbox: Any) -> Access:
    rows = session.execute(select(orm.permissions).where(p.mailbox_id == mailbox.id))
    granted = tuple(Permission(r.group_id, r.read, r.send, r.manage) for r in rows)
    return Access(mailbox.kind, mailbox.owner_id, granted)


def mailbox_for(session: Session, mailbox_id: str, actor: Identity, action: str) -> Any:
    """The mailbox if the caller may `action` it; one they may not even read does not exist
    for them (404), one they may read but not `action` is forbidden (403)."""
    mailbox = session.execute(select(orm.mailboxes).where(m.id == mailbox_id)).first()
    if mailbox is None:
        raise NotFound.of("mailbox", mailbox_id)
    rules = access(session, mailbox)
    if not rules.allows(actor, "read"):
        raise NotFound.of("mailbox", mailbox_id)
    if not rules.allows(actor, action):
        raise Forbidden(f"you may not {action} with this mailbox")
    return mailbox


def message_for(session: Session, message_id: str, actor: Identity) -> Any:
    """A message of a mailbox the caller may not read does not exist for them."""
    row = session.execute(select(orm.messages).where(msg.id == message_id)).first()
    if row is None:
        raise NotFound.of("message", message_id)
    try:
        mailbox_for(session, row.mailbox_id, actor, "read")
    except NotFound:
        raise NotFound.of("message", message_id) from None
    return row


def get_mailbox(sessions: sessionmaker[Session], mailbox_id: str, actor: Identity) -> Any:
    with sessions() as session:
        mailbox = mailbox_for(session, mailbox_id, actor, "read")
        count = session.scalar(select(func.count()).where(msg.mailbox_id == mailbox.id))
        return mailbox, int(count or 0)


def readable(actor: Identity) -> Select[tuple[str]]:
    """The ids of the mailboxes the caller may read: Access.allows(actor, "read") as SQL."""
    query = select(m.id)
    if "admin" in actor.roles:
        return query
    shared = select(p.mailbox_id).where(
        p.group_id.in_(sorted(actor.groups) or [""]), p.read | p.send | p.manage
    )
    return query.where(
        ((m.kind == "personal") & (m.owner_id == actor.user_id))
        | ((m.kind == "shared") & m.id.in_(shared))
    )


def list_mailboxes(
    sessions: sessionmaker[Session], actor: Identity, page: Page
) -> tuple[list[tuple[Any, int]], int]:
    """The mailboxes the caller may read."""
    with sessions() as session:
        mine = select(orm.mailboxes).where(m.id.in_(readable(actor))).order_by(m.name, m.id)
        rows, total = paginate_rows(session, mine, page)
        counted = (
            select(msg.mailbox_id, func.count())
            .where(msg.mailbox_id.in_([r.id for r in rows]))
            .group_by(msg.mailbox_id)
        )
        counts = {row[0]: int(row[1]) for row in session.execute(counted)}
    return [(row, int(counts.get(row.id, 0))) for row in rows], total


def put_permissions(
    sessions: sessionmaker[Session], mailbox_id: str, wanted: list[Permission], actor: Identity
) -> list[Permission]:
    actor.require_writer(AREA)
    groups = [permission.group_id for permission in wanted]
    if len(groups) != len(set(groups)):
        raise InvalidInput.field("items", "a group is named twice")
    with sessions.begin() as session:
        mailbox = mailbox_for(session, mailbox_id, actor, "manage")
        if mailbox.kind != "shared":
            raise InvalidInput.field("mailbox_id", "only a shared mailbox has group permissions")
        session.execute(delete(orm.permissions).where(p.mailbox_id == mailbox_id))
        for permission in wanted:
            session.execute(
                orm.permissions.insert().values(
                    mailbox_id=mailbox_id,
                    group_id=permission.group_id,
                    read=permission.read,
                    send=permission.send,
                    manage=permission.manage,
                )
            )
    return get_permissions(sessions, mailbox_id, actor)


def get_permissions(
    sessions: sessionmaker[Session], mailbox_id: str, actor: Identity
) -> list[Permission]:
    with sessions() as session:
        mailbox = mailbox_for(session, mailbox_id, actor, "read")
        return list(access(session, mailbox).permissions)


def account(vault: Vault, mailbox: Any, which: str) -> ServerAccount:
    server = getattr(mailbox, which)
    return ServerAccount(
        host=server["host"],
        port=int(server["port"]),
        security=server["security"],
        username=server.get("username") or "",
        password=vault.open(getattr(mailbox, f"{which}_password")),
    )
