"""A machine's API key reaches the areas its scopes name and nothing else (`<area>:read` reads
the area, `<area>:write` also changes it; the list of users and groups is the area `users`); it
is never a person and never an admin; a revoked, mistyped or made-up key is 401."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.support import Suite


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


def new_key(suite: Suite, *scopes: str) -> dict[str, Any]:
    body = {"name": unique("key "), "scopes": list(scopes)}
    return ok(suite.client.post(f"{API}/api-keys", json=body, headers=suite.headers()), 201)  # type: ignore[no-any-return]


def order(counterparty_id: str) -> dict[str, Any]:
    return {
        "external_id": unique("DH-"),
        "number": unique("2025/"),
        "date": "2025-03-01",
        "counterparty_id": counterparty_id,
        "lines": [{"sku": "GAO-25", "quantity": "10", "price": "25000"}],
    }


def test_the_erps_key_posts_erp_documents_and_reaches_nothing_else(suite: Suite) -> None:
    buyer = counterparty(suite, suite.headers())
    erp = {"X-API-Key": new_key(suite, "erp:write")["key"]}
    post, get = suite.client.post, suite.client.get
    assert post(f"{API}/erp/orders", json=order(buyer["id"]), headers=erp).status_code == 201
    assert get(f"{API}/orders", query_string={"counterparty_id": buyer["id"]}, headers=erp).status_code == 200  # fmt: skip
    elsewhere = [
        ("get", "/counterparties", None), ("get", f"/counterparties/{buyer['id']}", None),
        ("post", "/counterparties", {"name": "ERP's"}), ("patch", f"/counterparties/{buyer['id']}", {"name": "x"}),
        ("get", "/deals", None), ("get", "/tasks", None), ("get", "/mailboxes", None),
        ("get", "/analytics/managers?from=2025-01-01&to=2025-12-31", None), ("get", "/users", None),
        ("get", f"/users/{suite.admin_id}", None), ("get", "/groups", None),
        ("post", "/users", {"username": unique("erp"), "password": "p" * 10, "full_name": "E", "roles": ["admin"]}),
        ("post", "/groups", {"name": unique("G")}), ("get", "/api-keys", None),
        ("post", "/api-keys", {"name": "more", "scopes": ["contacts:write"]}),
    ]  # fmt: skip
    for method, path, body in elsewhere:
        reply = getattr(suite.client, method)(API + path, json=body, headers=erp)
        assert reply.status_code == 403, (method, path, reply.get_json())
    assert get(f"{API}/me", headers=erp).status_code == 404


def test_a_reading_key_reads_its_area_and_changes_nothing(suite: Suite) -> None:
    buyer = counterparty(suite, suite.headers())
    reader = {"X-API-Key": new_key(suite, "contacts:read")["key"]}
    assert ok(suite.client.get(f"{API}/counterparties/{buyer['id']}", headers=reader))["id"] == buyer["id"]  # fmt: skip
    writes = [
        ("post", "/counterparties", {"name": "x"}), ("patch", f"/counterparties/{buyer['id']}", {"name": "x"}),
        ("delete", f"/counterparties/{buyer['id']}", None), ("post", "/erp/orders", order(buyer["id"])),
    ]  # fmt: skip
    for method, path, body in writes:
        reply = getattr(suite.client, method)(API + path, json=body, headers=reader)
        assert reply.status_code == 403, (method, path, reply.get_json())
    assert ok(suite.client.get(f"{API}/counterparties/{buyer['id']}", headers=reader)) == buyer


def test_no_scope_makes_a_key_an_admin(suite: Suite) -> None:
    mighty = {"X-API-Key": new_key(suite, "admin:write", "users:write", "identity:write")["key"]}
    user = {"username": unique("k"), "password": "p" * 10, "full_name": "K", "roles": ["admin"]}
    assert suite.client.post(f"{API}/users", json=user, headers=mighty).status_code == 403
    more = {"name": "more", "scopes": ["erp:write"]}
    assert suite.client.post(f"{API}/api-keys", json=more, headers=mighty).status_code == 403
    assert suite.client.delete(f"{API}/api-keys/whatever", headers=mighty).status_code == 403
    assert suite.client.get(f"{API}/users", headers=mighty).status_code == 200  # users:write reads


def test_a_revoked_key_is_401_at_once(suite: Suite) -> None:
    made = new_key(suite, "erp:write")
    erp = {"X-API-Key": made["key"]}
    assert suite.client.get(f"{API}/orders", headers=erp).status_code == 200
    assert suite.client.delete(f"{API}/api-keys/{made['id']}", headers=suite.headers()).status_code == 204  # fmt: skip
    assert suite.client.get(f"{API}/orders", headers=erp).status_code == 401
    buyer = counterparty(suite, suite.headers())
    assert suite.client.post(f"{API}/erp/orders", json=order(buyer["id"]), headers=erp).status_code == 401  # fmt: skip
    listed = ok(suite.client.get(f"{API}/api-keys", query_string={"page_size": 500}, headers=suite.headers()))  # fmt: skip
    [shown] = [k for k in listed["items"] if k["id"] == made["id"]]
    assert shown["revoked_at"] and "key" not in shown


def test_a_wrong_or_made_up_key_is_401(suite: Suite) -> None:
    made = new_key(suite, "erp:write")
    key_id, secret = made["key"].removeprefix("crm_").split("_", 1)
    wrong = [
        made["key"][:-1] + ("A" if made["key"][-1] != "A" else "B"),
        f"crm_{key_id}_", f"crm_{key_id}", f"crm__{secret}", f"{key_id}_{secret}x",
        "crm_" + unique() + "_" + secret, "x" * 500, "crm_%00_%00", "' OR 1=1 --",
    ]  # fmt: skip
    for key in wrong:
        reply = suite.client.get(f"{API}/orders", headers={"X-API-Key": key})
        assert reply.status_code == 401, key
        assert reply.content_type == "application/problem+json"
