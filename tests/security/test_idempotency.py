"""An Idempotency-Key is its caller's own: someone else sending the same key and body gets a
response of their own, never the first caller's; and no key or path, however long, is a 5xx
(on PostgreSQL, whose columns have a length)."""

from __future__ import annotations

from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.support import Suite


def test_someone_elses_idempotency_key_replays_nothing_of_theirs(suite: Suite) -> None:
    first, second = suite.user(unique("kha"), ["manager"]), suite.user(unique("loc"), ["manager"])
    body = {"name": unique("Công ty "), "force": True}
    key = {"Idempotency-Key": "order-" + unique()}
    theirs = ok(suite.client.post(f"{API}/counterparties", json=body, headers=first | key), 201)
    mine = suite.client.post(f"{API}/counterparties", json=body, headers=second | key)
    assert mine.status_code == 201 and "Idempotent-Replayed" not in mine.headers
    assert mine.get_json()["id"] != theirs["id"]
    again = suite.client.post(f"{API}/counterparties", json=body, headers=first | key)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == theirs


def test_a_long_path_with_the_longest_key_is_no_server_error(suite: Suite) -> None:
    admin = suite.headers()
    key = {"Idempotency-Key": "k" * 200}
    unknown = suite.client.post(
        f"{API}/counterparties/{'x' * 400}/contacts", json={"full_name": "P"}, headers=admin | key
    )
    assert unknown.status_code == 404, unknown.get_json()
    known = counterparty(suite, admin)
    made = suite.client.post(
        f"{API}/counterparties/{known['id']}/contacts", json={"full_name": "P"}, headers=admin | key
    )
    assert made.status_code == 201
