"""Timeline entries and notifications are facts (kind + parameters), so that every reader says
them in its own language; the English title stays for older clients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.deals.service_layer import reminders
from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline
from tests.support import Suite


@pytest.fixture
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def test_a_deal_timeline_carries_who_which_stage_and_the_amount_as_facts(
    suite: Suite, admin: dict[str, str]
) -> None:
    client = counterparty(suite, admin)
    stages = [{"name": "Tiếp cận", "probability": 10}, {"name": "Báo giá", "probability": 40}]
    process = pipeline(suite, admin, "simple", stages)
    opened = deal(suite, admin, process["id"], client["id"], amount="125000000", currency="VND")
    quote = process["stages"][1]
    ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/stage", json={"stage_id": quote["id"]}, headers=admin
        )
    )
    ok(suite.client.post(f"{API}/deals/{opened['id']}/win", headers=admin))
    suite.deliver_events()
    entries = ok(suite.client.get(f"{API}/deals/{opened['id']}/timeline", headers=admin))["items"]
    by_kind = {entry["kind"]: entry for entry in entries}
    moved = next(
        e for e in entries if e["kind"] == "deal_stage" and e["params"]["stage"] == "Báo giá"
    )
    assert moved["params"]["title"] == opened["title"]
    assert moved["params"]["to_stage_id"] == quote["id"]
    assert moved["params"]["from_stage_id"] == process["stages"][0]["id"]
    assert moved["params"]["automatic"] == "false"
    assert by_kind["deal_won"]["params"] == {
        "title": opened["title"],
        "amount": "125000000.00",
        "currency": "VND",
    }
    assert by_kind["deal_won"]["title"] == f"Deal won: {opened['title']}"  # older clients
    merged = ok(suite.client.get(f"{API}/counterparties/{client['id']}/timeline", headers=admin))
    assert "deal_won" in [e["kind"] for e in merged["items"]]


def test_a_counterparty_timeline_gives_an_interaction_its_subject_as_a_fact(
    suite: Suite, admin: dict[str, str]
) -> None:
    client = counterparty(suite, admin)
    logged = {
        "counterparty_id": client["id"],
        "kind": "call",
        "subject": "Gọi chào giá",
        "done_at": "2030-01-01T08:00:00+00:00",
    }
    ok(suite.client.post(f"{API}/interactions", json=logged, headers=admin), 201)
    suite.deliver_events()
    merged = ok(suite.client.get(f"{API}/counterparties/{client['id']}/timeline", headers=admin))
    assert [(e["kind"], e["params"]) for e in merged["items"]] == [
        ("call", {"subject": "Gọi chào giá"})
    ]


def test_a_due_task_notification_carries_the_task_and_its_date_as_facts(
    suite: Suite, admin: dict[str, str]
) -> None:
    today = datetime.now(UTC).date()
    task = {"title": "Gửi hợp đồng", "assignee_id": suite.admin_id, "due_date": str(today)}
    created = ok(suite.client.post(f"{API}/tasks", json=task, headers=admin), 201)
    reminders.scan(suite.deals.uow(), datetime.now(UTC))
    items = ok(
        suite.client.get(f"{API}/notifications", query_string={"page_size": 500}, headers=admin)
    )["items"]
    due = next(n for n in items if n["ref_id"] == created["id"])
    assert due["kind"] == "task_due"
    assert due["params"] == {"title": "Gửi hợp đồng", "due_date": str(today)}
