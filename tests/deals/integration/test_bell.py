"""The bell: each notification says what it opens (its deal, its counterparty), and all of them
are marked read at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.deals.service_layer import reminders
from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline
from tests.support import Suite


@pytest.fixture
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def unread(suite: Suite, headers: dict[str, str]) -> list[dict[str, Any]]:
    query = {"unread_only": "true", "page_size": 500}
    found = ok(suite.client.get(f"{API}/notifications", query_string=query, headers=headers))
    return list(found["items"])


def test_a_reminder_opens_the_deal_and_the_counterparty_it_is_about(
    suite: Suite, admin: dict[str, str]
) -> None:
    client = counterparty(suite, admin, owner_id=suite.admin_id)
    process = pipeline(suite, admin, "simple", [{"name": "Tiếp cận", "probability": 10}])
    opened = deal(suite, admin, process["id"], client["id"])
    today = datetime.now(UTC).date()
    task = {"title": "Gọi lại", "assignee_id": suite.admin_id, "due_date": str(today)}
    made = ok(
        suite.client.post(f"{API}/tasks", json=task | {"deal_id": opened["id"]}, headers=admin), 201
    )
    at = datetime.now(UTC) + timedelta(hours=3)
    planned = {
        "counterparty_id": client["id"],
        "deal_id": opened["id"],
        "kind": "call",
        "subject": "Gọi chốt giá",
        "planned_at": at.isoformat(),
        "owner_id": suite.admin_id,
    }
    call = ok(suite.client.post(f"{API}/interactions", json=planned, headers=admin), 201)
    suite.deliver_events()
    reminders.scan(suite.deals.uow(), datetime.now(UTC))
    by_ref = {n["ref_id"]: n["params"] for n in unread(suite, admin)}
    assert by_ref[made["id"]]["deal_id"] == opened["id"]
    assert by_ref[call["id"]]["counterparty_id"] == client["id"]
    assert by_ref[call["id"]]["deal_id"] == opened["id"]


def test_mark_all_read_empties_the_bell_of_that_user_only(
    suite: Suite, admin: dict[str, str]
) -> None:
    colleague = suite.user(f"bell{datetime.now(UTC):%H%M%S%f}", ["manager"])
    me = ok(suite.client.get(f"{API}/me", headers=colleague))
    today = str(datetime.now(UTC).date())
    for title in ("Gửi hợp đồng", "Gửi hoá đơn"):
        for assignee in (suite.admin_id, me["id"]):
            body = {"title": title, "assignee_id": assignee, "due_date": today}
            ok(suite.client.post(f"{API}/tasks", json=body, headers=admin), 201)
    reminders.scan(suite.deals.uow(), datetime.now(UTC))
    assert len(unread(suite, colleague)) == 2
    before = len(unread(suite, admin))
    marked = ok(suite.client.post(f"{API}/notifications/read", headers=colleague))
    assert marked == {"marked": 2}
    assert unread(suite, colleague) == []
    assert len(unread(suite, admin)) == before
