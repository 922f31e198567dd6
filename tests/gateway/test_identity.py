"""People and machines getting in: tokens, refresh rotation, API keys, the login brake."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import jwt
import psycopg
import pytest

from tests.support import (
    ADMIN_PASSWORD,
    Suite,
    postgres_databases,
    running_suite,
    settings_for,
)

API = "/api/v1"


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


def login(suite: Suite, username: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
    reply = suite.client.post(
        f"{API}/auth/login", json={"username": username, "password": password}
    )
    assert reply.status_code == 200, reply.get_json()
    tokens: dict[str, str] = reply.get_json()
    return tokens


def test_login_gives_a_short_lived_access_token_and_a_refresh_token(suite: Suite) -> None:
    tokens = login(suite)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    me = suite.client.get(
        f"{API}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.get_json()["username"] == "admin"
    assert me.get_json()["roles"] == ["admin"]


def test_a_wrong_password_is_401_and_says_nothing_about_which_part_was_wrong(suite: Suite) -> None:
    wrong = suite.client.post(f"{API}/auth/login", json={"username": "admin", "password": "nope"})
    unknown = suite.client.post(
        f"{API}/auth/login", json={"username": "nobody-" + uuid.uuid4().hex, "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_a_refresh_token_works_once_and_its_reuse_closes_the_session(suite: Suite) -> None:
    first = login(suite)
    second = suite.client.post(
        f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    rotated = second.get_json()["refresh_token"]
    assert rotated != first["refresh_token"]
    replayed = suite.client.post(
        f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replayed.status_code == 401
    stolen_family = suite.client.post(f"{API}/auth/refresh", json={"refresh_token": rotated})
    assert stolen_family.status_code == 401


def test_an_expired_access_token_is_refused(suite: Suite) -> None:
    secret = suite.client.application.extensions["crm"].jwt_secret
    expired = jwt.encode(
        {"sub": suite.admin_id, "roles": ["admin"], "typ": "access", "exp": int(time.time()) - 5},
        secret,
        algorithm="HS256",
    )
    reply = suite.client.get(
        f"{API}/counterparties", headers={"Authorization": f"Bearer {expired}"}
    )
    assert reply.status_code == 401
    assert "expired" in reply.get_json()["detail"]


def test_only_an_admin_creates_users_and_a_user_name_is_taken_once(suite: Suite) -> None:
    manager = suite.user("manager-" + uuid.uuid4().hex[:6], ["manager"])
    body = {
        "username": "x" + uuid.uuid4().hex[:6],
        "password": "long enough",
        "full_name": "X",
        "roles": ["viewer"],
    }
    assert suite.client.post(f"{API}/users", json=body, headers=manager).status_code == 403
    admin = suite.headers()
    assert suite.client.post(f"{API}/users", json=body, headers=admin).status_code == 201
    assert suite.client.post(f"{API}/users", json=body, headers=admin).status_code == 409


def test_users_have_groups_and_a_supervisor(suite: Suite) -> None:
    admin = suite.headers()
    group = suite.client.post(
        f"{API}/groups", json={"name": "Sales " + uuid.uuid4().hex[:6]}, headers=admin
    ).get_json()
    boss = suite.client.post(
        f"{API}/users",
        json={
            "username": "boss" + uuid.uuid4().hex[:6],
            "password": "long enough",
            "full_name": "Boss",
            "roles": ["director"],
        },
        headers=admin,
    ).get_json()
    body = {
        "username": "rep" + uuid.uuid4().hex[:6],
        "password": "long enough",
        "full_name": "Rep",
        "roles": ["manager"],
        "group_ids": [group["id"]],
        "supervisor_id": boss["id"],
    }
    rep = suite.client.post(f"{API}/users", json=body, headers=admin).get_json()
    assert (rep["group_ids"], rep["supervisor_id"]) == ([group["id"]], boss["id"])
    bad = suite.client.post(
        f"{API}/users", json={**body, "username": "other", "supervisor_id": "nobody"}, headers=admin
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "supervisor_id"
    groups = suite.client.get(f"{API}/groups", headers=admin).get_json()
    assert group["id"] in [g["id"] for g in groups["items"]]


def test_an_api_key_is_shown_once_works_within_its_scopes_and_stops_when_revoked(
    suite: Suite,
) -> None:
    admin = suite.headers()
    created = suite.client.post(
        f"{API}/api-keys", json={"name": "ERP reader", "scopes": ["contacts:read"]}, headers=admin
    ).get_json()
    key = {"X-API-Key": created["key"]}
    assert suite.client.get(f"{API}/counterparties", headers=key).status_code == 200
    assert (
        suite.client.post(f"{API}/counterparties", json={"name": "Nope"}, headers=key).status_code
        == 403
    )
    listed = suite.client.get(f"{API}/api-keys", headers=admin).get_json()
    assert all("key" not in item for item in listed["items"])
    assert suite.client.delete(f"{API}/api-keys/{created['id']}", headers=admin).status_code == 204
    assert suite.client.get(f"{API}/counterparties", headers=key).status_code == 401
    forged = {"X-API-Key": created["key"][:-4] + "AAAA"}
    assert suite.client.get(f"{API}/counterparties", headers=forged).status_code == 401


def test_a_deactivated_user_is_shut_out_at_once_and_comes_back_when_activated(
    suite: Suite,
) -> None:
    admin, name = suite.headers(), f"it-{uuid.uuid4().hex[:8]}"
    body = {"username": name, "password": "Mật-khẩu-123", "full_name": "Trần Thị Hà", "roles": ["admin"]}  # fmt: skip
    made = suite.client.post(f"{API}/users", json=body, headers=admin).get_json()
    tokens = login(suite, name, "Mật-khẩu-123")
    hers = {"Authorization": f"Bearer {tokens['access_token']}"}
    key = suite.client.post(
        f"{API}/api-keys", json={"name": "Her ERP", "scopes": ["contacts:read"]}, headers=hers
    ).get_json()
    its = {"X-API-Key": key["key"]}
    assert suite.client.get(f"{API}/counterparties", headers=its).status_code == 200

    off = suite.client.post(f"{API}/users/{made['id']}/deactivate", headers=admin)
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert suite.client.get(f"{API}/me", headers=hers).status_code == 401  # her open tab
    again = {"refresh_token": tokens["refresh_token"]}
    assert suite.client.post(f"{API}/auth/refresh", json=again).status_code == 401
    signing_in = {"username": name, "password": "Mật-khẩu-123"}
    assert suite.client.post(f"{API}/auth/login", json=signing_in).status_code == 401
    assert suite.client.get(f"{API}/counterparties", headers=its).status_code == 401

    on = suite.client.post(f"{API}/users/{made['id']}/activate", headers=admin)
    assert on.status_code == 200 and on.get_json()["active"] is True
    login(suite, name, "Mật-khẩu-123")
    assert suite.client.get(f"{API}/counterparties", headers=its).status_code == 200


def test_only_an_admin_deactivates_someone_else_who_exists(suite: Suite) -> None:
    admin = suite.headers()
    me = suite.client.get(f"{API}/me", headers=admin).get_json()
    assert suite.client.post(f"{API}/users/{me['id']}/deactivate", headers=admin).status_code == 409
    unknown = f"{API}/users/{uuid.uuid4()}/deactivate"
    assert suite.client.post(unknown, headers=admin).status_code == 404
    manager = suite.user(f"lan-{uuid.uuid4().hex[:8]}", ["manager"])
    assert (
        suite.client.post(f"{API}/users/{me['id']}/deactivate", headers=manager).status_code == 403
    )
    assert suite.client.get(f"{API}/me", headers=admin).get_json()["active"] is True


def test_a_user_changes_her_own_password_and_her_other_sessions_close(suite: Suite) -> None:
    name = f"ha-{uuid.uuid4().hex[:8]}"
    body = {"username": name, "password": "Mật-khẩu-cũ", "full_name": "Trần Thị Hà", "roles": ["viewer"]}  # fmt: skip
    assert suite.client.post(f"{API}/users", json=body, headers=suite.headers()).status_code == 201
    other_tab, tokens = login(suite, name, "Mật-khẩu-cũ"), login(suite, name, "Mật-khẩu-cũ")
    hers = {"Authorization": f"Bearer {tokens['access_token']}"}
    change = f"{API}/me/password"

    def refused(sent: dict[str, str]) -> list[str]:
        reply = suite.client.post(change, json=sent, headers=hers)
        assert reply.status_code == 422
        return [error["field"] for error in reply.get_json()["errors"]]

    assert refused({"current": "đoán-bừa-thôi", "new": "Mật-khẩu-mới"}) == ["current"]
    assert refused({"current": "Mật-khẩu-cũ", "new": "Mật-khẩu-cũ"}) == ["new"]
    assert refused({"current": "Mật-khẩu-cũ", "new": "ngắn"}) == ["new"]
    login(suite, name, "Mật-khẩu-cũ")  # nothing changed yet

    sent = {"current": "Mật-khẩu-cũ", "new": "Mật-khẩu-mới"}
    assert suite.client.post(change, json=sent, headers=hers).status_code == 204
    again = {"refresh_token": other_tab["refresh_token"]}
    assert suite.client.post(f"{API}/auth/refresh", json=again).status_code == 401
    old = {"username": name, "password": "Mật-khẩu-cũ"}
    assert suite.client.post(f"{API}/auth/login", json=old).status_code == 401
    login(suite, name, "Mật-khẩu-mới")


def test_a_writing_api_key_may_create(suite: Suite) -> None:
    admin = suite.headers()
    created = suite.client.post(
        f"{API}/api-keys", json={"name": "ERP", "scopes": ["contacts:write"]}, headers=admin
    ).get_json()
    reply = suite.client.post(
        f"{API}/counterparties",
        json={"name": "From ERP " + uuid.uuid4().hex},
        headers={"X-API-Key": created["key"]},
    )
    assert reply.status_code == 201


def test_health_reports_every_service(suite: Suite) -> None:
    reply = suite.client.get("/healthz")
    assert reply.status_code == 200
    health = reply.get_json()
    assert (health["status"], health["services"]) == (
        "ok",
        {"analytics": "ok", "contacts": "ok", "deals": "ok", "gateway": "ok", "mail": "ok"},
    )
    assert set(health["consumers"]) == {"analytics", "contacts", "deals", "mail"}


def test_openapi_describes_every_contacts_path_and_the_docs_page_links_it(suite: Suite) -> None:
    document = suite.client.get("/openapi.json").get_json()
    for path in (
        "/api/v1/counterparties",
        "/api/v1/counterparties/{counterparty_id}/supplier-profile",
        "/api/v1/interactions",
        "/api/v1/relationships",
        "/api/v1/company-groups",
        "/api/v1/contacts/{contact_id}",
    ):
        assert path in document["paths"], path
    assert "/openapi.json" in suite.client.get("/docs").get_data(as_text=True)


@pytest.fixture
def strict_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    settings = settings_for(tmp_path_factory.mktemp("strict"), CRM_LOGIN_ATTEMPTS_PER_MINUTE="3")
    with running_suite(settings) as suite:
        yield suite


def test_guessing_passwords_is_slowed_down_with_429(strict_suite: Suite) -> None:
    for _ in range(3):
        reply = strict_suite.client.post(
            f"{API}/auth/login", json={"username": "admin", "password": "guess"}
        )
        assert reply.status_code == 401
    blocked = strict_suite.client.post(
        f"{API}/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "60"


def test_a_service_that_is_down_makes_health_and_its_endpoints_503(strict_suite: Suite) -> None:
    headers = strict_suite.headers()
    strict_suite.server.stop(grace=None).wait()
    reply = strict_suite.client.get("/healthz")
    assert reply.status_code == 503
    assert reply.get_json()["services"]["contacts"] != "ok"
    listed = strict_suite.client.get(f"{API}/counterparties", headers=headers)
    assert listed.status_code == 503
    assert listed.content_type == "application/problem+json"


@pytest.fixture
def proxied_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    settings = settings_for(
        tmp_path_factory.mktemp("proxied"),
        CRM_LOGIN_ATTEMPTS_PER_MINUTE="3",
        CRM_TRUSTED_PROXIES="1",
    )
    with running_suite(settings) as suite:
        yield suite


def test_behind_a_proxy_one_guesser_does_not_lock_everyone_else_out(proxied_suite: Suite) -> None:
    proxied_suite.user("lan", ["manager"])
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(3):
        reply = proxied_suite.client.post(
            f"{API}/auth/login", json={"username": "mallory", "password": "x"}, headers=guesser
        )
        assert reply.status_code == 401
    again = proxied_suite.client.post(
        f"{API}/auth/login", json={"username": "lan", "password": "x"}, headers=guesser
    )
    assert again.status_code == 429
    colleague = proxied_suite.client.post(
        f"{API}/auth/login",
        json={"username": "lan", "password": "password-lan"},
        headers={"X-Forwarded-For": "198.51.100.20"},
    )
    assert colleague.status_code == 200


@pytest.mark.integration
def test_while_the_gateways_database_is_away_requests_are_503_and_come_back_after(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with postgres_databases("gateway") as urls:
        settings = settings_for(tmp_path_factory.mktemp("away"), urls)
        with running_suite(settings) as suite:
            headers = suite.headers()
            database = urls["gateway"].rsplit("/", 1)[1]
            with psycopg.connect(
                "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
            ) as admin:
                admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (database,),
                )
                away = suite.client.get(f"{API}/me", headers=headers)
                admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            assert away.status_code == 503
            assert away.headers["Retry-After"] == "2"
            assert "database" in away.get_json()["detail"]
            for _ in range(3):  # a pooled connection that died with the cut may fail once more
                back = suite.client.get(f"{API}/me", headers=headers)
                if back.status_code == 200:
                    break
            assert back.status_code == 200
