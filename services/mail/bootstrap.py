"""The composition root of every mail process: the unit of work, the mail servers, the vault,
the template sandbox and the file store, handed to the handlers that need them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmkit.db import make_engine, make_session_factory
from crmkit.files import ContentStore
from crmkit.jobs import celery_app
from crmkit.settings import Settings, load_or_create_secret
from services.mail.adapters.mailservers import ImapMailbox, SmtpSender
from services.mail.adapters.mass_smtp import SmtpSession
from services.mail.adapters.secrets import Vault
from services.mail.adapters.templates import JinjaTemplates
from services.mail.adapters.unit_of_work import SqlAlchemyUnitOfWork
from services.mail.domain import commands, model
from services.mail.entrypoints.tasks import SEND_MAILING, SYNC
from services.mail.service_layer import correspondence, mailings, rules
from services.mail.service_layer.ports import BulkSenders, Senders, Servers, TemplateRenderer

MIGRATIONS = Path(__file__).parent / "migrations"
Dispatch = Callable[[str], None]  # hands a mailbox id to whoever syncs it


def _nobody(_id: str) -> None:
    """No worker to hand it to (the worker itself, the consumer)."""


@dataclass
class Mail:
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault
    imap: Servers
    smtp: Senders
    sync: Dispatch
    send_mailing: Dispatch  # hands a mailing id to a worker
    files: ContentStore  # attachments
    templates: TemplateRenderer = field(default_factory=JinjaTemplates)
    bulk: BulkSenders = SmtpSession  # one connection for many messages

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.sessions)

    # -- the worker's jobs ----------------------------------------------------------------
    def sync_mailbox(self, mailbox_id: str) -> int:
        command = commands.SyncMailbox(mailbox_id)
        return correspondence.sync_mailbox(command, self.uow(), self.vault, self.imap, self.files)

    def run_mailing(self, mailing_id: str, unsubscribe_url: str) -> model.Progress:
        command = commands.RunMailing(mailing_id, unsubscribe_url)
        return mailings.run_mailing(command, self.uow(), self.vault, self.templates, self.bulk)

    def send_rule_mails(self, at: datetime) -> int:
        """Today's birthdays scheduled (once a year each), then every due mail sent once."""
        rules.scan_birthdays(commands.ScanBirthdays(at), self.uow())
        command = commands.SendDueRuleMails(at)
        return rules.send_due(command, self.uow(), self.vault, self.templates, self.bulk)

    def mailbox_ids(self) -> list[str]:
        with self.uow() as uow:
            return uow.mailboxes.ids()


def bootstrap(
    db_url: str,
    secret: str,
    sync: Dispatch | None = None,
    send_mailing: Dispatch | None = None,
    files: ContentStore | None = None,
) -> Mail:
    engine = make_engine(db_url)
    return Mail(
        engine,
        make_session_factory(engine),
        Vault(secret),
        ImapMailbox,
        SmtpSender,
        sync or _nobody,
        send_mailing or _nobody,
        files or ContentStore(Path("var") / "files"),
    )


def secret_of(settings: Settings) -> str:
    return settings.mail_secret_key or load_or_create_secret(settings.data_dir / "mail.secret")


def from_settings(settings: Settings, dispatch: bool = True) -> Mail:
    """With `dispatch`, syncs and mailings are handed to the celery workers."""
    files = ContentStore(settings.data_dir / "files")
    if not dispatch:
        return bootstrap(settings.db_url("mail"), secret_of(settings), files=files)
    jobs = celery_app("mail", settings)  # only sends: the worker's own app has the tasks
    return bootstrap(
        settings.db_url("mail"),
        secret_of(settings),
        lambda mailbox_id: jobs.send_task(SYNC, args=[mailbox_id]),
        lambda mailing_id: jobs.send_task(SEND_MAILING, args=[mailing_id]),
        files,
    )
