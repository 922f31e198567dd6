"""Lost deals and failed orders, from the sales process and the ERP through events."""

from __future__ import annotations

from datetime import date

from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique
from tests.support import Suite


def test_lost_deals_are_counted_and_summed_by_reason_and_owner(suite: Suite) -> None:
    admin = suite.headers()
    buyer = counterparty(suite, admin)
    process = pipeline(
        suite,
        admin,
        "simple",
        [{"name": "Lead", "probability": 10}, {"name": "Offer", "probability": 50}],
    )
    price = ok(
        suite.client.post(f"{API}/lost-reasons", json={"name": unique("Price ")}, headers=admin),
        201,
    )
    timing = ok(
        suite.client.post(f"{API}/lost-reasons", json={"name": unique("Timing ")}, headers=admin),
        201,
    )
    for reason, amount in ((price, "100.00"), (price, "250.00"), (timing, "40.00")):
        opened = deal(suite, admin, process["id"], buyer["id"], amount=amount, currency="VND")
        ok(
            suite.client.post(
                f"{API}/deals/{opened['id']}/lose", json={"reason_id": reason["id"]}, headers=admin
            )
        )
    suite.deliver_events()
    today = {"from": str(date.today()), "to": str(date.today())}
    by_reason = ok(
        suite.client.get(
            f"{API}/analytics/lost-deals",
            query_string={"group_by": "reason", **today},
            headers=admin,
        )
    )["items"]
    mine = {
        row["key"]: (row["count"], row["amount"])
        for row in by_reason
        if row["key"] in (price["id"], timing["id"])
    }
    assert mine == {price["id"]: (2, "350.00"), timing["id"]: (1, "40.00")}
    by_owner = ok(
        suite.client.get(
            f"{API}/analytics/lost-deals", query_string={"group_by": "owner"}, headers=admin
        )
    )["items"]
    assert suite.admin_id in [row["key"] for row in by_owner]
    csv_reply = suite.client.get(
        f"{API}/analytics/lost-deals",
        query_string={"group_by": "stage", "format": "csv"},
        headers=admin,
    )
    assert csv_reply.mimetype == "text/csv" and csv_reply.get_data(as_text=True).startswith(
        "key,count,amount"
    )
    bad = suite.client.get(
        f"{API}/analytics/lost-deals", query_string={"group_by": "colour"}, headers=admin
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "group_by"


def test_failed_orders_are_counted_by_reason_and_internal_orders_are_told_apart(
    suite: Suite,
) -> None:
    admin = suite.headers()
    buyer = counterparty(suite, admin)
    key = ok(
        suite.client.post(
            f"{API}/api-keys", json={"name": "ERP", "scopes": ["erp:write"]}, headers=admin
        ),
        201,
    )
    reason = unique("Out of stock ")

    def order(status: str, kind: str = "customer", failure: str | None = None) -> dict[str, object]:
        body: dict[str, object] = {
            "external_id": unique("SO-"),
            "number": "DH",
            "date": str(date.today()),
            "counterparty_id": buyer["id"],
            "kind": kind,
            "status": status,
            "lines": [{"sku": "A", "quantity": "1"}],
        }
        return body | ({"failure_reason": failure} if failure else {})

    orders = [
        order("failed", failure=reason),
        order("failed", failure=reason),
        order("fulfilled"),
        order("open", kind="internal"),
    ]
    assert (
        ok(
            suite.client.post(
                f"{API}/erp/batch", json={"orders": orders}, headers={"X-API-Key": key["key"]}
            )
        )["created"]
        == 4
    )
    suite.deliver_events()
    report = ok(
        suite.client.get(
            f"{API}/analytics/orders/failures",
            query_string={"group_by": "counterparty"},
            headers=admin,
        )
    )
    assert {row["key"]: row["count"] for row in report["items"]}.get(buyer["id"]) == 2
    assert report["internal_orders"] >= 1
    by_reason = ok(
        suite.client.get(
            f"{API}/analytics/orders/failures", query_string={"group_by": "reason"}, headers=admin
        )
    )["items"]
    assert max(row["count"] for row in by_reason) >= 2
