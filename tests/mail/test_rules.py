"""Automatic sending against a real SMTP server: a payment reminder N days after an invoice is
overdue and a birthday greeting, each exactly once however often the event or the scan comes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from crm.deals.v1 import deals_pb2
from crm.events.v1 import deals_pb2 as deal_events
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import migrate
from crmkit.identity import SYSTEM
from crmkit.inbox import InboxHandler
from services.mail import bootstrap
from services.mail.adapters import orm
from services.mail.domain import commands
from services.mail.domain.commands import ServerSettings
from services.mail.entrypoints.consumer import apply_event
from services.mail.service_layer import mailboxes, mailings, rules
from tests.mail_servers import SmtpServer, smtp_server  # noqa: F401 - fixture

pytestmark = pytest.mark.integration  # a real SMTP server

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path, smtp_server: SmtpServer) -> bootstrap.Mail:  # noqa: F811
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    migrate(url, bootstrap.MIGRATIONS)
    found = bootstrap.bootstrap(url, "test-mail-secret")
    with found.sessions.begin() as session:
        session.execute(
            orm.addresses.insert().values(
                owner="counterparty:cp-1", email="ketoan@anphat.vn", counterparty_id="cp-1",
                name="An Phát", company="An Phát", roles=",customer,",
            )
        )  # fmt: skip
        session.execute(
            orm.addresses.insert().values(
                owner="contact:c-1", email="lan@anphat.vn", counterparty_id="cp-1",
                contact_id="c-1", name="Nguyễn Thị Lan", company="An Phát", roles=",customer,",
                birthday=NOW.strftime("%m-%d"),
            )
        )  # fmt: skip
    return found


def a_rule(app: bootstrap.Mail, smtp: SmtpServer, event: str, days: int, subject: str) -> str:
    server = ServerSettings(smtp.host, smtp.port, "none")
    address = f"ketoan-{uuid.uuid4().hex[:6]}@hoa-crm.vn"
    box = commands.CreateMailbox("Kế toán", "shared", address, None, imap=server, smtp=server)
    mailbox, _ = mailboxes.create_mailbox(box, app.uow(), app.vault, SYSTEM)
    body = "Kính gửi {{ counterparty.name }}, {{ contact.full_name }}"
    template = mailings.create_template(
        commands.CreateTemplate(uuid.uuid4().hex, subject, body), app.uow(), app.templates, SYSTEM
    )
    rule = commands.CreateRule(event, template.id, mailbox.id, offset_days=days)
    return rules.create_rule(rule, app.uow(), SYSTEM).id


def send_due(app: bootstrap.Mail, at: datetime) -> int:
    command = commands.SendDueRuleMails(at)
    return rules.send_due(command, app.uow(), app.vault, app.templates, app.bulk)


def scan_birthdays(app: bootstrap.Mail, at: datetime) -> int:
    return rules.scan_birthdays(commands.ScanBirthdays(at), app.uow())


def overdue(invoice_id: str, number: str = "HD-0042", happened: str = "overdue") -> Envelope:
    document = deals_pb2.ErpDocument(
        kind="invoice", id=invoice_id, number=number, counterparty_id="cp-1", date="2026-10-01"
    )
    return Envelope(
        event_id=str(uuid.uuid4()),
        type=f"deals.invoice.{happened}",
        occurred_at=NOW.isoformat(),
        aggregate_id=invoice_id,
        payload=deal_events.ErpDocumentChanged(document=document).SerializeToString(),
    )


def test_a_payment_reminder_goes_three_days_after_the_overdue_invoice_and_only_once(
    app: bootstrap.Mail,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    a_rule(
        app, smtp_server, "deals.invoice.overdue", 3, "Nhắc thanh toán {{ event.document.number }}"
    )
    handler = InboxHandler(app.sessions, orm.inbox, apply_event)
    event = overdue("inv-1")
    handler(event)
    handler(event)  # delivered twice by the broker
    before = smtp_server.count()
    assert send_due(app, NOW) == 0  # not yet
    assert send_due(app, NOW + timedelta(days=3)) == 1
    assert send_due(app, NOW + timedelta(days=4)) == 0
    [sent] = smtp_server.messages[before:]
    assert sent.recipients == ("ketoan@anphat.vn",)
    received = message_from_bytes(sent.raw, policy=policy.default)
    assert received["Subject"] == "Nhắc thanh toán HD-0042"
    assert "Kính gửi An Phát" in received.get_body().get_content()


def test_an_invoice_paid_before_its_reminder_is_due_gets_no_reminder_and_an_unpaid_one_does(
    app: bootstrap.Mail,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    a_rule(app, smtp_server, "deals.invoice.overdue", 3, "Nhắc {{ event.document.number }}")
    handler = InboxHandler(app.sessions, orm.inbox, apply_event)
    handler(overdue("inv-paid", "HD-0001"))
    handler(overdue("inv-unpaid", "HD-0002"))
    handler(overdue("inv-paid", "HD-0001", happened="paid"))  # a day later, before the reminder
    before = smtp_server.count()
    assert send_due(app, NOW + timedelta(days=3)) == 1
    [sent] = smtp_server.messages[before:]
    assert message_from_bytes(sent.raw, policy=policy.default)["Subject"] == "Nhắc HD-0002"
    assert send_due(app, NOW + timedelta(days=30)) == 0


def test_a_birthday_greeting_goes_once_however_often_the_day_is_scanned(
    app: bootstrap.Mail,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    a_rule(app, smtp_server, rules.BIRTHDAY, 0, "Chúc mừng sinh nhật {{ contact.full_name }}")
    before = smtp_server.count()
    assert scan_birthdays(app, NOW) == 1
    assert scan_birthdays(app, NOW + timedelta(hours=5)) == 0
    assert send_due(app, NOW + timedelta(hours=5)) == 1
    assert scan_birthdays(app, NOW + timedelta(hours=6)) == 0
    assert send_due(app, NOW + timedelta(hours=7)) == 0
    assert [m.recipients for m in smtp_server.messages[before:]] == [("lan@anphat.vn",)]
    assert scan_birthdays(app, NOW.replace(year=2027)) == 1  # next year again


def test_a_reminder_rule_switched_off_or_archived_or_of_an_archived_mailbox_sends_nothing(
    app: bootstrap.Mail,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    rule_id = a_rule(app, smtp_server, "deals.invoice.overdue", 3, "Nhắc {{ event.document.number }}")  # fmt: skip
    handler = InboxHandler(app.sessions, orm.inbox, apply_event)
    handler(overdue("inv-off", "HD-0003"))
    off = commands.ChangeRule(rule_id, commands.RuleChanges(enabled=False))
    rules.change_rule(off, app.uow(), SYSTEM)
    handler(overdue("inv-off-2", "HD-0004"))  # heard while it is off: nothing scheduled
    before = smtp_server.count()
    assert send_due(app, NOW + timedelta(days=3)) == 0
    on = commands.ChangeRule(rule_id, commands.RuleChanges(enabled=True))
    rules.change_rule(on, app.uow(), SYSTEM)
    rules.archive_rule(commands.ArchiveRecord(rule_id), app.uow(), SYSTEM)
    assert send_due(app, NOW + timedelta(days=3)) == 0
    rules.archive_rule(commands.ArchiveRecord(rule_id, restore=True), app.uow(), SYSTEM)
    mailbox_id = rules.get_rule(app.uow(), rule_id).mailbox_id
    mailboxes.archive_mailbox(commands.ArchiveRecord(mailbox_id), app.uow(), SYSTEM)
    assert send_due(app, NOW + timedelta(days=3)) == 0  # held while its mailbox is archived
    mailboxes.archive_mailbox(commands.ArchiveRecord(mailbox_id, restore=True), app.uow(), SYSTEM)
    assert send_due(app, NOW + timedelta(days=3)) == 1
    [sent] = smtp_server.messages[before:]
    assert message_from_bytes(sent.raw, policy=policy.default)["Subject"] == "Nhắc HD-0003"
