"""How fresh the analytics are: what contacts and deals published against what analytics has
applied, through the gateway, with the relay's numbers and the consumer's watermarks."""

from __future__ import annotations

from typing import Any

from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline
from tests.support import Suite


def sources(suite: Suite, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    reply = ok(suite.client.get(f"{API}/analytics/freshness", headers=headers))
    return {source["producer"]: source for source in reply["sources"]}


def test_freshness_shows_the_events_not_yet_applied_and_none_once_they_are(suite: Suite) -> None:
    admin = suite.headers()
    suite.deliver_events()
    before = sources(suite, admin)
    assert {name: s["lag_events"] for name, s in before.items()} == {"contacts": 0, "deals": 0}

    buyer = counterparty(suite, admin)
    sales = pipeline(suite, admin, "simple", [{"name": "Lead", "probability": 10}])
    deal(suite, admin, sales["id"], buyer["id"])
    behind = sources(suite, admin)
    assert behind["contacts"]["lag_events"] >= 1
    assert behind["deals"]["lag_events"] >= 3  # the pipeline, the deal, its first stage
    assert behind["deals"]["lag_seconds"] >= 0
    assert behind["deals"]["last_event_at"] is not None

    suite.deliver_events()
    after = sources(suite, admin)
    for name in ("contacts", "deals"):
        assert (after[name]["lag_events"], after[name]["lag_seconds"]) == (0, 0)
        expected = behind[name]["applied_up_to"] + behind[name]["lag_events"]
        assert after[name]["applied_up_to"] == expected


def test_a_viewer_may_ask_how_fresh_the_analytics_are(suite: Suite) -> None:
    viewer = suite.user("freshness-viewer", ["viewer"])
    assert suite.client.get(f"{API}/analytics/freshness", headers=viewer).status_code == 200


def test_every_analytics_answer_says_how_far_behind_it_is_and_a_csv_says_it_in_headers(
    suite: Suite,
) -> None:
    admin = suite.headers()
    sales = pipeline(suite, admin, "simple", [{"name": "Lead", "probability": 10}])
    suite.deliver_events()
    funnel = {"pipeline_id": sales["id"]}

    def answer(**query: str) -> Any:
        return suite.client.get(
            f"{API}/analytics/funnel", query_string=funnel | query, headers=admin
        )

    current = ok(answer())
    assert current["lag_seconds"] == 0 and current["as_of"] is not None
    deal(suite, admin, sales["id"], counterparty(suite, admin)["id"])
    behind = ok(answer())
    assert behind["lag_seconds"] > 0 and behind["as_of"] is not None
    assert behind["stages"][0]["count"] == 0  # the new deal is not in it yet, and it says so
    csv = answer(format="csv")
    assert float(csv.headers["X-Data-Lag-Seconds"]) > 0 and csv.headers["X-Data-As-Of"]
    suite.deliver_events()
    caught_up = ok(answer())
    assert (caught_up["lag_seconds"], caught_up["stages"][0]["count"]) == (0, 1)
