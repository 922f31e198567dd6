"""Read models: the lists of mail and who may read what, as queries (cosmicpython's views)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crmkit.db import archived_or_not
from crmkit.identity import Identity
from crmkit.paging import Page, paginate_rows
from services.mail.adapters import orm
from services.mail.adapters.repository import mailbox_of, message_of
from services.mail.domain import model

m, p, msg, ln, a = (
    orm.mailboxes.c,
    orm.permissions.c,
    orm.messages.c,
    orm.message_links.c,
    orm.addresses.c,
)
ml, r, pr = orm.mailings.c, orm.recipients.c, orm.proposals.c


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


class SqlAlchemyMailViews:
    def __init__(self, session: Session) -> None:
        self.session = session

    def mailboxes(
        self, actor: Identity, page: Page, archived: bool = False
    ) -> tuple[list[tuple[model.Mailbox, int]], int]:
        """The mailboxes the caller may read, each with how many messages it holds."""
        mine = (
            select(orm.mailboxes)
            .where(m.id.in_(readable(actor)), archived_or_not(m.archived_at, archived))
            .order_by(m.name, m.id)
        )
        rows, total = paginate_rows(self.session, mine, page)
        counted = (
            select(msg.mailbox_id, func.count())
            .where(msg.mailbox_id.in_([row.id for row in rows]))
            .group_by(msg.mailbox_id)
        )
        counts = {row[0]: int(row[1]) for row in self.session.execute(counted)}
        return [(mailbox_of(row), int(counts.get(row.id, 0))) for row in rows], total

    def messages(self, mailbox_id: str, page: Page) -> tuple[list[model.Message], int]:
        query = select(orm.messages).where(msg.mailbox_id == mailbox_id)
        return self._messages(query.order_by(msg.sent_at.desc(), msg.id), page)

    def correspondence(
        self, counterparty_id: str, actor: Identity, page: Page
    ) -> tuple[list[model.Message], int]:
        """A counterparty's messages, newest first, from the mailboxes the caller may read."""
        query = (
            select(orm.messages)
            .join(orm.message_links, ln.message_id == msg.id)
            .where(ln.counterparty_id == counterparty_id, msg.mailbox_id.in_(readable(actor)))
            .order_by(msg.sent_at.desc(), msg.id)
        )
        return self._messages(query, page)

    def readable_messages(self, ids: list[str], actor: Identity) -> list[str]:
        query = select(msg.id).where(msg.id.in_(ids), msg.mailbox_id.in_(readable(actor)))
        return list(self.session.scalars(query))

    def assignments(
        self, assignees: list[str], overdue_on: date | None, page: Page
    ) -> tuple[list[model.Message], int]:
        """Open assignments, soonest due first; with a date, only those overdue on it."""
        query = select(orm.messages).where(msg.assignment == "open")
        if assignees:
            query = query.where(msg.assignee_id.in_(assignees))
        if overdue_on is not None:
            query = query.where(msg.due_date < overdue_on)
        return self._messages(query.order_by(msg.due_date, msg.id), page)

    def _messages(self, query: Select[Any], page: Page) -> tuple[list[model.Message], int]:
        rows, total = paginate_rows(self.session, query, page)
        return [message_of(row) for row in rows], total

    def templates(self, page: Page, archived: bool = False) -> tuple[list[model.Template], int]:
        kept = archived_or_not(orm.templates.c.archived_at, archived)
        query = select(orm.templates).where(kept).order_by(orm.templates.c.name)
        rows, total = paginate_rows(self.session, query, page)
        return [model.Template(**row._mapping) for row in rows], total

    def address_groups(
        self, page: Page, archived: bool = False
    ) -> tuple[list[model.AddressGroup], int]:
        kept = archived_or_not(orm.address_groups.c.archived_at, archived)
        query = select(orm.address_groups).where(kept).order_by(orm.address_groups.c.name)
        rows, total = paginate_rows(self.session, query, page)
        return [model.AddressGroup(**row._mapping) for row in rows], total

    def rules(self, page: Page, archived: bool = False) -> tuple[list[model.Rule], int]:
        kept = archived_or_not(orm.rules.c.archived_at, archived)
        query = select(orm.rules).where(kept).order_by(orm.rules.c.created_at, orm.rules.c.id)
        rows, total = paginate_rows(self.session, query, page)
        return [model.Rule(**row._mapping) for row in rows], total

    def proposals(self, mailbox_id: str, page: Page) -> tuple[list[model.Proposal], int]:
        """The open proposals of a mailbox, the most written to first; people who joined
        contacts since (from elsewhere) are no longer proposed."""
        known = select(a.email).where(a.email.is_not(None))
        query = (
            select(orm.proposals)
            .where(pr.mailbox_id == mailbox_id, pr.status == "proposed", pr.email.not_in(known))
            .order_by(pr.messages.desc(), pr.email)
        )
        rows, total = paginate_rows(self.session, query, page)
        return [model.Proposal(**row._mapping) for row in rows], total

    def progress(self, mailing_id: str) -> model.Progress | None:
        row = self.session.execute(select(orm.mailings).where(ml.id == mailing_id)).first()
        return self._with_counts([model.Mailing(**row._mapping)])[0] if row else None

    def mailings(self, page: Page) -> tuple[list[model.Progress], int]:
        """Newest first, each with how far it got."""
        query = select(orm.mailings).order_by(ml.created_at.desc(), ml.id)
        rows, total = paginate_rows(self.session, query, page)
        return self._with_counts([model.Mailing(**row._mapping) for row in rows]), total

    def _with_counts(self, mailings: list[model.Mailing]) -> list[model.Progress]:
        states = (
            select(r.mailing_id, r.state, func.count())
            .where(r.mailing_id.in_([each.id for each in mailings]))
            .group_by(r.mailing_id, r.state)
        )
        counts: dict[str, dict[str, int]] = {each.id: {} for each in mailings}
        for mailing_id, state, count in self.session.execute(states):
            counts[mailing_id][state] = int(count)
        return [
            model.Progress(
                each,
                sum(counts[each.id].values()),
                counts[each.id].get("sent", 0),
                counts[each.id].get("failed", 0),
                counts[each.id].get("skipped", 0),
            )
            for each in mailings
        ]
