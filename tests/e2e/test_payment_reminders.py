"""The payment reminder, end to end: an admin's rule in mail, overdue invoices from the ERP in
deals, deals' overdue scan, the events through the outbox relay and RabbitMQ to mail's consumer,
an invoice paid, mail's sending job; what arrives is read at a real SMTP server."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pika
import pytest

from crmkit.consumer import EventConsumer
from crmkit.inbox import InboxHandler
from crmkit.outbox import SqlOutboxStore
from crmkit.rabbit import connection_parameters, declare_exchange, declare_queue
from services.analytics.adapters import orm as analytics_orm
from services.contacts.adapters import orm as contacts_orm
from services.deals.adapters import orm as deals_orm
from services.deals.service_layer import reminders
from services.mail.adapters import orm as mail_orm
from services.mail.entrypoints import consumer as mail_consumer
from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.mail_servers import SmtpServer, smtp_server  # noqa: F401 - fixture
from tests.support import Suite, relay_until_sent

pytestmark = pytest.mark.integration  # RabbitMQ and a real SMTP server, on both databases

DELAY_DAYS = 3
LEASE_SECONDS = 5.0  # of the relay killed in the second test


@pytest.fixture(scope="module")
def mail_queue(amqp_url: str) -> str:
    """Mail's queue, declared before any relay publishes (as `crm bootstrap` does)."""
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    try:
        channel = connection.channel()
        declare_exchange(channel)
        declare_queue(channel, mail_consumer.QUEUE)
    finally:
        connection.close()
    return amqp_url


def outboxes(suite: Suite) -> list[SqlOutboxStore]:
    return [
        SqlOutboxStore(suite.contacts.engine, contacts_orm.outbox),
        SqlOutboxStore(suite.deals.engine, deals_orm.outbox),
        SqlOutboxStore(suite.analytics.engine, analytics_orm.outbox),
        SqlOutboxStore(suite.mail.engine, mail_orm.outbox),
    ]


def mail_consumes(amqp_url: str, suite: Suite) -> None:
    """Mail's consumer (batched, as `python -m services.mail consume` runs it) until its queue
    stays quiet."""
    handler = InboxHandler(suite.mail.sessions, mail_orm.inbox, mail_consumer.apply_event)
    consumer = EventConsumer(
        connection_parameters(amqp_url),
        mail_consumer.QUEUE,
        handler,
        handle_batch=handler.apply_batch,
    )
    consumer.run_once(inactivity_timeout=1.0)


def through_rabbitmq(suite: Suite, amqp_url: str) -> None:
    for store in outboxes(suite):
        relay_until_sent(store, amqp_url)
    mail_consumes(amqp_url, suite)


@pytest.fixture(scope="module")
def reminder_rule(suite: Suite, smtp_server: SmtpServer) -> None:  # noqa: F811
    """A shared accounting mailbox that sends through the test SMTP server, a template, and
    the rule: the template N days after an invoice is overdue."""
    admin = suite.headers()
    server = {"host": smtp_server.host, "port": smtp_server.port, "security": "none"}
    box = {
        "name": unique("Kế toán "),
        "kind": "shared",
        "address": f"{unique('ketoan-')}@hoa-crm.vn",
        "imap": server,  # never synced here
        "smtp": server,
    }
    mailbox = ok(suite.client.post(f"{API}/mailboxes", json=box, headers=admin), 201)
    template = {
        "name": unique("Nhắc thanh toán "),
        "subject": "Nhắc thanh toán {{ event.document.number }}",
        "body": "Kính gửi {{ counterparty.name }}, hóa đơn {{ event.document.number }} đã quá hạn.",
    }
    made = ok(suite.client.post(f"{API}/mail/templates", json=template, headers=admin), 201)
    rule = {
        "event": "deals.invoice.overdue",
        "offset_days": DELAY_DAYS,
        "template_id": made["id"],
        "mailbox_id": mailbox["id"],
    }
    ok(suite.client.post(f"{API}/mail/rules", json=rule, headers=admin), 201)


@pytest.fixture(scope="module")
def erp(suite: Suite) -> dict[str, str]:
    body = {"name": "ERP", "scopes": ["erp:write"]}
    key = ok(suite.client.post(f"{API}/api-keys", json=body, headers=suite.headers()), 201)
    return {"X-API-Key": key["key"]}


def a_buyer(suite: Suite) -> tuple[dict[str, Any], str]:
    """A company with an accounting address of its own, and that address."""
    email = f"{unique('ketoan-')}@anphat.vn"
    buyer = counterparty(suite, suite.headers(), legal_kind="legal_entity", email=email)
    return buyer, email


def overdue_invoice(buyer: dict[str, Any]) -> dict[str, Any]:
    today = date.today()
    return {
        "external_id": unique("INV-"),
        "number": unique("HD-"),
        "date": str(today - timedelta(days=40)),
        "due_date": str(today - timedelta(days=10)),
        "counterparty_id": buyer["id"],
        "currency": "VND",
        "lines": [{"sku": "ST-01", "name": "Thép cuộn", "quantity": "2", "price": "18500000"}],
    }


def erp_posts(suite: Suite, erp: dict[str, str], invoice: dict[str, Any]) -> str:
    reply = suite.client.post(f"{API}/erp/invoices", json=invoice, headers=erp)
    assert reply.status_code in (200, 201), reply.get_json()
    outcome: str = reply.get_json()["outcome"]
    return outcome


def paid(invoice: dict[str, Any]) -> dict[str, Any]:
    """The invoice as the ERP sends it again once the customer has paid."""
    return invoice | {"paid_at": datetime.now(UTC).isoformat()}


def reminders_to(smtp: SmtpServer, before: int, email: str) -> list[str]:
    """The subjects of the messages the server took for `email` since `before`."""
    return [
        str(message_from_bytes(m.raw, policy=policy.default)["Subject"])
        for m in smtp.messages[before:]
        if email in m.recipients
    ]


def test_a_paid_invoice_gets_no_payment_reminder_and_the_unpaid_one_gets_exactly_one(
    suite: Suite,
    mail_queue: str,
    erp: dict[str, str],
    reminder_rule: None,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    buyer, email = a_buyer(suite)
    settled, unsettled = overdue_invoice(buyer), overdue_invoice(buyer)
    assert [erp_posts(suite, erp, body) for body in (settled, unsettled)] == ["created"] * 2
    announced_at = datetime.now(UTC)
    assert reminders.scan(suite.deals.uow(), announced_at) == 2  # what deals' beat job runs
    through_rabbitmq(suite, mail_queue)

    assert erp_posts(suite, erp, paid(settled)) == "updated"
    assert reminders.scan(suite.deals.uow(), datetime.now(UTC)) == 0  # the next minute's scan
    through_rabbitmq(suite, mail_queue)

    before = smtp_server.count()
    assert suite.mail.send_rule_mails(announced_at + timedelta(days=DELAY_DAYS - 1)) == 0
    after_the_delay = announced_at + timedelta(days=DELAY_DAYS, hours=1)
    assert suite.mail.send_rule_mails(after_the_delay) == 1  # what mail's beat job runs
    assert suite.mail.send_rule_mails(after_the_delay + timedelta(minutes=1)) == 0
    assert suite.mail.send_rule_mails(after_the_delay + timedelta(days=30)) == 0
    assert reminders_to(smtp_server, before, email) == [f"Nhắc thanh toán {unsettled['number']}"]
    assert smtp_server.count() - before == 1


def test_a_payment_that_reaches_mail_before_the_overdue_event_still_stops_the_reminder(
    suite: Suite,
    mail_queue: str,
    erp: dict[str, str],
    reminder_rule: None,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """A relay killed after claiming the overdue event, before publishing it: its lease runs
    out after the payment has been published, so mail hears of the payment first."""
    buyer, email = a_buyer(suite)
    invoice = overdue_invoice(buyer)
    assert erp_posts(suite, erp, invoice) == "created"
    through_rabbitmq(suite, mail_queue)
    announced_at = datetime.now(UTC)
    assert reminders.scan(suite.deals.uow(), announced_at) == 1
    dead = SqlOutboxStore(suite.deals.engine, deals_orm.outbox, claim_seconds=LEASE_SECONDS)
    held = dead.claim(1000)  # and killed before it published them
    lease_ends = time.monotonic() + LEASE_SECONDS
    assert [m.event_type for m in held] == ["deals.invoice.overdue"]

    assert erp_posts(suite, erp, paid(invoice)) == "updated"
    deals_outbox = SqlOutboxStore(suite.deals.engine, deals_orm.outbox)
    relay_until_sent(deals_outbox, mail_queue, held=len(held))
    mail_consumes(mail_queue, suite)
    assert deals_outbox.unsent_count() == 1, "the dead relay's lease ran out too soon"
    time.sleep(max(0.0, lease_ends - time.monotonic()))
    through_rabbitmq(suite, mail_queue)  # the overdue event, published again

    before = smtp_server.count()
    for days in (DELAY_DAYS, DELAY_DAYS + 30):
        assert suite.mail.send_rule_mails(announced_at + timedelta(days=days, hours=1)) == 0
    assert reminders_to(smtp_server, before, email) == []
