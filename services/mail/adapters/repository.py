"""Repositories over SQLAlchemy: the only place that knows how mail's aggregates are stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, Row, Table, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.domain import Lifecycle
from crmkit.errors import Conflict, Stale
from services.mail.adapters import orm
from services.mail.domain import model

m, p, f, msg, ln, a = (
    orm.mailboxes.c,
    orm.permissions.c,
    orm.folders.c,
    orm.messages.c,
    orm.message_links.c,
    orm.addresses.c,
)
t, g, ml, r, s = (
    orm.templates.c,
    orm.address_groups.c,
    orm.mailings.c,
    orm.recipients.c,
    orm.suppressions.c,
)
ru, rm, pr = orm.rules.c, orm.rule_mails.c, orm.proposals.c


def _server(stored: dict[str, Any]) -> model.Server:
    return model.Server(
        host=stored["host"],
        port=int(stored["port"]),
        security=stored["security"],
        username=stored.get("username") or "",
    )


def mailbox_of(row: Row[Any], permissions: tuple[model.Permission, ...] = ()) -> model.Mailbox:
    return model.Mailbox(
        id=row.id,
        name=row.name,
        kind=row.kind,
        address=row.address,
        owner_id=row.owner_id,
        imap=_server(row.imap),
        smtp=_server(row.smtp),
        imap_password=row.imap_password,
        smtp_password=row.smtp_password,
        created_at=row.created_at,
        last_sync_at=row.last_sync_at,
        last_error=row.last_error,
        permissions=permissions,
        version=row.version,
        archived_at=row.archived_at,
    )


def message_of(row: Row[Any]) -> model.Message:
    fields = dict(row._mapping)
    fields["attachments"] = [model.StoredAttachment(**item) for item in row.attachments]
    return model.Message(**fields)


def _changed(result: Result[Any]) -> int:
    """How many rows an UPDATE changed (an UPDATE's result is a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount


def _save_versioned(
    session: Session, table: Table, key: str, record: Lifecycle, values: dict[str, Any]
) -> None:
    """A changed record over the version it was read at (each change makes one new version);
    one changed meanwhile by someone else is not overwritten."""
    read_at = (table.c.id == key) & (table.c.version == record.version - 1)
    stored = {**values, "version": record.version, "archived_at": record.archived_at}
    if _changed(session.execute(update(table).where(read_at).values(**stored))) == 0:
        current = session.scalar(select(table.c.version).where(table.c.id == key)) or 0
        raise Stale.of(record.KIND, key, record.version - 1, current)


def _fields(record: Any, *left_out: str) -> dict[str, Any]:
    values = asdict(record)
    for name in ("id", "version", "archived_at", "created_at", *left_out):
        values.pop(name, None)
    return values


def _insert_named(session: Session, table: Table, row: dict[str, Any], what: str) -> None:
    """A name taken (even by a concurrent insert) is a conflict naming the one that has it."""
    try:
        with session.begin_nested():
            session.execute(table.insert().values(**row))
    except IntegrityError:
        clash = session.scalar(select(table.c.id).where(table.c.name == row["name"]))
        raise Conflict(f"a {what} named {row['name']!r} exists", existing_id=clash) from None


def _save_named(
    session: Session, table: Table, key: str, record: Lifecycle, values: dict[str, Any]
) -> None:
    """Renamed to a name another one has is a conflict naming that one."""
    try:
        with session.begin_nested():
            _save_versioned(session, table, key, record, values)
    except IntegrityError:
        query = select(table.c.id).where(table.c.name == values["name"], table.c.id != key)
        clash = session.scalar(query)
        what = record.KIND
        raise Conflict(f"a {what} named {values['name']!r} exists", existing_id=clash) from None


class SqlAlchemyMailboxRepository:
    """A mailbox with the group permissions of a shared one."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, mailbox: model.Mailbox) -> None:
        row = asdict(mailbox)
        del row["permissions"]
        self.session.execute(orm.mailboxes.insert().values(**row))

    def get(self, mailbox_id: str) -> model.Mailbox | None:
        row = self.session.execute(select(orm.mailboxes).where(m.id == mailbox_id)).first()
        if row is None:
            return None
        granted = self.session.execute(select(orm.permissions).where(p.mailbox_id == row.id))
        permissions = tuple(model.Permission(x.group_id, x.read, x.send, x.manage) for x in granted)
        return mailbox_of(row, permissions)

    def save(self, mailbox: model.Mailbox) -> None:
        values = _fields(mailbox, "permissions", "last_sync_at", "last_error")
        values["imap"], values["smtp"] = asdict(mailbox.imap), asdict(mailbox.smtp)
        _save_versioned(self.session, orm.mailboxes, mailbox.id, mailbox, values)

    def ids(self) -> list[str]:
        """The mailboxes synced: those not archived."""
        return list(self.session.scalars(select(m.id).where(m.archived_at.is_(None))))

    def replace_permissions(self, mailbox_id: str, wanted: list[model.Permission]) -> None:
        self.session.execute(delete(orm.permissions).where(p.mailbox_id == mailbox_id))
        for permission in wanted:
            self.session.execute(
                orm.permissions.insert().values(
                    mailbox_id=mailbox_id,
                    group_id=permission.group_id,
                    read=permission.read,
                    send=permission.send,
                    manage=permission.manage,
                )
            )

    def record_sync(self, mailbox_id: str, at: datetime, error: str | None) -> None:
        values = {"last_sync_at": at, "last_error": error}
        self.session.execute(update(orm.mailboxes).where(m.id == mailbox_id).values(**values))


class SqlAlchemyFolderRepository:
    """How far each folder was read: a changed UIDVALIDITY starts the folder again."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def position(self, mailbox_id: str, folder: str) -> tuple[int, int] | None:
        found = self.session.execute(
            select(f.uidvalidity, f.last_uid).where(f.mailbox_id == mailbox_id, f.name == folder)
        ).first()
        return (found.uidvalidity, found.last_uid) if found else None

    def move(self, mailbox_id: str, folder: str, validity: int, last_uid: int) -> None:
        where = (f.mailbox_id == mailbox_id) & (f.name == folder)
        values = {"uidvalidity": validity, "last_uid": last_uid}
        moved = self.session.execute(update(orm.folders).where(where).values(**values))
        if _changed(moved) == 0:
            self.session.execute(
                orm.folders.insert().values(mailbox_id=mailbox_id, name=folder, **values)
            )


class SqlAlchemyMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, message_id: str) -> model.Message | None:
        row = self.session.execute(select(orm.messages).where(msg.id == message_id)).first()
        return message_of(row) if row else None

    def in_mailbox(self, mailbox_id: str, message_id: str) -> model.Message | None:
        """By our id, only if it is a message of that mailbox."""
        query = select(orm.messages).where(msg.id == message_id, msg.mailbox_id == mailbox_id)
        row = self.session.execute(query).first()
        return message_of(row) if row else None

    def by_message_id(self, mailbox_id: str, message_id: str) -> model.Message:
        """By its Message-ID header."""
        query = select(orm.messages).where(
            msg.mailbox_id == mailbox_id, msg.message_id == message_id
        )
        return message_of(self.session.execute(query).one())

    def count_in(self, mailbox_id: str) -> int:
        return int(
            self.session.scalar(select(func.count()).where(msg.mailbox_id == mailbox_id)) or 0
        )

    def kept(self, mailbox_id: str, message_ids: list[str]) -> set[str]:
        """Which of these Message-IDs the mailbox holds already."""
        query = select(msg.message_id).where(
            msg.mailbox_id == mailbox_id, msg.message_id.in_(message_ids)
        )
        return set(self.session.scalars(query))

    def thread_deals(self, threads: list[str]) -> dict[str, str]:
        query = select(msg.thread_id, msg.deal_id).where(
            msg.thread_id.in_(threads), msg.deal_id.is_not(None)
        )
        return {row[0]: row[1] for row in self.session.execute(query)}

    def add_many(self, messages: list[model.Message]) -> None:
        """In two statements for the whole batch: the messages, and one row per counterparty
        each concerns (the correspondence log of a counterparty)."""
        rows = []
        for message in messages:
            row = asdict(message)
            for name in ("assignee_id", "due_date", "assignment_note", "assignment"):
                del row[name]
            rows.append(row)
        self.session.execute(orm.messages.insert(), rows)
        linked = [
            {"message_id": message.id, "counterparty_id": counterparty_id}
            for message in messages
            for counterparty_id in message.counterparty_ids
        ]
        if linked:
            self.session.execute(orm.message_links.insert(), linked)

    def save_assignment(self, message: model.Message) -> None:
        values = {
            "assignee_id": message.assignee_id,
            "due_date": message.due_date,
            "assignment_note": message.assignment_note,
            "assignment": message.assignment,
        }
        self.session.execute(update(orm.messages).where(msg.id == message.id).values(**values))

    def mark_answered(self, message_id: str) -> None:
        """An open assignment of the message is answered (a reply went out)."""
        self.session.execute(
            update(orm.messages)
            .where(msg.id == message_id, msg.assignment == "open")
            .values(assignment="answered")
        )


class SqlAlchemyAddressBook:
    """Whose address is whose (fed by contacts' events), with what address groups select by."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self, addresses: list[str]) -> list[model.Known]:
        """The entries of these addresses and of their domains."""
        domains = sorted({address.rpartition("@")[2] for address in addresses})
        rows = self.session.execute(
            select(orm.addresses).where(a.email.in_(addresses) | a.domain.in_(domains))
        )
        return [model.Known(r.counterparty_id, r.contact_id, r.email, r.domain) for r in rows]

    def known_emails(self, emails: list[str]) -> set[str]:
        return set(self.session.scalars(select(a.email).where(a.email.in_(emails))))

    def person(self, owner: str) -> model.Person | None:
        """The entry of a counterparty or contact person, if it has an e-mail."""
        row = self.session.execute(
            select(orm.addresses).where(a.owner == owner, a.email.is_not(None))
        ).first()
        return _person(row) if row else None

    def birthdays(self, day: str) -> list[model.Person]:
        """The people with an e-mail whose birthday is on this MM-DD."""
        rows = self.session.execute(
            select(orm.addresses).where(a.birthday == day, a.email.is_not(None))
        ).all()
        return [_person(row) for row in rows]

    def members(self, group: model.AddressGroup) -> list[model.Person]:
        """The people (with an e-mail) the group holds now, one per address."""
        query = select(orm.addresses).where(a.email.is_not(None), a.contact_id.is_not(None))
        if group.members is not None:
            query = query.where(a.contact_id.in_(group.members or [""]))
        for name, value in (group.criteria or {}).items():
            column = {"role": a.roles, "region": a.region, "industry": a.industry}.get(name)
            if name == "role":
                query = query.where(a.roles.like(f"%,{value},%"))
            elif name == "position":
                query = query.where(func.lower(a.position).contains(str(value).lower()))
            elif name == "abc":
                query = query.where(a.abc == value)
            elif column is not None:
                query = query.where(column == value)
        found: dict[str, model.Person] = {}
        for row in self.session.execute(query.order_by(a.email, a.owner)):
            found.setdefault(row.email, _person(row))
        return list(found.values())

    def first_contact(self, counterparty_id: str) -> model.Person | None:
        """Its first contact person (by name) with an e-mail."""
        row = self.session.execute(
            select(orm.addresses)
            .where(a.counterparty_id == counterparty_id, a.contact_id.is_not(None))
            .where(a.email.is_not(None))
            .order_by(a.name, a.owner)
        ).first()
        return _person(row) if row else None

    def keep_counterparty(
        self, counterparty_id: str, email: str | None, domain: str | None, company: model.Company
    ) -> None:
        """Its own entry, and what its people share of it."""
        shared = _shared(company)
        self.session.execute(
            update(orm.addresses).where(a.counterparty_id == counterparty_id).values(**shared)
        )
        values = {
            "email": email,
            "domain": domain,
            "counterparty_id": counterparty_id,
            "contact_id": None,
            "name": company.name,
            "position": None,
            **shared,
        }
        self._keep(f"counterparty:{counterparty_id}", values)

    def keep_contact(
        self,
        person: model.Person,
        birthday: str | None,
        company: model.Company | None,
    ) -> None:
        """A contact person's entry, with what they share of their company when it is known."""
        values = {
            "email": person.email,
            "domain": None,
            "counterparty_id": person.counterparty_id,
            "contact_id": person.contact_id,
            "name": person.name,
            "position": person.position,
            "birthday": birthday,
            **(_shared(company) if company else {"roles": ""}),
        }
        self._keep(person.owner, values)

    def _keep(self, owner: str, values: dict[str, object]) -> None:
        changed = self.session.execute(
            update(orm.addresses).where(a.owner == owner).values(**values)
        )
        if _changed(changed) == 0:
            self.session.execute(orm.addresses.insert().values(owner=owner, **values))

    def company(self, counterparty_id: str) -> model.Company | None:
        found = self.session.execute(
            select(a.company, a.region, a.industry, a.roles, a.abc).where(
                a.owner == f"counterparty:{counterparty_id}"
            )
        ).first()
        return model.Company(*found) if found else None

    def forget(self, counterparty_id: str) -> None:
        self.session.execute(delete(orm.addresses).where(a.counterparty_id == counterparty_id))


def _shared(company: model.Company) -> dict[str, object]:
    return {
        "company": company.name,
        "region": company.region,
        "industry": company.industry,
        "roles": company.roles,
        "abc": company.abc,
    }


def _person(row: Row[Any]) -> model.Person:
    return model.Person(
        owner=row.owner,
        email=row.email,
        counterparty_id=row.counterparty_id,
        contact_id=row.contact_id,
        name=row.name,
        company=row.company,
        position=row.position,
    )


class SqlAlchemyTemplateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, template: model.Template) -> None:
        _insert_named(self.session, orm.templates, asdict(template), "template")

    def get(self, template_id: str) -> model.Template | None:
        row = self.session.execute(select(orm.templates).where(t.id == template_id)).first()
        return model.Template(**row._mapping) if row else None

    def save(self, template: model.Template) -> None:
        _save_named(self.session, orm.templates, template.id, template, _fields(template))


class SqlAlchemyAddressGroupRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, group: model.AddressGroup) -> None:
        _insert_named(self.session, orm.address_groups, asdict(group), "address group")

    def get(self, group_id: str) -> model.AddressGroup | None:
        row = self.session.execute(select(orm.address_groups).where(g.id == group_id)).first()
        return model.AddressGroup(**row._mapping) if row else None

    def save(self, group: model.AddressGroup) -> None:
        _save_named(self.session, orm.address_groups, group.id, group, _fields(group))


class SqlAlchemyMailingRepository:
    """A mailing with one state per recipient: the state that lets it resume after a crash
    without sending anyone twice."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, mailing: model.Mailing) -> None:
        self.session.execute(orm.mailings.insert().values(**asdict(mailing)))

    def get(self, mailing_id: str) -> model.Mailing | None:
        row = self.session.execute(select(orm.mailings).where(ml.id == mailing_id)).first()
        return model.Mailing(**row._mapping) if row else None

    def save(self, mailing: model.Mailing) -> None:
        values = {
            "status": mailing.status,
            "reason": mailing.reason,
            "finished_at": mailing.finished_at,
        }
        self.session.execute(update(orm.mailings).where(ml.id == mailing.id).values(**values))

    def has_recipients(self, mailing_id: str) -> bool:
        counted = self.session.scalar(select(func.count()).where(r.mailing_id == mailing_id))
        return bool(counted)

    def add_recipient(self, mailing_id: str, person: model.Person, state: str) -> None:
        self.session.execute(
            orm.recipients.insert().values(
                mailing_id=mailing_id,
                email=person.email,
                contact_id=person.contact_id,
                counterparty_id=person.counterparty_id,
                state=state,
            )
        )

    def pending(self, mailing_id: str) -> list[model.Recipient]:
        query = (
            select(a.name, a.company, a.position, r.email)
            .select_from(orm.recipients)
            .outerjoin(orm.addresses, a.contact_id == r.contact_id)
            .where(r.mailing_id == mailing_id, r.state == "pending")
            .order_by(r.email)
        )
        return [
            model.Recipient(row.email, row.name, row.company, row.position)
            for row in self.session.execute(query)
        ]

    def take(self, mailing_id: str, email: str, at: datetime) -> bool:
        """Marks the recipient sent, unless another run took them first."""
        taken = self.session.execute(
            update(orm.recipients)
            .where(r.mailing_id == mailing_id, r.email == email, r.state == "pending")
            .values(state="sent", sent_at=at)
        )
        return bool(_changed(taken))


class SqlAlchemySuppressionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def emails(self) -> set[str]:
        return set(self.session.scalars(select(s.email)))

    def add(self, email: str, reason: str, at: datetime) -> None:
        """For good; an address suppressed already stays as it was."""
        if self.session.scalar(select(s.email).where(s.email == email)) is None:
            self.session.execute(
                orm.suppressions.insert().values(email=email, reason=reason, created_at=at)
            )


RULES_READ = "rules read in this transaction"
# A settlement is kept where the mails it stops would be: one cancelled mail per rule, with this
# occurrence (an event's is its id, a birthday's its year), so that no migration was needed.
SETTLED = "settled"


class SqlAlchemyRuleRepository:
    """Rules and their mails: exactly one per (rule, subject, occurrence), the primary key."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rule: model.Rule) -> None:
        self.session.execute(orm.rules.insert().values(**asdict(rule)))
        self.session.info.pop(RULES_READ, None)

    def get(self, rule_id: str) -> model.Rule | None:
        row = self.session.execute(select(orm.rules).where(ru.id == rule_id)).first()
        return model.Rule(**row._mapping) if row else None

    def save(self, rule: model.Rule) -> None:
        _save_versioned(self.session, orm.rules, rule.id, rule, _fields(rule))
        self.session.info.pop(RULES_READ, None)

    def about(self, event: str) -> list[model.Rule]:
        """The rules sending about this event type (or contact.birthday), read once per type in
        a transaction: a consumer's batch of a thousand events asks for them once."""
        transaction = self.session.get_transaction()
        read_in, rules = self.session.info.get(RULES_READ, (None, {}))
        if read_in is not transaction:
            rules = {}
            self.session.info[RULES_READ] = (transaction, rules)
        if event not in rules:
            query = select(orm.rules).where(ru.event == event, *_sending())
            rules[event] = [model.Rule(**row._mapping) for row in self.session.execute(query)]
        return rules[event]

    def schedule(self, mail: model.RuleMail) -> bool:
        """Returns whether it is new (a mail already scheduled for its key is left alone)."""
        key = _key(mail)
        if self.session.scalar(select(rm.rule_id).where(key)) is not None:
            return False
        row = asdict(mail)
        del row["template_id"], row["mailbox_id"]
        self.session.execute(orm.rule_mails.insert().values(**row, state="scheduled"))
        return True

    def due(self, at: datetime) -> list[model.RuleMail]:
        query = (
            select(orm.rule_mails, ru.template_id, ru.mailbox_id)
            .join(orm.rules, ru.id == rm.rule_id)
            .join(orm.mailboxes, m.id == ru.mailbox_id)
            .where(rm.state == "scheduled", rm.due_at <= at, *_sending())
            .where(m.archived_at.is_(None))  # held while its mailbox is archived
            .order_by(rm.due_at)
        )
        return [
            model.RuleMail(
                rule_id=row.rule_id,
                subject=row.subject,
                occurrence=row.occurrence,
                email=row.email,
                contact_id=row.contact_id,
                counterparty_id=row.counterparty_id,
                context=row.context,
                due_at=row.due_at,
                template_id=row.template_id,
                mailbox_id=row.mailbox_id,
            )
            for row in self.session.execute(query)
        ]

    def take(self, mail: model.RuleMail, at: datetime) -> bool:
        """Marks it sent, unless another run took it first."""
        taken = self.session.execute(
            update(orm.rule_mails)
            .where(_key(mail), rm.state == "scheduled")
            .values(state="sent", sent_at=at)
        )
        return bool(_changed(taken))

    def settle(self, subject: str, events: tuple[str, ...], at: datetime) -> int:
        """Cancels the mails not sent yet about this subject from rules about these events, and
        keeps the settlement: a cancelled mail of each such rule whose occurrence is `settled`.
        Returns how many waiting mails it cancelled."""
        rules_about = select(ru.id).where(ru.event.in_(events))
        cancelled = self.session.execute(
            update(orm.rule_mails)
            .where(rm.subject == subject, rm.state == "scheduled", rm.rule_id.in_(rules_about))
            .values(state="cancelled")
        )
        kept = select(rm.rule_id).where(rm.subject == subject, rm.occurrence == SETTLED)
        for rule_id in self.session.scalars(rules_about.where(ru.id.not_in(kept))).all():
            self.session.execute(
                orm.rule_mails.insert().values(
                    rule_id=rule_id, subject=subject, occurrence=SETTLED, email="", context={},
                    due_at=at, state="cancelled",
                )
            )  # fmt: skip
        return _changed(cancelled)

    def settled(self, subject: str, event: str) -> bool:
        """Whether an event has settled this subject's mails from rules about `event`."""
        query = (
            select(rm.rule_id)
            .join(orm.rules, ru.id == rm.rule_id)
            .where(rm.subject == subject, rm.occurrence == SETTLED, ru.event == event)
        )
        return self.session.scalar(query.limit(1)) is not None


def _sending() -> tuple[ColumnElement[bool], ...]:
    """The rules that send: switched on and not archived (model.Rule.sending)."""
    return ru.enabled.is_(True), ru.archived_at.is_(None)


def _key(mail: model.RuleMail) -> ColumnElement[bool]:
    return (
        (rm.rule_id == mail.rule_id)
        & (rm.subject == mail.subject)
        & (rm.occurrence == mail.occurrence)
    )


class SqlAlchemyProposalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, proposal_id: str) -> model.Proposal | None:
        row = self.session.execute(select(orm.proposals).where(pr.id == proposal_id)).first()
        return model.Proposal(**row._mapping) if row else None

    def of_mailbox(self, mailbox_id: str, emails: Iterable[str]) -> dict[str, model.Proposal]:
        query = select(orm.proposals).where(
            pr.mailbox_id == mailbox_id, pr.email.in_(sorted(emails))
        )
        return {row.email: model.Proposal(**row._mapping) for row in self.session.execute(query)}

    def add(self, proposal: model.Proposal) -> None:
        self.session.execute(orm.proposals.insert().values(**asdict(proposal)))

    def save(self, proposal: model.Proposal) -> None:
        values = asdict(proposal)
        del values["id"]
        self.session.execute(update(orm.proposals).where(pr.id == proposal.id).values(**values))
