"""Small in-memory stand-ins for mail's unit of work and ports, for fast service-layer tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.domain import model
from services.mail.domain.model import Fetched, ServerAccount
from tests.fakes import FakeTransaction


class FakeMailboxes:
    def __init__(self) -> None:
        self.items: dict[str, model.Mailbox] = {}

    def add(self, mailbox: model.Mailbox) -> None:
        self.items[mailbox.id] = mailbox

    def get(self, mailbox_id: str) -> model.Mailbox | None:
        return self.items.get(mailbox_id)

    def save(self, mailbox: model.Mailbox) -> None:
        self.items[mailbox.id] = mailbox

    def ids(self) -> list[str]:
        return [box.id for box in self.items.values() if not box.archived]

    def replace_permissions(self, mailbox_id: str, wanted: list[model.Permission]) -> None:
        self.items[mailbox_id].permissions = tuple(wanted)

    def record_sync(self, mailbox_id: str, at: datetime, error: str | None) -> None:
        self.items[mailbox_id].last_sync_at, self.items[mailbox_id].last_error = at, error


class FakeFolders:
    def __init__(self) -> None:
        self.positions: dict[tuple[str, str], tuple[int, int]] = {}

    def position(self, mailbox_id: str, folder: str) -> tuple[int, int] | None:
        return self.positions.get((mailbox_id, folder))

    def move(self, mailbox_id: str, folder: str, validity: int, last_uid: int) -> None:
        self.positions[(mailbox_id, folder)] = (validity, last_uid)


class FakeMessages:
    def __init__(self) -> None:
        self.items: dict[str, model.Message] = {}

    def get(self, message_id: str) -> model.Message | None:
        return self.items.get(message_id)

    def in_mailbox(self, mailbox_id: str, message_id: str) -> model.Message | None:
        found = self.items.get(message_id)
        return found if found is not None and found.mailbox_id == mailbox_id else None

    def by_message_id(self, mailbox_id: str, message_id: str) -> model.Message:
        return next(
            m
            for m in self.items.values()
            if m.mailbox_id == mailbox_id and m.message_id == message_id
        )

    def kept(self, mailbox_id: str, message_ids: list[str]) -> set[str]:
        return {
            m.message_id
            for m in self.items.values()
            if m.mailbox_id == mailbox_id and m.message_id in message_ids
        }

    def thread_deals(self, threads: list[str]) -> dict[str, str]:
        return {
            m.thread_id: m.deal_id
            for m in self.items.values()
            if m.deal_id and m.thread_id in threads
        }

    def add_many(self, messages: list[model.Message]) -> None:
        self.items |= {m.id: m for m in messages}

    def count_in(self, mailbox_id: str) -> int:
        return sum(1 for m in self.items.values() if m.mailbox_id == mailbox_id)

    def save_assignment(self, message: model.Message) -> None:
        self.items[message.id] = message

    def mark_answered(self, message_id: str) -> None:
        if self.items[message_id].assignment == "open":
            self.items[message_id].assignment = "answered"


class FakeAddressBook:
    def __init__(self) -> None:
        self.people: list[model.Person] = []
        self.roles: dict[str, str] = {}  # owner: ",customer,"

    def known(self, addresses: list[str]) -> list[model.Known]:
        return [
            model.Known(p.counterparty_id, p.contact_id, p.email, None)
            for p in self.people
            if p.email in addresses
        ]

    def known_emails(self, emails: list[str]) -> set[str]:
        return {p.email for p in self.people if p.email in emails}

    def person(self, owner: str) -> model.Person | None:
        return next((p for p in self.people if p.owner == owner and p.email), None)

    def birthdays(self, day: str) -> list[model.Person]:
        return []

    def members(self, group: model.AddressGroup) -> list[model.Person]:
        role = (group.criteria or {}).get("role")
        return [
            p
            for p in self.people
            if p.contact_id and p.email and (role is None or f",{role}," in self.roles[p.owner])
        ]

    def first_contact(self, counterparty_id: str) -> model.Person | None:
        people = [p for p in self.people if p.counterparty_id == counterparty_id]
        return next((p for p in people if p.contact_id and p.email), None)

    def company(self, counterparty_id: str) -> model.Company | None:
        own = self.person(f"counterparty:{counterparty_id}")
        return model.Company(own.name, None, None, "", None) if own else None


class FakeTemplates:
    def __init__(self) -> None:
        self.items: dict[str, model.Template] = {}

    def add(self, template: model.Template) -> None:
        self.items[template.id] = template

    def get(self, template_id: str) -> model.Template | None:
        return self.items.get(template_id)

    def save(self, template: model.Template) -> None:
        self.items[template.id] = template


class FakeGroups:
    def __init__(self) -> None:
        self.items: dict[str, model.AddressGroup] = {}

    def add(self, group: model.AddressGroup) -> None:
        self.items[group.id] = group

    def get(self, group_id: str) -> model.AddressGroup | None:
        return self.items.get(group_id)

    def save(self, group: model.AddressGroup) -> None:
        self.items[group.id] = group


class FakeMailings:
    def __init__(self, people: FakeAddressBook) -> None:
        self.items: dict[str, model.Mailing] = {}
        self.recipients: dict[str, dict[str, str]] = {}  # mailing: email: state
        self.people = people

    def add(self, mailing: model.Mailing) -> None:
        self.items[mailing.id] = mailing

    def get(self, mailing_id: str) -> model.Mailing | None:
        return self.items.get(mailing_id)

    def save(self, mailing: model.Mailing) -> None:
        self.items[mailing.id] = mailing

    def has_recipients(self, mailing_id: str) -> bool:
        return bool(self.recipients.get(mailing_id))

    def add_recipient(self, mailing_id: str, person: model.Person, state: str) -> None:
        self.recipients.setdefault(mailing_id, {})[person.email or ""] = state

    def pending(self, mailing_id: str) -> list[model.Recipient]:
        by_email = {p.email: p for p in self.people.people}
        return [
            model.Recipient(email, by_email[email].name, by_email[email].company, None)
            for email, state in sorted(self.recipients[mailing_id].items())
            if state == "pending"
        ]

    def take(self, mailing_id: str, email: str, at: datetime) -> bool:
        if self.recipients[mailing_id][email] != "pending":
            return False
        self.recipients[mailing_id][email] = "sent"
        return True


class FakeSuppressions:
    def __init__(self) -> None:
        self.items: set[str] = set()

    def emails(self) -> set[str]:
        return set(self.items)

    def add(self, email: str, reason: str, at: datetime) -> None:
        self.items.add(email)


class FakeRules:
    def __init__(self, mailboxes: FakeMailboxes) -> None:
        self.items: list[model.Rule] = []
        self.mailboxes = mailboxes
        self.mails: dict[tuple[str, str, str], tuple[model.RuleMail, str]] = {}
        self.settlements: set[tuple[str, str]] = set()  # (rule, subject), as the table keeps them

    def add(self, rule: model.Rule) -> None:
        self.items.append(rule)

    def get(self, rule_id: str) -> model.Rule | None:
        return next((rule for rule in self.items if rule.id == rule_id), None)

    def save(self, rule: model.Rule) -> None:
        self.items = [rule if each.id == rule.id else each for each in self.items]

    def about(self, event: str) -> list[model.Rule]:
        return [rule for rule in self.items if rule.event == event and rule.sending]

    def schedule(self, mail: model.RuleMail) -> bool:
        key = (mail.rule_id, mail.subject, mail.occurrence)
        if key in self.mails:
            return False
        self.mails[key] = (mail, "scheduled")
        return True

    def due(self, at: datetime) -> list[model.RuleMail]:
        rules = {rule.id: rule for rule in self.items}
        return [
            dataclasses.replace(
                mail,
                template_id=rules[mail.rule_id].template_id,
                mailbox_id=rules[mail.rule_id].mailbox_id,
            )
            for mail, state in self.mails.values()
            if state == "scheduled"
            and mail.due_at <= at
            and rules[mail.rule_id].sending
            and not self.mailboxes.items[rules[mail.rule_id].mailbox_id].archived
        ]

    def take(self, mail: model.RuleMail, at: datetime) -> bool:
        key = (mail.rule_id, mail.subject, mail.occurrence)
        if self.mails[key][1] != "scheduled":
            return False
        self.mails[key] = (self.mails[key][0], "sent")
        return True

    def settle(self, subject: str, events: tuple[str, ...], at: datetime) -> int:
        about = {rule.id for rule in self.items if rule.event in events}
        self.settlements |= {(rule_id, subject) for rule_id in about}
        waiting = [
            key
            for key, (mail, state) in self.mails.items()
            if mail.subject == subject and mail.rule_id in about and state == "scheduled"
        ]
        for key in waiting:
            self.mails[key] = (self.mails[key][0], "cancelled")
        return len(waiting)

    def settled(self, subject: str, event: str) -> bool:
        about = {rule.id for rule in self.items if rule.event == event}
        return any((rule_id, subject) in self.settlements for rule_id in about)


class FakeProposals:
    def __init__(self) -> None:
        self.items: dict[str, model.Proposal] = {}

    def get(self, proposal_id: str) -> model.Proposal | None:
        return self.items.get(proposal_id)

    def of_mailbox(self, mailbox_id: str, emails: Iterable[str]) -> dict[str, model.Proposal]:
        wanted = set(emails)
        return {
            p.email: p
            for p in self.items.values()
            if p.mailbox_id == mailbox_id and p.email in wanted
        }

    def add(self, proposal: model.Proposal) -> None:
        self.items[proposal.id] = proposal

    def save(self, proposal: model.Proposal) -> None:
        self.items[proposal.id] = proposal


class FakeViews:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    def mailboxes(
        self, actor: Identity, page: Page, archived: bool = False
    ) -> tuple[list[tuple[model.Mailbox, int]], int]:
        mine = [
            (box, self.uow.messages.count_in(box.id))
            for box in self.uow.mailboxes.items.values()
            if box.access.allows(actor, "read") and box.archived == archived
        ]
        return mine, len(mine)

    def templates(self, page: Page, archived: bool = False) -> tuple[list[model.Template], int]:
        kept = [t for t in self.uow.templates.items.values() if t.archived == archived]
        return kept, len(kept)

    def assignments(
        self, assignees: list[str], overdue_on: date | None, page: Page
    ) -> tuple[list[model.Message], int]:
        found = [
            m
            for m in self.uow.messages.items.values()
            if m.assignment == "open" and (not assignees or m.assignee_id in assignees)
        ]
        return found, len(found)

    def progress(self, mailing_id: str) -> model.Progress | None:
        mailing = self.uow.mailings.get(mailing_id)
        if mailing is None:
            return None
        states = list(self.uow.mailings.recipients.get(mailing_id, {}).values())
        return model.Progress(
            mailing,
            len(states),
            states.count("sent"),
            states.count("failed"),
            states.count("skipped"),
        )


class FakeUnitOfWork(FakeTransaction):
    def __init__(self) -> None:
        super().__init__()
        self.mailboxes = FakeMailboxes()
        self.folders = FakeFolders()
        self.messages = FakeMessages()
        self.addresses = FakeAddressBook()
        self.templates = FakeTemplates()
        self.groups = FakeGroups()
        self.mailings = FakeMailings(self.addresses)
        self.suppressions = FakeSuppressions()
        self.rules = FakeRules(self.mailboxes)
        self.proposals = FakeProposals()
        self.views = FakeViews(self)


class FakeSecrets:
    """Seals by marking, signs by prefixing: enough to tell a forged token from ours."""

    def seal(self, plain: str) -> str:
        return f"sealed:{plain}"

    def open(self, sealed: str) -> str:
        return sealed.removeprefix("sealed:")

    def sign(self, text: str) -> str:
        return f"signed:{text}"

    def verify(self, token: str) -> str | None:
        return token.removeprefix("signed:") if token.startswith("signed:") else None


class FakeBulkSender:
    """Records what was delivered; refuses the recipients it is told to."""

    def __init__(self, refused: Iterable[str] = ()) -> None:
        self.refused = set(refused)
        self.delivered: list[tuple[str, EmailMessage]] = []

    def __call__(self, account: ServerAccount) -> FakeBulkSender:
        return self

    def __enter__(self) -> FakeBulkSender:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def deliver(self, message: EmailMessage, recipient: str, record: Callable[[], bool]) -> bool:
        if recipient in self.refused or not record():
            return False
        self.delivered.append((recipient, message))
        return True


class FakeMailSource:
    """A folder of raw messages with UIDs; `fetch_new` as an IMAP server answers it."""

    def __init__(self, raws: list[bytes], uidvalidity: int = 7) -> None:
        self.raws = raws
        self.uidvalidity = uidvalidity

    def __call__(self, account: ServerAccount) -> FakeMailSource:
        return self

    def __enter__(self) -> FakeMailSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def fetch_new(
        self, folder: str, uidvalidity: int | None, last_uid: int, limit: int = 500
    ) -> tuple[int, list[Fetched]]:
        after = last_uid if uidvalidity == self.uidvalidity else 0
        found = [
            Fetched(folder, self.uidvalidity, uid, raw)
            for uid, raw in enumerate(self.raws, start=1)
            if uid > after
        ]
        return self.uidvalidity, found[:limit]


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def __call__(self, account: ServerAccount) -> FakeSender:
        return self

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)
