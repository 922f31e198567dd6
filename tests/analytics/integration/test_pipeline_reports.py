"""Funnel, bottlenecks, unfinished deals, the plan of closes, manager KPIs and campaign
effectiveness through the gateway, fed by the deals, contacts and ERP events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique, user_id
from tests.support import Suite

STAGES = [
    {"name": "Lead", "probability": 10},
    {"name": "Offer", "probability": 50},
    {"name": "Contract", "probability": 80, "stall_after_days": 30},
]


def get(suite: Suite, headers: dict[str, str], path: str, **query: Any) -> Any:
    return ok(suite.client.get(f"{API}{path}", query_string=query, headers=headers))


def move(suite: Suite, headers: dict[str, str], deal_id: str, stage_id: str) -> None:
    ok(
        suite.client.post(
            f"{API}/deals/{deal_id}/stage", json={"stage_id": stage_id}, headers=headers
        )
    )


@pytest.fixture(scope="module")
def sales(suite: Suite) -> dict[str, Any]:
    """Five deals of one manager in a fresh pipeline: one left in Lead, one in Offer, one won
    from Contract, one lost in Offer, one back from Contract to Offer."""
    admin = suite.headers()
    manager = suite.user(unique("kpi").lower(), ["manager"])
    manager_id = user_id(suite, manager)
    buyer = counterparty(suite, manager, owner_id=manager_id)
    process = pipeline(suite, admin, "simple", STAGES)
    assert [stage["stall_after_days"] for stage in process["stages"]] == [None, None, 30]
    lead, offer, contract = (stage["id"] for stage in process["stages"])
    reason = ok(
        suite.client.post(f"{API}/lost-reasons", json={"name": unique("Price ")}, headers=admin),
        201,
    )
    soon = date.today() + timedelta(days=10)
    later = date.today() + timedelta(days=45)
    made = [
        deal(
            suite,
            manager,
            process["id"],
            buyer["id"],
            amount=amount,
            currency="VND",
            expected_close_date=str(close),
        )
        for amount, close in (
            ("100.00", soon),
            ("200.00", soon),
            ("300.00", later),
            ("400.00", later),
            ("500.00", later),
        )
    ]
    ids = [d["id"] for d in made]
    move(suite, manager, ids[1], offer)
    move(suite, manager, ids[2], offer)
    move(suite, manager, ids[2], contract)
    ok(suite.client.post(f"{API}/deals/{ids[2]}/win", json={}, headers=manager))
    move(suite, manager, ids[3], offer)
    lose = {"reason_id": reason["id"]}
    ok(suite.client.post(f"{API}/deals/{ids[3]}/lose", json=lose, headers=manager))
    move(suite, manager, ids[4], offer)
    move(suite, manager, ids[4], contract)
    move(suite, manager, ids[4], offer)
    suite.deliver_events()
    return {
        "admin": admin,
        "manager": manager,
        "manager_id": manager_id,
        "buyer": buyer,
        "pipeline": process,
        "stages": (lead, offer, contract),
        "deals": ids,
    }


def test_funnel_shows_reach_conversion_open_amounts_and_the_weighted_forecast(
    suite: Suite, sales: dict[str, Any]
) -> None:
    report = get(suite, sales["manager"], "/analytics/funnel", pipeline_id=sales["pipeline"]["id"])
    rows = report["stages"]
    assert [row["count"] for row in rows] == [5, 4, 2]
    assert [row["conversion"] for row in rows] == pytest.approx([4 / 5, 2 / 4, 1 / 2])
    assert [(row["open"], row["amount"]) for row in rows] == [
        (1, "100.00"),
        (2, "700.00"),
        (0, "0"),
    ]
    assert rows[1]["weighted_amount"] == "350.00"  # 200 and 500 at 50 %
    assert (report["won"], report["lost"], report["win_rate"]) == (1, 1, 0.5)
    forecast = {row["month"]: row["weighted_amount"] for row in report["forecast"]}
    soon, later = date.today() + timedelta(days=10), date.today() + timedelta(days=45)
    expected: dict[str, float] = {}
    for month, amount in ((soon, 10.0), (soon, 100.0), (later, 250.0)):
        key = month.strftime("%Y-%m")
        expected[key] = expected.get(key, 0.0) + amount
    assert {k: float(v) for k, v in forecast.items()} == expected
    tomorrow = str(date.today() + timedelta(days=1))
    empty = get(
        suite,
        sales["manager"],
        "/analytics/funnel",
        pipeline_id=sales["pipeline"]["id"],
        **{"from": tomorrow},
    )
    assert [row["count"] for row in empty["stages"]] == [0, 0, 0]
    assert empty["stages"][0]["conversion"] is None


def test_bottlenecks_count_entries_losses_and_open_deals_per_stage(
    suite: Suite, sales: dict[str, Any]
) -> None:
    report = get(
        suite, sales["manager"], "/analytics/bottlenecks", pipeline_id=sales["pipeline"]["id"]
    )
    lead, offer, contract = report["stages"]
    assert (lead["entered"], offer["entered"], contract["entered"]) == (5, 4, 2)
    assert (offer["lost"], offer["drop_off_rate"]) == (1, 0.25)
    assert (lead["open"], offer["open"], contract["open"]) == (1, 2, 0)
    assert lead["finished_stays"] == 4 and lead["median_days"] >= 0
    assert contract["finished_stays"] == 1  # the deal that went back; the won one never left
    csv_reply = suite.client.get(
        f"{API}/analytics/bottlenecks",
        query_string={"pipeline_id": sales["pipeline"]["id"], "format": "csv"},
        headers=sales["manager"],
    )
    assert csv_reply.mimetype == "text/csv"
    assert csv_reply.get_data(as_text=True).splitlines()[0].startswith("stage_id,name,entered")


def test_unfinished_deals_and_the_plan_of_closes_list_the_open_deals(
    suite: Suite, sales: dict[str, Any]
) -> None:
    by_stage = get(
        suite,
        sales["manager"],
        "/analytics/unfinished-deals",
        group_by="stage",
        pipeline_id=sales["pipeline"]["id"],
    )["items"]
    lead, offer, _ = sales["stages"]
    assert {row["key"]: (row["deals"], row["amount"]) for row in by_stage} == {
        lead: (1, "100.00"),
        offer: (2, "700.00"),
    }
    plan = get(
        suite,
        sales["manager"],
        "/analytics/closing-plan",
        pipeline_id=sales["pipeline"]["id"],
        page_size=2,
    )
    assert plan["total"] == 3
    ids = sales["deals"]
    assert {row["deal_id"] for row in plan["items"]} == {ids[0], ids[1]}  # the soonest first
    csv_reply = suite.client.get(
        f"{API}/analytics/closing-plan",
        query_string={"pipeline_id": sales["pipeline"]["id"], "format": "csv"},
        headers=sales["manager"],
    )
    assert len(csv_reply.get_data(as_text=True).splitlines()) == 1 + 3  # every page
    bad = suite.client.get(
        f"{API}/analytics/unfinished-deals",
        query_string={"group_by": "colour"},
        headers=sales["admin"],
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "group_by"
    unknown = suite.client.get(
        f"{API}/analytics/funnel", query_string={"pipeline_id": "nope"}, headers=sales["admin"]
    )
    assert unknown.status_code == 404
    never = [{"name": "Lead", "probability": 10, "stall_after_days": 0}]
    refused = suite.client.post(
        f"{API}/pipelines",
        json={"name": unique("P "), "mode": "simple", "stages": never},
        headers=sales["admin"],
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "stages.0.stall_after_days"


def test_manager_kpis_sum_the_managers_sales_contacts_and_wins(
    suite: Suite, sales: dict[str, Any]
) -> None:
    admin, manager = sales["admin"], sales["manager"]
    invoice = {
        "external_id": unique("HD-"),
        "number": "HD",
        "date": str(date.today()),
        "counterparty_id": sales["buyer"]["id"],
        "deal_id": sales["deals"][2],
        "currency": "VND",
        "lines": [{"sku": "A", "quantity": "2", "price": "100", "cost": "70", "discount": "20"}],
    }
    ok(suite.client.post(f"{API}/erp/batch", json={"invoices": [invoice]}, headers=admin))
    call = {
        "counterparty_id": sales["buyer"]["id"],
        "kind": "call",
        "subject": "Follow-up",
        "done_at": datetime.now(UTC).isoformat(),
    }
    ok(suite.client.post(f"{API}/interactions", json=call, headers=manager), 201)
    suite.deliver_events()
    today = str(date.today())
    rows = get(suite, admin, "/analytics/managers", **{"from": today, "to": today})["items"]
    [mine] = [row for row in rows if row["owner_id"] == sales["manager_id"]]
    assert (mine["revenue"], mine["gross_profit"]) == ("180.00", "40.00")
    assert mine["discount_ratio"] == pytest.approx(20 / 200)
    assert (mine["contacts"], mine["deals_won"], mine["win_rate"]) == (1, 1, 0.5)
    assert 0 < mine["completeness"] <= 1
    missing = suite.client.get(f"{API}/analytics/managers", headers=admin)
    assert missing.status_code == 422


def test_an_invoice_sent_before_its_customer_was_known_counts_for_the_customers_owner(
    suite: Suite,
) -> None:
    admin = suite.headers()
    seller = suite.user(unique("early").lower(), ["manager"])
    seller_id = user_id(suite, seller)
    newcomer = counterparty(suite, seller, owner_id=seller_id)
    invoice = {
        "external_id": unique("HD-"),
        "number": "HD-sớm",
        "date": str(date.today()),
        "counterparty_id": newcomer["id"],
        "currency": "VND",
        "lines": [{"sku": "B", "quantity": "1", "price": "500", "cost": "300"}],
    }
    ok(suite.client.post(f"{API}/erp/batch", json={"invoices": [invoice]}, headers=admin))
    [stored] = get(suite, admin, "/invoices", counterparty_id=newcomer["id"])["items"]
    assert stored["owner_id"] is None  # deals had not heard of the new customer yet
    suite.deliver_events()
    today = str(date.today())
    rows = get(suite, admin, "/analytics/managers", **{"from": today, "to": today})["items"]
    [theirs] = [row for row in rows if row["owner_id"] == seller_id]
    assert (theirs["revenue"], theirs["gross_profit"]) == ("500.00", "200.00")


def test_campaign_effectiveness_follows_responses_to_deals_won_and_invoiced(
    suite: Suite, sales: dict[str, Any]
) -> None:
    admin = sales["admin"]
    campaign = ok(
        suite.client.post(
            f"{API}/campaigns",
            json={"name": unique("Fair "), "cost": "100.00", "currency": "VND"},
            headers=admin,
        ),
        201,
    )
    newcomer = counterparty(suite, admin)
    earlier = {
        "external_id": unique("HD-"),
        "number": "HD",
        "date": str(date.today() - timedelta(days=1)),
        "counterparty_id": sales["buyer"]["id"],
        "currency": "VND",
        "lines": [{"sku": "A", "quantity": "1", "price": "10"}],
    }
    ok(suite.client.post(f"{API}/erp/batch", json={"invoices": [earlier]}, headers=admin))
    responses = [
        ok(
            suite.client.post(
                f"{API}/campaigns/{campaign['id']}/responses",
                json={"counterparty_id": who, "kind": "visit"},
                headers=admin,
            ),
            201,
        )
        for who in (newcomer["id"], sales["buyer"]["id"])
    ]
    converted = ok(
        suite.client.post(
            f"{API}/campaign-responses/{responses[0]['id']}/convert",
            json={"pipeline_id": sales["pipeline"]["id"]},
            headers=admin,
        ),
        201,
    )
    ok(suite.client.post(f"{API}/deals/{converted['id']}/win", json={}, headers=admin))
    invoice = {
        "external_id": unique("HD-"),
        "number": "HD",
        "date": str(date.today()),
        "counterparty_id": newcomer["id"],
        "deal_id": converted["id"],
        "currency": "VND",
        "lines": [{"sku": "A", "quantity": "1", "price": "250"}],
    }
    ok(suite.client.post(f"{API}/erp/batch", json={"invoices": [invoice]}, headers=admin))
    suite.deliver_events()
    rows = get(suite, admin, "/analytics/campaigns")["items"]
    [row] = [row for row in rows if row["campaign_id"] == campaign["id"]]
    assert (row["responses"], row["deals"], row["won"]) == (2, 1, 1)
    assert (row["revenue"], row["cost"], row["roi"]) == ("250.00", "100.00", 1.5)
    assert row["acquisition_rate"] == 0.5  # the old buyer was a customer before
    csv_reply = suite.client.get(
        f"{API}/analytics/campaigns", query_string={"format": "csv"}, headers=admin
    )
    assert "acquisition_rate" in csv_reply.get_data(as_text=True).splitlines()[0]


def test_deal_outcomes_by_owner_and_campaign_count_wins_and_revenue_won(
    suite: Suite, sales: dict[str, Any]
) -> None:
    pipeline_id = sales["pipeline"]["id"]
    rows = get(suite, sales["admin"], "/analytics/deal-outcomes", pipeline_id=pipeline_id)["items"]
    assert [row for row in rows if row["key"] == sales["manager_id"]] == [
        {
            "key": sales["manager_id"],
            "deals": 5,
            "open": 3,
            "won": 1,
            "lost": 1,
            "win_rate": 0.5,
            "revenue": "300.00",
        }
    ]
    by_campaign = get(
        suite,
        sales["admin"],
        "/analytics/deal-outcomes",
        pipeline_id=pipeline_id,
        group_by="campaign",
        owner_id=sales["manager_id"],
    )["items"]
    assert [(row["key"], row["deals"]) for row in by_campaign] == [(None, 5)]
    csv = suite.client.get(
        f"{API}/analytics/deal-outcomes",
        query_string={"pipeline_id": pipeline_id, "format": "csv"},
        headers=sales["admin"],
    )
    assert csv.status_code == 200 and "win_rate" in csv.get_data(as_text=True)


def test_the_funnel_of_one_owner_counts_only_that_owners_deals(
    suite: Suite, sales: dict[str, Any]
) -> None:
    pipeline_id = sales["pipeline"]["id"]
    mine = get(
        suite,
        sales["admin"],
        "/analytics/funnel",
        pipeline_id=pipeline_id,
        owner_id=sales["manager_id"],
    )
    nobodys = get(suite, sales["admin"], "/analytics/funnel", pipeline_id=pipeline_id, owner_id="x")
    assert (mine["deals"], nobodys["deals"]) == (5, 0)


def test_deal_outcomes_by_a_dimension_nobody_has_is_a_422_naming_group_by(
    suite: Suite, sales: dict[str, Any]
) -> None:
    reply = suite.client.get(
        f"{API}/analytics/deal-outcomes",
        query_string={"group_by": "shoe_size"},
        headers=sales["admin"],
    )
    assert reply.status_code == 422
    assert [e["field"] for e in reply.get_json()["errors"]] == ["group_by"]
