"""An IMAP import killed at any point (SIGKILL of the process importing) and run again keeps
every message exactly once, with one event each."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmkit.db import migrate
from crmkit.identity import SYSTEM
from services.mail import bootstrap
from services.mail.adapters import orm
from services.mail.domain.commands import CreateMailbox, ServerSettings
from services.mail.service_layer import mailboxes
from tests.mail_servers import ImapServer, ImapUser, imap_server, imap_user  # noqa: F401

pytestmark = pytest.mark.integration  # a real dovecot

MESSAGES = 1000
ROOT = Path(__file__).resolve().parents[2]


def test_an_import_killed_half_way_and_run_again_keeps_each_message_once(
    tmp_path: Path,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
) -> None:
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    migrate(url, bootstrap.MIGRATIONS)
    app = bootstrap.bootstrap(url, "test-mail-secret")
    with imap_server.connect(imap_user.name, imap_user.password) as client:
        for n in range(MESSAGES):
            message = EmailMessage()
            message["From"] = f"khach{n % 37}@example.org"
            message["To"] = "sales@hoa-crm.vn"
            message["Subject"] = f"Đơn hàng {n}"
            message["Message-ID"] = f"<order-{n}@example.org>"
            message.set_content(f"Đơn hàng số {n}")
            client.append("INBOX", None, None, message.as_bytes())
    server = ServerSettings(imap_server.host, imap_server.port, "none")
    box = CreateMailbox(
        "Sales",
        "shared",
        "sales@hoa-crm.vn",
        None,
        imap=replace(server, username=imap_user.name, password=imap_user.password),
        smtp=server,
    )
    mailbox, _ = mailboxes.create_mailbox(box, app.uow(), app.vault, SYSTEM)
    code = (
        "from services.mail import bootstrap\n"
        f"app = bootstrap.bootstrap({url!r}, 'test-mail-secret')\n"
        f"app.sync_mailbox({mailbox.id!r})\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)

    def kept() -> int:
        with app.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(orm.messages)) or 0)

    deadline = time.monotonic() + 60
    while kept() < MESSAGES // 3:
        assert child.poll() is None, "the import ended before it was killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert kept() < MESSAGES  # killed half-way
    app.sync_mailbox(mailbox.id)
    app.sync_mailbox(mailbox.id)  # and once more
    with app.sessions() as session:
        ids = list(session.scalars(select(orm.messages.c.message_id)))
        received = orm.outbox.c.event_type == "mail.received"
        events = session.scalar(select(func.count()).select_from(orm.outbox).where(received))
    assert len(ids) == len(set(ids)) == MESSAGES
    assert events == MESSAGES  # one mail.received each
