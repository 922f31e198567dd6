"""An admin looks after people, groups and machine keys: changing a user field by field, with
versions that stop two admins overwriting each other, resetting a password that must then be
changed, archiving groups, listing keys without their secrets."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support import Suite

API = "/api/v1"


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def new_user(suite: Suite, admin: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"username": unique("ha-"), "password": "Mật-khẩu-1", "full_name": "Trần Thị Hà", "roles": ["manager"]}  # fmt: skip
    reply = suite.client.post(f"{API}/users", json=body | extra, headers=admin)
    assert reply.status_code == 201, reply.get_json()
    made: dict[str, Any] = reply.get_json()
    return made


def new_group(suite: Suite, admin: dict[str, str]) -> dict[str, Any]:
    reply = suite.client.post(f"{API}/groups", json={"name": unique("Miền Bắc ")}, headers=admin)
    assert reply.status_code == 201, reply.get_json()
    made: dict[str, Any] = reply.get_json()
    return made


def bearer(suite: Suite, username: str, password: str) -> tuple[dict[str, str], dict[str, Any]]:
    reply = suite.client.post(f"{API}/auth/login", json={"username": username, "password": password})  # fmt: skip
    assert reply.status_code == 200, reply.get_json()
    tokens: dict[str, Any] = reply.get_json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}, tokens


def test_a_patch_changes_only_what_was_sent_and_bumps_the_version(
    suite: Suite, admin: dict[str, str]
) -> None:
    group, boss = new_group(suite, admin), new_user(suite, admin, roles=["director"])
    made = new_user(suite, admin, email="ha@hoa.vn")
    assert made["version"] == 1
    sent = {"roles": ["marketer"], "group_ids": [group["id"]], "supervisor_id": boss["id"]}
    reply = suite.client.patch(f"{API}/users/{made['id']}", json=sent, headers=admin)
    assert reply.status_code == 200, reply.get_json()
    changed = reply.get_json()
    assert {name: changed[name] for name in sent} == sent
    assert (changed["full_name"], changed["email"], changed["username"]) == (made["full_name"], "ha@hoa.vn", made["username"])  # fmt: skip
    assert changed["version"] == 2 and reply.headers["ETag"] == '"2"'
    cleared = suite.client.patch(f"{API}/users/{made['id']}", json={"email": None}, headers=admin)
    assert cleared.get_json()["email"] is None and cleared.get_json()["roles"] == ["marketer"]
    read = suite.client.get(f"{API}/users/{made['id']}", headers=admin)
    assert read.headers["ETag"] == '"3"'


def test_a_stale_if_match_is_412_and_changes_nothing(suite: Suite, admin: dict[str, str]) -> None:
    made = new_user(suite, admin)
    path = f"{API}/users/{made['id']}"
    first = suite.client.patch(path, json={"full_name": "Chị Hà"}, headers=admin | {"If-Match": '"1"'})  # fmt: skip
    assert first.status_code == 200
    late = suite.client.patch(path, json={"full_name": "Cô Hà"}, headers=admin | {"If-Match": '"1"'})  # fmt: skip
    assert late.status_code == 412 and late.headers["ETag"] == '"2"'
    assert late.content_type == "application/problem+json"
    assert suite.client.get(path, headers=admin).get_json()["full_name"] == "Chị Hà"


def test_if_match_takes_a_weak_tag_or_a_star_and_anything_else_matches_no_version(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = new_user(suite, admin)
    path = f"{API}/users/{made['id']}"
    for sent, status in (
        ('W/"1"', 200),
        ("*", 200),
        ("version three", 412),
        ('"99999999999"', 412),
    ):
        reply = suite.client.patch(path, json={"full_name": sent}, headers=admin | {"If-Match": sent})  # fmt: skip
        assert reply.status_code == status, (sent, reply.get_json())
    assert suite.client.get(path, headers=admin).get_json()["full_name"] == "*"


def test_a_user_is_not_her_own_supervisor_nor_in_a_group_that_does_not_exist(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = new_user(suite, admin)
    path = f"{API}/users/{made['id']}"
    for sent, field in (
        ({"supervisor_id": made["id"]}, "supervisor_id"),
        ({"supervisor_id": str(uuid.uuid4())}, "supervisor_id"),
        ({"group_ids": [str(uuid.uuid4())]}, "group_ids"),
        ({"full_name": None}, "full_name"),
        ({"version": 7}, "version"),
        ({"username": "someone-else"}, "username"),
        ({"password": "Mật-khẩu-mới"}, "password"),
    ):
        reply = suite.client.patch(path, json=sent, headers=admin)
        assert reply.status_code == 422, (sent, reply.get_json())
        assert [e["field"] for e in reply.get_json()["errors"]] == [field]
    assert suite.client.get(path, headers=admin).get_json() == made
    unknown = suite.client.patch(f"{API}/users/{uuid.uuid4()}", json={"full_name": "X"}, headers=admin)  # fmt: skip
    assert unknown.status_code == 404


def test_an_admin_does_not_take_the_admin_role_from_herself(
    suite: Suite, admin: dict[str, str]
) -> None:
    path = f"{API}/users/{suite.admin_id}"
    reply = suite.client.patch(path, json={"roles": ["director"]}, headers=admin)
    assert reply.status_code == 409
    assert suite.client.get(path, headers=admin).get_json()["roles"] == ["admin"]
    kept = suite.client.patch(path, json={"roles": ["admin", "director"]}, headers=admin)
    assert kept.status_code == 200
    suite.client.patch(path, json={"roles": ["admin"]}, headers=admin)


def test_a_reset_password_must_be_changed_before_she_does_anything_else(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = new_user(suite, admin)
    hers, tokens = bearer(suite, made["username"], "Mật-khẩu-1")
    reset = f"{API}/users/{made['id']}/password"
    short = suite.client.post(reset, json={"password": "ngắn"}, headers=admin)
    assert short.status_code == 422 and short.get_json()["errors"][0]["field"] == "password"
    sent = {"password": "Tạm-thời-123", "must_change": True}
    assert suite.client.post(reset, json=sent, headers=admin).status_code == 204
    again = {"refresh_token": tokens["refresh_token"]}
    assert suite.client.post(f"{API}/auth/refresh", json=again).status_code == 401

    hers, tokens = bearer(suite, made["username"], "Tạm-thời-123")
    assert tokens["must_change_password"] is True
    assert suite.client.get(f"{API}/me", headers=hers).get_json()["must_change_password"] is True
    for method, path in (("get", "/counterparties"), ("get", "/users"), ("post", "/groups")):
        refused = suite.client.open(API + path, method=method, json={"name": "G"}, headers=hers)
        assert refused.status_code == 403, (path, refused.get_json())
        assert refused.get_json()["code"] == "must_change_password"

    change = {"current": "Tạm-thời-123", "new": "Của-riêng-em"}
    assert suite.client.post(f"{API}/me/password", json=change, headers=hers).status_code == 204
    assert suite.client.get(f"{API}/counterparties", headers=hers).status_code == 200
    assert suite.client.get(f"{API}/me", headers=hers).get_json()["must_change_password"] is False
    assert bearer(suite, made["username"], "Của-riêng-em")[1]["must_change_password"] is False


def test_a_reset_without_must_change_lets_her_work_at_once(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = new_user(suite, admin)
    sent = {"password": "Mới-tinh-123", "must_change": False}
    assert suite.client.post(f"{API}/users/{made['id']}/password", json=sent, headers=admin).status_code == 204  # fmt: skip
    hers, tokens = bearer(suite, made["username"], "Mới-tinh-123")
    assert tokens["must_change_password"] is False
    assert suite.client.get(f"{API}/counterparties", headers=hers).status_code == 200
    unknown = suite.client.post(f"{API}/users/{uuid.uuid4()}/password", json=sent, headers=admin)
    assert unknown.status_code == 404


def test_an_archived_group_leaves_the_list_its_members_keep_it_and_it_restores(
    suite: Suite, admin: dict[str, str]
) -> None:
    group = new_group(suite, admin)
    member = new_user(suite, admin, group_ids=[group["id"]])

    def listed(**query: str) -> list[str]:
        reply = suite.client.get(f"{API}/groups", query_string={"page_size": 500, **query}, headers=admin)  # fmt: skip
        return [g["id"] for g in reply.get_json()["items"]]

    assert suite.client.delete(f"{API}/groups/{group['id']}", headers=admin).status_code == 204
    assert group["id"] not in listed()
    assert group["id"] in listed(archived="true")
    read = suite.client.get(f"{API}/groups/{group['id']}", headers=admin).get_json()
    assert read["archived"] is True and read["name"] == group["name"]
    assert suite.client.get(f"{API}/users/{member['id']}", headers=admin).get_json()["group_ids"] == [group["id"]]  # fmt: skip

    restored = suite.client.post(f"{API}/groups/{group['id']}/restore", headers=admin)
    assert restored.status_code == 200 and restored.get_json()["archived"] is False
    assert group["id"] in listed()
    assert suite.client.delete(f"{API}/groups/{uuid.uuid4()}", headers=admin).status_code == 404


def test_a_group_is_renamed_once_per_version_and_a_name_is_taken_once(
    suite: Suite, admin: dict[str, str]
) -> None:
    group, other = new_group(suite, admin), new_group(suite, admin)
    path = f"{API}/groups/{group['id']}"
    seen = suite.client.get(path, headers=admin).headers["ETag"]
    renamed = suite.client.patch(path, json={"name": "Miền Nam"}, headers=admin | {"If-Match": seen})  # fmt: skip
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Miền Nam"
    late = suite.client.patch(path, json={"name": "Miền Trung"}, headers=admin | {"If-Match": seen})  # fmt: skip
    assert late.status_code == 412
    taken = suite.client.patch(path, json={"name": other["name"]}, headers=admin)
    assert taken.status_code == 409
    assert suite.client.get(path, headers=admin).get_json()["name"] == "Miền Nam"


def test_the_list_of_api_keys_never_shows_a_secret(suite: Suite, admin: dict[str, str]) -> None:
    created = suite.client.post(
        f"{API}/api-keys", json={"name": "ERP 1C", "scopes": ["erp:write"]}, headers=admin
    ).get_json()
    suite.client.delete(f"{API}/api-keys/{created['id']}", headers=admin)
    reply = suite.client.get(f"{API}/api-keys", query_string={"page_size": 500}, headers=admin)
    mine = next(item for item in reply.get_json()["items"] if item["id"] == created["id"])
    assert set(mine) == {"id", "name", "scopes", "created_at", "created_by", "revoked", "revoked_at"}  # fmt: skip
    assert (mine["created_by"], mine["revoked"]) == (suite.admin_id, True)
    secret = created["key"].rsplit("_", 1)[1]
    assert secret not in reply.get_data(as_text=True)


def history_of(suite: Suite, headers: dict[str, str], entity: str, entity_id: str) -> Any:
    query = {"entity": entity, "entity_id": entity_id}
    return suite.client.get(f"{API}/audit", query_string=query, headers=headers)


def test_a_users_history_says_what_the_admin_changed_and_never_a_password(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = new_user(suite, admin)
    path = f"{API}/users/{made['id']}"
    assert suite.client.patch(path, json={"roles": ["director"]}, headers=admin).status_code == 200
    reset = {"password": "Mật-khẩu-mới-2", "must_change": True}
    assert suite.client.post(f"{path}/password", json=reset, headers=admin).status_code == 204
    assert suite.client.post(f"{path}/deactivate", headers=admin).status_code == 200
    entries = history_of(suite, admin, "user", made["id"]).get_json()["items"]
    assert [e["action"] for e in entries] == ["deactivated", "password_reset", "updated", "created"]
    assert entries[2]["changes"] == {"roles": [["manager"], ["director"]]}
    assert entries[1]["changes"] == {"must_change_password": [False, True]}
    assert entries[0]["actor_kind"] == "user" and entries[0]["actor_id"] == suite.admin_id
    assert "Mật-khẩu" not in str(entries)


def test_a_manager_reads_her_own_history_but_not_someone_elses_nor_a_groups(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = new_user(suite, admin)
    hers = suite.headers(made["username"], "Mật-khẩu-1")
    assert history_of(suite, hers, "user", made["id"]).status_code == 200
    other = new_user(suite, admin)
    assert history_of(suite, hers, "user", other["id"]).status_code == 404
    group = new_group(suite, admin)
    assert history_of(suite, hers, "group", group["id"]).status_code == 404
    renamed = suite.client.patch(
        f"{API}/groups/{group['id']}", json={"name": unique("Miền Nam ")}, headers=admin
    )
    assert renamed.status_code == 200
    actions = [
        e["action"] for e in history_of(suite, admin, "group", group["id"]).get_json()["items"]
    ]
    assert actions == ["renamed", "created"]
