"""Deals learns of contacts' changes through the real relay, broker and consumer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pytest

from crmkit.consumer import EventConsumer
from crmkit.inbox import InboxHandler
from crmkit.outbox import SqlOutboxStore
from crmkit.rabbit import connection_parameters, declare_queue
from services.contacts.adapters import orm as contacts_orm
from services.deals.adapters import orm as deals_orm
from services.deals.entrypoints import consumer
from tests.deals.integration.helpers import API, counterparty, ok
from tests.support import Suite, relay_until_sent

pytestmark = pytest.mark.integration


def test_a_planned_meeting_logged_in_contacts_reaches_the_planner_through_the_broker(
    postgres_suite: Suite, amqp_url: str
) -> None:
    suite, admin = postgres_suite, postgres_suite.headers()
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    declare_queue(connection.channel(), consumer.QUEUE)
    connection.close()
    client = counterparty(suite, admin, owner_id=suite.admin_id)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    meeting = {
        "counterparty_id": client["id"],
        "kind": "meeting",
        "subject": "Ký phụ lục",
        "planned_at": when.isoformat(),
    }
    ok(suite.client.post(f"{API}/interactions", json=meeting, headers=admin), 201)

    relay_until_sent(SqlOutboxStore(suite.contacts.engine, contacts_orm.outbox), amqp_url)
    handler = InboxHandler(suite.deals.sessions, deals_orm.inbox, consumer.apply_event)
    EventConsumer(connection_parameters(amqp_url), consumer.QUEUE, handler).run_once(
        inactivity_timeout=1.0
    )

    window: dict[str, Any] = {"from": str(when.date()), "to": str(when.date())}
    planner = ok(suite.client.get(f"{API}/planner", query_string=window, headers=admin))
    subjects = [i["subject"] for day in planner["days"] for i in day["interactions"]]
    assert "Ký phụ lục" in subjects
    timeline = ok(suite.client.get(f"{API}/counterparties/{client['id']}/timeline", headers=admin))[
        "items"
    ]
    assert [e["title"] for e in timeline].count("Ký phụ lục") == 1
