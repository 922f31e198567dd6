"""End to end: invoices pushed through the gateway become sales facts by events, a
classification started through the API gives the classes computed here independently, and
contacts shows them on the counterparty."""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.independent import classes
from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.support import Suite

SALES = {  # monthly revenue, January..June 2026
    "steady": [1000, 1000, 1000, 1000, 1000, 1000],
    "seasonal": [300, 0, 300, 0, 300, 0],
    "once": [0, 0, 0, 0, 0, 120],
    "small": [10, 12, 8, 10, 10, 10],
}


@pytest.fixture(scope="module")
def customers(suite: Suite) -> dict[str, dict[str, Any]]:
    admin = suite.headers()
    made = {
        name: counterparty(suite, admin, name=unique(f"{name} "), roles=["customer"])
        for name in [*SALES, "never"]
    }
    key = ok(
        suite.client.post(
            f"{API}/api-keys", json={"name": "ERP", "scopes": ["erp:write"]}, headers=admin
        ),
        201,
    )
    invoices = [
        {
            "external_id": unique("INV-"),
            "number": "HD",
            "date": f"2026-{month:02d}-15",
            "counterparty_id": made[name]["id"],
            "currency": "VND",
            "lines": [{"sku": "A", "quantity": "1", "price": str(amount)}],
        }
        for name, months in SALES.items()
        for month, amount in enumerate(months, start=1)
        if amount
    ]
    assert ok(
        suite.client.post(
            f"{API}/erp/batch", json={"invoices": invoices}, headers={"X-API-Key": key["key"]}
        )
    )["created"] == len(invoices)
    suite.deliver_events()
    return made


def test_a_classification_through_the_api_gives_the_classes_computed_independently(
    suite: Suite, customers: dict[str, dict[str, Any]]
) -> None:
    admin = suite.headers()
    body = {"parameter": "revenue", "period_from": "2026-01-01", "period_to": "2026-06-30"}
    started = suite.client.post(f"{API}/analytics/classifications", json=body, headers=admin)
    assert started.status_code == 202
    run_id = started.get_json()["run_id"]
    run = ok(suite.client.get(f"{API}/analytics/classifications/{run_id}", headers=admin))
    assert (run["status"], run["customers"]) == ("done", 5)
    runs = ok(suite.client.get(f"{API}/analytics/classifications", headers=admin))["items"]
    assert (runs[0]["id"], runs[0]["status"]) == (run_id, "done")
    rows = ok(suite.client.get(f"{API}/analytics/classifications/{run_id}/results", headers=admin))[
        "items"
    ]
    by_id = {row["counterparty_id"]: (row["abc"], row["xyz"], row["status"]) for row in rows}
    sales = {
        name: [(month, float(amount)) for month, amount in enumerate(months) if amount]
        for name, months in SALES.items()
    } | {"never": []}
    assert {name: by_id[customers[name]["id"]] for name in sales} == classes(sales, periods=6)

    suite.deliver_events()  # analytics.classification.completed reaches contacts
    card = ok(suite.client.get(f"{API}/counterparties/{customers['steady']['id']}", headers=admin))
    assert (card["abc"], card["xyz"], card["status"]) == ("A", "X", "regular")
    history = ok(
        suite.client.get(
            f"{API}/analytics/classifications/history",
            query_string={"counterparty_id": customers["seasonal"]["id"]},
            headers=admin,
        )
    )
    assert [(h["run_id"], h["xyz"]) for h in history["items"]] == [(run_id, "Z")]


def test_classification_requests_are_checked_and_guarded(suite: Suite) -> None:
    admin = suite.headers()
    backwards = suite.client.post(
        f"{API}/analytics/classifications",
        json={"period_from": "2026-06-30", "period_to": "2026-01-01"},
        headers=admin,
    )
    assert (
        backwards.status_code == 422 and backwards.get_json()["errors"][0]["field"] == "period_to"
    )
    three = suite.client.post(
        f"{API}/analytics/classifications",
        json={"period_from": "2026-01-01", "period_to": "2026-02-01", "abc_limits": [1, 2, 3]},
        headers=admin,
    )
    assert three.status_code == 422 and three.get_json()["errors"][0]["field"] == "abc_limits"
    assert (
        suite.client.get(f"{API}/analytics/classifications/no-such-run", headers=admin).status_code
        == 404
    )
    assert (
        suite.client.get(
            f"{API}/analytics/classifications/no-such-run/results", headers=admin
        ).status_code
        == 404
    )
    viewer = suite.user(unique("viewer"), ["viewer"])
    refused = suite.client.post(
        f"{API}/analytics/classifications",
        json={"period_from": "2026-01-01", "period_to": "2026-02-01"},
        headers=viewer,
    )
    assert refused.status_code == 403


def test_the_bcg_report_compares_with_the_equal_window_before_and_exports_csv(
    suite: Suite, customers: dict[str, dict[str, Any]]
) -> None:
    admin = suite.headers()
    window = {"period_from": "2026-04-01", "period_to": "2026-06-30"}
    report = ok(suite.client.get(f"{API}/analytics/bcg", query_string=window, headers=admin))[
        "items"
    ]
    by_id = {row["counterparty_id"]: row["quadrant"] for row in report}
    # April-June against January-March: the total falls from 3,630 to 3,450 (-5 %);
    # four customers sell now, so a high share is 25 % or more.
    assert {name: by_id.get(customers[name]["id"]) for name in SALES} == {
        "steady": "star",  # 87 % of the total, flat
        "seasonal": "dog",  # 9 %, halved
        "once": "question",  # new
        "small": "question",  # 1 %, flat: grows faster than the total
    }
    assert customers["never"]["id"] not in by_id
    csv_reply = suite.client.get(
        f"{API}/analytics/bcg", query_string={**window, "format": "csv"}, headers=admin
    )
    assert csv_reply.mimetype == "text/csv"
    assert (
        csv_reply.get_data(as_text=True).splitlines()[0]
        == "counterparty_id,value,previous_value,share,growth,quadrant"
    )
