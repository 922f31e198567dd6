"""The payment reminder, end to end: an admin's rule in mail, two invoices from the ERP in deals,
deals' overdue scan, the events through the outbox relay and RabbitMQ to mail's consumer, one
invoice paid, mail's sending job; what arrives is read at a real SMTP server."""

from __future__ import annotations

import threading
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
from crmkit.relay import OutboxRelay
from services.analytics.adapters import orm as analytics_orm
from services.contacts.adapters import orm as contacts_orm
from services.deals.adapters import orm as deals_orm
from services.deals.service_layer import reminders
from services.mail.adapters import orm as mail_orm
from services.mail.entrypoints import consumer as mail_consumer
from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.mail_servers import ReceivedMessage, SmtpServer, smtp_server  # noqa: F401 - fixture
from tests.support import Suite

pytestmark = pytest.mark.integration  # RabbitMQ and a real SMTP server, on both databases

DELAY_DAYS = 3


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


def relay_until_sent(store: SqlOutboxStore, amqp_url: str, timeout: float = 20.0) -> None:
    if not store.unsent_count():
        return  # a relay stopped before its connection is open would keep it open
    relay = OutboxRelay(store, connection_parameters(amqp_url), poll_seconds=0.05)
    worker = threading.Thread(target=relay.run_once, daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    while store.unsent_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    relay.stop()
    worker.join(timeout=10)
    assert store.unsent_count() == 0, "the relay did not publish everything in time"


def through_rabbitmq(suite: Suite, amqp_url: str) -> None:
    """Every service's outbox relayed to the broker, then mail's consumer (batched, as
    `python -m services.mail consume` runs it) until its queue stays quiet."""
    outboxes = [
        (suite.contacts.engine, contacts_orm.outbox),
        (suite.deals.engine, deals_orm.outbox),
        (suite.analytics.engine, analytics_orm.outbox),
        (suite.mail.engine, mail_orm.outbox),
    ]
    for engine, table in outboxes:
        relay_until_sent(SqlOutboxStore(engine, table), amqp_url)
    handler = InboxHandler(suite.mail.sessions, mail_orm.inbox, mail_consumer.apply_event)
    consumer = EventConsumer(
        connection_parameters(amqp_url),
        mail_consumer.QUEUE,
        handler,
        handle_batch=handler.apply_batch,
    )
    consumer.run_once(inactivity_timeout=1.0)


def a_reminder_rule(suite: Suite, smtp: SmtpServer) -> None:
    """A shared accounting mailbox that sends through the test SMTP server, a template, and
    the rule: the template N days after an invoice is overdue."""
    admin = suite.headers()
    server = {"host": smtp.host, "port": smtp.port, "security": "none"}
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


def overdue_invoice(buyer: dict[str, Any], **fields: Any) -> dict[str, Any]:
    today = date.today()
    body = {
        "external_id": unique("INV-"),
        "number": unique("HD-"),
        "date": str(today - timedelta(days=40)),
        "due_date": str(today - timedelta(days=10)),
        "counterparty_id": buyer["id"],
        "currency": "VND",
        "lines": [{"sku": "ST-01", "name": "Thép cuộn", "quantity": "2", "price": "18500000"}],
    }
    return body | fields


def reminders_to(smtp: SmtpServer, before: int, email: str) -> list[str]:
    """The subjects of the messages the server took for `email` since `before`."""
    arrived: list[ReceivedMessage] = smtp.messages[before:]
    return [
        str(message_from_bytes(m.raw, policy=policy.default)["Subject"])
        for m in arrived
        if email in m.recipients
    ]


def test_a_paid_invoice_gets_no_payment_reminder_and_the_unpaid_one_gets_exactly_one(
    suite: Suite,
    mail_queue: str,
    erp: dict[str, str],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    a_reminder_rule(suite, smtp_server)
    email = f"{unique('ketoan-')}@anphat.vn"
    buyer = counterparty(suite, suite.headers(), legal_kind="legal_entity", email=email)
    paid, unpaid = overdue_invoice(buyer), overdue_invoice(buyer)
    for body in (paid, unpaid):
        ok(suite.client.post(f"{API}/erp/invoices", json=body, headers=erp), 201)
    announced_at = datetime.now(UTC)
    assert reminders.scan(suite.deals.uow(), announced_at) == 2  # what deals' beat job runs
    through_rabbitmq(suite, mail_queue)

    payment = paid | {"paid_at": datetime.now(UTC).isoformat()}  # before the reminder is due
    outcome = ok(suite.client.post(f"{API}/erp/invoices", json=payment, headers=erp))
    assert outcome["outcome"] == "updated"
    assert reminders.scan(suite.deals.uow(), datetime.now(UTC)) == 0  # the next minute's scan
    through_rabbitmq(suite, mail_queue)

    before = smtp_server.count()
    assert suite.mail.send_rule_mails(announced_at + timedelta(days=DELAY_DAYS - 1)) == 0
    after_the_delay = announced_at + timedelta(days=DELAY_DAYS, hours=1)
    assert suite.mail.send_rule_mails(after_the_delay) == 1  # what mail's beat job runs
    assert suite.mail.send_rule_mails(after_the_delay + timedelta(minutes=1)) == 0
    assert suite.mail.send_rule_mails(after_the_delay + timedelta(days=30)) == 0
    assert reminders_to(smtp_server, before, email) == [f"Nhắc thanh toán {unpaid['number']}"]
    assert smtp_server.count() - before == 1
