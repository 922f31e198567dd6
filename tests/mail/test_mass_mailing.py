"""A mass mailing against a real SMTP server: killed half-way (SIGKILL of the process sending
it, while it waits for the server's answer to a message the server already holds) and resumed,
it delivers to each recipient exactly once, and never to a suppressed address."""

from __future__ import annotations

import signal
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from crmkit.db import migrate
from crmkit.errors import NotFound
from crmkit.identity import SYSTEM
from services.mail import bootstrap
from services.mail.adapters import orm
from services.mail.domain import commands
from services.mail.domain.commands import ServerSettings
from services.mail.service_layer import mailboxes, mailings
from tests.mail_servers import SmtpServer, smtp_server  # noqa: F401 - fixture

pytestmark = pytest.mark.integration  # real dovecot and SMTP servers

PEOPLE, SUPPRESSED = 1010, 10
ROOT = Path(__file__).resolve().parents[2]
UNSUBSCRIBE = "http://crm.example.vn/api/v1/unsubscribe"


@pytest.fixture
def mail_app(tmp_path: Path) -> bootstrap.Mail:
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    migrate(url, bootstrap.MIGRATIONS)
    app = bootstrap.bootstrap(url, "test-mail-secret")
    with app.sessions.begin() as session:
        for n in range(PEOPLE):
            session.execute(
                orm.addresses.insert().values(
                    owner=f"contact:c{n}",
                    email=f"nguoi{n}@khach{n % 50}.vn",
                    counterparty_id=f"cp{n % 50}",
                    contact_id=f"c{n}",
                    name=f"Nguyễn Văn {n}",
                    company=f"Khách {n % 50}",
                    roles=",customer,",
                )
            )
        for n in range(SUPPRESSED):
            session.execute(
                orm.suppressions.insert().values(
                    email=f"nguoi{n * 7}@khach{n * 7 % 50}.vn",
                    reason="unsubscribed",
                    created_at=mailboxes.now(),
                )
            )
    return app


def a_mailing(app: bootstrap.Mail, smtp: SmtpServer) -> str:
    server = ServerSettings(smtp.host, smtp.port, "none")
    box = commands.CreateMailbox(
        "Marketing", "shared", "marketing@hoa-crm.vn", None, imap=server, smtp=server
    )
    mailbox, _ = mailboxes.create_mailbox(box, app.uow(), app.vault, SYSTEM)
    template = mailings.create_template(
        commands.CreateTemplate(
            "Khuyến mãi",
            "Ưu đãi cho {{ counterparty.name }}",
            "Kính gửi {{ contact.full_name }},\n\nƯu đãi tháng này.\n\n{{ unsubscribe_url }}",
        ),
        app.uow(),
        app.templates,
        SYSTEM,
    )
    group = mailings.create_address_group(
        commands.CreateAddressGroup("Khách hàng", None, {"role": "customer"}), app.uow(), SYSTEM
    )
    start = commands.StartMailing(group.id, template.id, mailbox.id, per_minute=60_000)
    return mailings.start_mailing(start, app.uow(), SYSTEM)


def sending_process(app: bootstrap.Mail, mailing_id: str) -> subprocess.Popen[bytes]:
    code = (
        "from services.mail import bootstrap\n"
        f"app = bootstrap.bootstrap({str(app.engine.url)!r}, 'test-mail-secret')\n"
        f"app.run_mailing({mailing_id!r}, {UNSUBSCRIBE!r})\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)


def test_a_mailing_killed_half_way_and_resumed_delivers_to_each_recipient_exactly_once(
    mail_app: bootstrap.Mail,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    mailing_id = a_mailing(mail_app, smtp_server)
    before = smtp_server.count()
    smtp_server.hold_answer_to(before + (PEOPLE - SUPPRESSED) // 2)
    child = sending_process(mail_app, mailing_id)
    try:
        assert smtp_server.holding.wait(120), "the mailing did not get half-way in time"
        child.send_signal(signal.SIGKILL)  # while it waits for the server's answer
        child.wait()
    finally:
        smtp_server.release()
    at_kill = smtp_server.count() - before
    assert at_kill == (PEOPLE - SUPPRESSED) // 2  # it was stopped half-way
    found = mail_app.run_mailing(mailing_id, UNSUBSCRIBE)
    delivered = smtp_server.messages[before:]
    addressees = [recipient for message in delivered for recipient in message.recipients]
    assert len(delivered) == PEOPLE - SUPPRESSED == 1000
    assert len(set(addressees)) == len(addressees) == 1000  # nobody twice
    suppressed = {f"nguoi{n * 7}@khach{n * 7 % 50}.vn" for n in range(SUPPRESSED)}
    assert not suppressed & set(addressees)
    assert (found.mailing.status, found.sent, found.skipped, found.failed) == ("done", 1000, 10, 0)


def test_each_message_is_personal_and_carries_a_working_unsubscribe_link(
    mail_app: bootstrap.Mail,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    mailing_id = a_mailing(mail_app, smtp_server)
    before = smtp_server.count()
    mail_app.run_mailing(mailing_id, UNSUBSCRIBE)
    first: Any = smtp_server.messages[before]
    received = message_from_bytes(first.raw, policy=policy.default)
    link = str(received["List-Unsubscribe"]).strip("<>")
    assert link.startswith(UNSUBSCRIBE) and link in received.get_body().get_content()
    assert "Kính gửi Nguyễn Văn" in received.get_body().get_content()
    token = link.rsplit("/", 1)[1]
    email = mailings.unsubscribe(commands.Unsubscribe(token), mail_app.uow(), mail_app.vault)
    assert email == first.recipients[0]
    again = a_mailing_again(mail_app, mailing_id)
    found = mail_app.run_mailing(again, UNSUBSCRIBE)
    assert found.skipped == SUPPRESSED + 1
    for forged in (token[:-1] + ("1" if token.endswith("0") else "0"), "é" + token, ""):
        with pytest.raises(NotFound, match="not valid"):
            mailings.unsubscribe(commands.Unsubscribe(forged), mail_app.uow(), mail_app.vault)


def a_mailing_again(app: bootstrap.Mail, previous: str) -> str:
    old = mailings.progress(app.uow(), previous).mailing
    start = commands.StartMailing(
        old.address_group_id, old.template_id, old.mailbox_id, per_minute=60_000
    )
    return mailings.start_mailing(start, app.uow(), SYSTEM)
