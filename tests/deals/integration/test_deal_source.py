"""Where a deal came from, end to end: the list of sources, a deal's source through the API,
deals found by it, and the deals, win rate and revenue of each source in the analytics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique
from tests.support import Suite

STAGES = [{"name": "Lead", "probability": 10}, {"name": "Offer", "probability": 50}]


def add_source(suite: Suite, headers: dict[str, str], name: str) -> dict[str, Any]:
    reply = suite.client.post(f"{API}/deal-sources", json={"name": name}, headers=headers)
    return ok(reply, 201)  # type: ignore[no-any-return]


def patch(suite: Suite, headers: dict[str, str], deal_id: str, **fields: Any) -> Any:
    return suite.client.patch(f"{API}/deals/{deal_id}", json=fields, headers=headers)


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


@pytest.fixture(scope="module")
def sources(suite: Suite, admin: dict[str, str]) -> dict[str, dict[str, Any]]:
    names = {"fair": unique("Triển lãm "), "referral": unique("Giới thiệu "), "web": unique("Web ")}
    return {key: add_source(suite, admin, name) for key, name in names.items()}


def test_the_sources_are_listed_in_the_order_they_were_set_up(
    suite: Suite, admin: dict[str, str], sources: dict[str, dict[str, Any]]
) -> None:
    listed = ok(suite.client.get(f"{API}/deal-sources", headers=admin))["items"]
    ids = [item["id"] for item in listed]
    mine = [ids.index(source["id"]) for source in sources.values()]
    assert mine == sorted(mine)
    assert listed[mine[0]]["name"].startswith("Triển lãm ")


def test_a_source_is_in_the_list_once_whatever_its_case_and_needs_a_name(
    suite: Suite, admin: dict[str, str], sources: dict[str, dict[str, Any]]
) -> None:
    again = {"name": sources["fair"]["name"].upper()}
    clash = suite.client.post(f"{API}/deal-sources", json=again, headers=admin)
    assert clash.status_code == 409
    blank = suite.client.post(f"{API}/deal-sources", json={"name": " "}, headers=admin)
    assert blank.status_code == 422
    assert [e["field"] for e in blank.get_json()["errors"]] == ["name"]


def test_a_viewer_reads_the_sources_but_cannot_add_one(suite: Suite) -> None:
    viewer = suite.user(unique("viewer").lower(), ["viewer"])
    assert suite.client.get(f"{API}/deal-sources", headers=viewer).status_code == 200
    refused = suite.client.post(f"{API}/deal-sources", json={"name": "Zalo"}, headers=viewer)
    assert refused.status_code == 403


def test_a_deal_takes_a_source_changes_it_clears_it_and_is_found_by_it(
    suite: Suite, admin: dict[str, str], sources: dict[str, dict[str, Any]]
) -> None:
    sales = pipeline(suite, admin, "simple", STAGES)
    buyer = counterparty(suite, admin)
    fair, web = sources["fair"]["id"], sources["web"]["id"]
    opened = deal(suite, admin, sales["id"], buyer["id"], source_id=fair)
    other = deal(suite, admin, sales["id"], buyer["id"])
    assert (opened["source_id"], other["source_id"]) == (fair, None)

    def found(source_id: str) -> list[str]:
        query = {"pipeline_id": sales["id"], "source_id": source_id}
        reply = suite.client.get(f"{API}/deals", query_string=query, headers=admin)
        return [d["id"] for d in ok(reply)["items"]]

    assert found(fair) == [opened["id"]]
    assert ok(patch(suite, admin, opened["id"], source_id=web))["source_id"] == web
    assert found(fair) == [] and found(web) == [opened["id"]]
    assert ok(patch(suite, admin, opened["id"], source_id=None))["source_id"] is None


def test_a_source_that_is_not_in_the_list_is_a_422_naming_the_field_and_changes_nothing(
    suite: Suite, admin: dict[str, str], sources: dict[str, dict[str, Any]]
) -> None:
    sales = pipeline(suite, admin, "simple", STAGES)
    buyer = counterparty(suite, admin)
    body = {"title": "Thép tấm", "pipeline_id": sales["id"], "counterparty_id": buyer["id"]}
    for bad in ({"source_id": "no-such-source"}, {"source_id": ""}):
        refused = suite.client.post(f"{API}/deals", json={**body, **bad}, headers=admin)
        assert refused.status_code == 422, refused.get_json()
        assert [e["field"] for e in refused.get_json()["errors"]] == ["source_id"]
    kept = deal(suite, admin, sales["id"], buyer["id"], source_id=sources["web"]["id"])
    refused = patch(suite, admin, kept["id"], source_id="no-such-source")
    assert refused.status_code == 422
    again = ok(suite.client.get(f"{API}/deals/{kept['id']}", headers=admin))
    assert again["source_id"] == sources["web"]["id"]


def test_the_analytics_count_the_deals_wins_and_revenue_of_each_source(
    suite: Suite, admin: dict[str, str], sources: dict[str, dict[str, Any]]
) -> None:
    sales = pipeline(suite, admin, "simple", STAGES)
    buyer = counterparty(suite, admin)
    fair, referral = sources["fair"]["id"], sources["referral"]["id"]
    money = {"amount": "1000.00", "currency": "VND"}
    won = [deal(suite, admin, sales["id"], buyer["id"], source_id=fair, **money) for _ in range(2)]
    lost = deal(suite, admin, sales["id"], buyer["id"], source_id=fair, **money)
    deal(suite, admin, sales["id"], buyer["id"], source_id=referral, **money)
    deal(suite, admin, sales["id"], buyer["id"], **money)
    for opened in won:
        ok(suite.client.post(f"{API}/deals/{opened['id']}/win", json={}, headers=admin))
    reason = ok(
        suite.client.post(f"{API}/lost-reasons", json={"name": unique("Giá ")}, headers=admin), 201
    )
    lose = {"reason_id": reason["id"]}
    ok(suite.client.post(f"{API}/deals/{lost['id']}/lose", json=lose, headers=admin))
    suite.deliver_events()

    def analytics(path: str, **query: str) -> Any:
        reply = suite.client.get(f"{API}/analytics/{path}", query_string=query, headers=admin)
        return ok(reply)

    rows = analytics("deal-outcomes", group_by="source", pipeline_id=sales["id"])["items"]
    by_source = {
        row["key"]: (row["deals"], row["won"], row["lost"], row["win_rate"], row["revenue"])
        for row in rows
    }
    assert by_source == {
        fair: (3, 2, 1, pytest.approx(2 / 3), "2000.00"),
        referral: (1, 0, 0, None, "0.00"),
        None: (1, 0, 0, None, "0.00"),
    }
    funnel = analytics("funnel", pipeline_id=sales["id"], source_id=fair)
    assert (funnel["deals"], funnel["won"], funnel["lost"]) == (3, 2, 1)
