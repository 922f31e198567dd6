"""The composition root of every mail process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmkit.db import make_engine, make_session_factory
from crmkit.files import ContentStore
from crmkit.settings import Settings, load_or_create_secret
from services.mail.adapters.mailservers import ImapMailbox, ServerAccount, SmtpSender
from services.mail.adapters.secrets import Vault

MIGRATIONS = Path(__file__).parent / "migrations"
Dispatch = Callable[[str], None]  # hands a mailbox id to whoever syncs it


@dataclass
class Mail:
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault
    imap: Callable[[ServerAccount], ImapMailbox]
    smtp: Callable[[ServerAccount], SmtpSender]
    sync: Dispatch
    send_mailing: Dispatch  # hands a mailing id to a worker
    files: ContentStore  # attachments


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
        sync or (lambda _mailbox_id: None),
        send_mailing or (lambda _mailing_id: None),
        files or ContentStore(Path("var") / "files"),
    )


def secret_of(settings: Settings) -> str:
    return settings.mail_secret_key or load_or_create_secret(settings.data_dir / "mail.secret")


def from_settings(settings: Settings, sync: Dispatch | None = None) -> Mail:
    files = ContentStore(settings.data_dir / "files")
    if sync is not None:
        return bootstrap(settings.db_url("mail"), secret_of(settings), sync, files=files)
    from services.mail.entrypoints.tasks import SEND_MAILING, SYNC, create_celery

    jobs = create_celery(settings)
    return bootstrap(
        settings.db_url("mail"),
        secret_of(settings),
        lambda mailbox_id: jobs.send_task(SYNC, args=[mailbox_id]),
        lambda mailing_id: jobs.send_task(SEND_MAILING, args=[mailing_id]),
        files,
    )
