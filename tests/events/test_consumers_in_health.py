"""Every consumer's lag is in the gateway's health: per consuming service and per producer it
reads, the events published it has not applied yet and how long the oldest has waited; none
once it has caught up."""

from __future__ import annotations

from typing import Any

from tests.deals.integration.helpers import counterparty, deal, pipeline
from tests.support import Suite


def consumers(suite: Suite) -> dict[str, Any]:
    reply = suite.client.get("/healthz")
    assert reply.status_code == 200  # a consumer behind is news, not a fault
    found: dict[str, Any] = reply.get_json()["consumers"]
    return found


def test_health_shows_each_consumer_behind_its_producers_and_not_once_it_caught_up(
    suite: Suite,
) -> None:
    admin = suite.headers()
    suite.deliver_events()
    buyer = counterparty(suite, admin)
    sales = pipeline(suite, admin, "simple", [{"name": "Lead", "probability": 10}])
    deal(suite, admin, sales["id"], buyer["id"])

    behind = consumers(suite)
    assert behind["deals"]["contacts"]["lag_events"] >= 1  # the deals timeline, the new buyer
    assert behind["analytics"]["deals"]["lag_events"] >= 3  # the pipeline, the deal, its stage
    assert behind["mail"]["deals"]["lag_events"] >= 1
    assert behind["analytics"]["deals"]["lag_seconds"] >= 0

    suite.deliver_events()
    caught_up = consumers(suite)
    assert set(caught_up) == {"analytics", "contacts", "deals", "mail"}
    for consumer, producers in caught_up.items():
        for producer, lag in producers.items():
            assert lag == {"lag_events": 0, "lag_seconds": 0}, (consumer, producer)
