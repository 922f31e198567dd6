"""Performer assignment: a message handed to someone to answer by a date; done by hand, or
answered by a reply sent from here; the overdue ones listed for them and their supervisors."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from crmkit.errors import Forbidden
from crmkit.identity import Identity
from crmkit.paging import Page, paginate_rows
from services.mail.adapters import orm
from services.mail.service_layer.mailboxes import AREA, access, message_for

msg = orm.messages.c


def assign(
    sessions: sessionmaker[Session],
    message_id: str,
    assignee_id: str,
    due_date: date,
    note: str | None,
    actor: Identity,
) -> Any:
    actor.require_writer(AREA)
    with sessions.begin() as session:
        message_for(session, message_id, actor)
        values = {"assignee_id": assignee_id, "due_date": due_date, "assignment_note": note}
        session.execute(
            update(orm.messages).where(msg.id == message_id).values(**values, assignment="open")
        )
        return session.execute(select(orm.messages).where(msg.id == message_id)).one()


def finish(sessions: sessionmaker[Session], message_id: str, actor: Identity) -> Any:
    """Done by the assignee, or by whoever manages the mailbox."""
    with sessions.begin() as session:
        row = message_for(session, message_id, actor)
        mailbox = session.execute(
            select(orm.mailboxes).where(orm.mailboxes.c.id == row.mailbox_id)
        ).one()
        if row.assignee_id != actor.user_id and not access(session, mailbox).allows(
            actor, "manage"
        ):
            raise Forbidden("only the assignee or a manager of the mailbox marks it done")
        session.execute(update(orm.messages).where(msg.id == message_id).values(assignment="done"))
        return session.execute(select(orm.messages).where(msg.id == message_id)).one()


def answered(session: Session, message_id: str) -> None:
    """A reply went out: an open assignment of the message is answered."""
    session.execute(
        update(orm.messages)
        .where(msg.id == message_id, msg.assignment == "open")
        .values(assignment="answered")
    )


def assigned(
    sessions: sessionmaker[Session], assignees: list[str], overdue_on: date | None, page: Page
) -> tuple[list[Any], int]:
    """Open assignments of these people (the gateway decides whose the caller may see),
    soonest due first; with a date, only those overdue on it."""
    query = select(orm.messages).where(msg.assignment == "open")
    if assignees:
        query = query.where(msg.assignee_id.in_(assignees))
    if overdue_on is not None:
        query = query.where(msg.due_date < overdue_on)
    with sessions() as session:
        return paginate_rows(session, query.order_by(msg.due_date, msg.id), page)
