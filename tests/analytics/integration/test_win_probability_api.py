"""Win probability through the gateway: the stage baseline answers until a model is trained on
enough closed deals; then the promoted model answers with the factors that moved the deal."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique
from tests.support import Suite

STAGES = [{"name": "Lead", "probability": 10}, {"name": "Offer", "probability": 50}]


@pytest.fixture(scope="module")
def history(suite: Suite) -> dict[str, Any]:
    """A pipeline, a lost reason and a competitor to meet in some deals."""
    admin = suite.headers()
    process = pipeline(suite, admin, "simple", STAGES)
    reason = ok(
        suite.client.post(f"{API}/lost-reasons", json={"name": unique("Lost ")}, headers=admin),
        201,
    )
    return {
        "admin": admin,
        "pipeline": process,
        "reason": reason,
        "buyer": counterparty(suite, admin),
        "rival": counterparty(suite, admin),
    }


def close_deals(suite: Suite, history: dict[str, Any], count: int, seed: int) -> None:
    """Deals that meet the competitor are mostly lost; the others mostly won."""
    admin, rng = history["admin"], random.Random(seed)
    offer = history["pipeline"]["stages"][1]["id"]
    for _ in range(count):
        made = deal(
            suite,
            admin,
            history["pipeline"]["id"],
            history["buyer"]["id"],
            amount="100",
            currency="VND",
        )
        rival = rng.random() < 0.5
        if rival:
            participant = {"counterparty_id": history["rival"]["id"], "role": "competitor"}
            url = f"{API}/deals/{made['id']}/participants"
            ok(suite.client.post(url, json=participant, headers=admin), 201)
        if rng.random() < 0.5:
            url = f"{API}/deals/{made['id']}/stage"
            ok(suite.client.post(url, json={"stage_id": offer}, headers=admin))
        won = rng.random() < (0.15 if rival else 0.85)
        outcome = {} if won else {"reason_id": history["reason"]["id"]}
        url = f"{API}/deals/{made['id']}/{'win' if won else 'lose'}"
        ok(suite.client.post(url, json=outcome, headers=admin))
    suite.deliver_events()


def test_the_stage_baseline_answers_before_any_model_and_says_so(
    suite: Suite, history: dict[str, Any]
) -> None:
    admin = history["admin"]
    fresh = deal(suite, admin, history["pipeline"]["id"], history["buyer"]["id"])
    suite.deliver_events()
    reply = ok(suite.client.get(f"{API}/deals/{fresh['id']}/win-probability", headers=admin))
    assert reply["model_version"] is None and 0 < reply["probability"] < 1
    assert reply["answered_by"] == "baseline"
    missing = suite.client.get(f"{API}/deals/nope/win-probability", headers=admin)
    assert missing.status_code == 404


def test_too_little_history_fails_the_training_with_the_reason_and_keeps_the_baseline(
    suite: Suite, history: dict[str, Any]
) -> None:
    admin = history["admin"]
    close_deals(suite, history, 6, seed=1)
    started = suite.client.post(
        f"{API}/analytics/win-model/train", json={"window_months": 12}, headers=admin
    )
    assert started.status_code == 202
    model = ok(
        suite.client.get(
            f"{API}/analytics/win-model",
            query_string={"version": started.get_json()["version"]},
            headers=admin,
        )
    )
    assert model["status"] == "failed" and "too little history" in model["reason"]
    assert not model["promoted"]


def test_a_model_trained_on_enough_deals_is_promoted_and_explains_each_deal(
    suite: Suite, history: dict[str, Any]
) -> None:
    admin = history["admin"]
    close_deals(suite, history, 120, seed=2)
    started = ok(suite.client.post(f"{API}/analytics/win-model/train", headers=admin), 202)
    model = ok(suite.client.get(f"{API}/analytics/win-model", headers=admin))
    assert model["version"] == started["version"] and model["status"] == "done", model
    assert model["metrics"]["auc"] > model["baseline_metrics"]["auc"]
    assert model["promoted"] and "closed_at" not in model["features"]
    assert model["n_deals"] >= 120 and model["held_out"] == round(model["n_deals"] * 0.2)
    # a newcomer: none of the shared buyer's long record, only the competitor to go by
    newcomer = counterparty(suite, admin)
    fresh = deal(suite, admin, history["pipeline"]["id"], newcomer["id"])
    participant = {"counterparty_id": history["rival"]["id"], "role": "competitor"}
    ok(
        suite.client.post(
            f"{API}/deals/{fresh['id']}/participants", json=participant, headers=admin
        ),
        201,
    )
    suite.deliver_events()
    reply = ok(suite.client.get(f"{API}/deals/{fresh['id']}/win-probability", headers=admin))
    assert reply["model_version"] == model["version"]
    assert reply["probability"] < 0.5, reply  # the competitor is there
    effects = {factor["name"]: factor["effect"] for factor in reply["factors"]}
    assert effects.get("competitor_present", 0) < 0, reply["factors"]
    carried = ok(suite.client.get(f"{API}/deals/{fresh['id']}", headers=admin))
    assert carried["win_probability"] == pytest.approx(reply["probability"], abs=0.05)
    assert carried["probability"] == 10  # the stage's, kept: the model's estimate is beside it
    won = ok(suite.client.post(f"{API}/deals/{fresh['id']}/win", json={}, headers=admin))
    suite.deliver_events()
    after = ok(suite.client.get(f"{API}/deals/{won['id']}/win-probability", headers=admin))
    assert (after["probability"], after["answered_by"]) == (1.0, "outcome")


def test_a_training_schedule_is_kept_and_a_wrong_cron_is_named(
    suite: Suite, history: dict[str, Any]
) -> None:
    admin = history["admin"]
    body = {"cron": "0 2 * * 0", "window_months": 18, "enabled": True}
    ok(suite.client.put(f"{API}/analytics/schedules/win-model", json=body, headers=admin))
    got = ok(suite.client.get(f"{API}/analytics/schedules/win-model", headers=admin))
    assert (got["cron"], got["window_months"], got["enabled"]) == ("0 2 * * 0", 18, True)
    bad = suite.client.put(
        f"{API}/analytics/schedules/win-model", json={**body, "cron": "often"}, headers=admin
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "cron"
