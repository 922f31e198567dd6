"""A classification asked for while its sources' events still wait waits for them: it fails
after its wait naming the lag, computes marked partial when asked to, and computes on
everything once the consumer has caught up, recording what it waited for."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.support import Suite

INVOICES = "deals.invoice.posted"


@pytest.fixture(scope="module")
def erp(suite: Suite) -> dict[str, Any]:
    admin = suite.headers()
    key = ok(
        suite.client.post(
            f"{API}/api-keys", json={"name": "ERP", "scopes": ["erp:write"]}, headers=admin
        ),
        201,
    )
    buyer = counterparty(suite, admin, roles=["customer"])
    return {"admin": admin, "key": key["key"], "buyer": buyer}


def push_invoice(suite: Suite, erp: dict[str, Any]) -> None:
    invoice = {
        "external_id": unique("INV-"),
        "number": "HD",
        "date": "2026-03-15",
        "counterparty_id": erp["buyer"]["id"],
        "currency": "VND",
        "lines": [{"sku": "A", "quantity": "1", "price": "1000"}],
    }
    headers = {"X-API-Key": erp["key"]}
    assert ok(suite.client.post(f"{API}/erp/batch", json={"invoices": [invoice]}, headers=headers))


def classify(suite: Suite, erp: dict[str, Any], **asked: Any) -> dict[str, Any]:
    body = {"period_from": "2026-01-01", "period_to": "2026-06-30", **asked}
    started = ok(
        suite.client.post(f"{API}/analytics/classifications", json=body, headers=erp["admin"]),
        202,
    )
    reply = suite.client.get(
        f"{API}/analytics/classifications/{started['run_id']}", headers=erp["admin"]
    )
    return ok(reply)  # type: ignore[no-any-return]


def test_a_run_asked_for_while_invoices_wait_fails_after_its_wait_naming_the_lag(
    suite: Suite, erp: dict[str, Any]
) -> None:
    push_invoice(suite, erp)
    run = classify(suite, erp, wait_seconds=1)
    assert run["status"] == "failed"
    assert INVOICES in run["reason"] and "after waiting 1 s" in run["reason"]
    assert run["awaited"][INVOICES] >= 1


def test_a_run_that_may_be_partial_computes_after_its_wait_and_says_so(
    suite: Suite, erp: dict[str, Any]
) -> None:
    push_invoice(suite, erp)
    run = classify(suite, erp, wait_seconds=1, partial_allowed=True)
    assert (run["status"], run["partial"]) == ("done", True)
    assert run["waited_seconds"] >= 1


def test_a_waiting_run_lets_the_consumer_apply_what_it_waits_for_and_then_computes_on_all(
    suite: Suite, erp: dict[str, Any]
) -> None:
    push_invoice(suite, erp)
    with ThreadPoolExecutor(1) as beside:
        asked = beside.submit(classify, suite, erp, wait_seconds=30)
        time.sleep(1)  # the run is waiting for the invoice event
        suite.deliver_events()  # the consumer commits while it waits (SQLite: one write lock)
        run = asked.result()
    assert (run["status"], run["partial"]) == ("done", False)
    assert run["waited_seconds"] < 30


def test_once_the_consumer_caught_up_a_run_computes_on_every_invoice_and_says_what_it_awaited(
    suite: Suite, erp: dict[str, Any]
) -> None:
    suite.deliver_events()
    run = classify(suite, erp)
    assert (run["status"], run["partial"], run["customers"]) == ("done", False, 1)
    assert run["waited_seconds"] < 1
    assert run["awaited"][INVOICES] >= 2
