"""Access tokens that are not exactly what the gateway issued, or that belong to someone who may
no longer sign in, get 401 and nothing else."""

from __future__ import annotations

import base64
import json
import time
import warnings
from typing import Any

import jwt
import pytest
from sqlalchemy import update

from gateway import store
from tests.deals.integration.helpers import API, ok, unique, user_id
from tests.support import Suite

PROTECTED = f"{API}/counterparties"


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


def secret(suite: Suite) -> str:
    return suite.client.application.extensions["crm"].jwt_secret  # type: ignore[no-any-return]


def claims(suite: Suite, **changed: Any) -> dict[str, Any]:
    now = int(time.time())
    found = {
        "sub": suite.admin_id,
        "roles": ["admin"],
        "groups": [],
        "typ": "access",
        "iat": now,
        "exp": now + 600,
    }
    return {**found, **changed}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def answer(suite: Suite, token: str) -> Any:
    reply = suite.client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert reply.content_type == "application/problem+json" or reply.status_code == 200
    return reply


def test_the_tokens_the_gateway_makes_work(suite: Suite) -> None:
    made = jwt.encode(claims(suite), secret(suite), algorithm="HS256")
    assert answer(suite, made).status_code == 200


@pytest.mark.parametrize(
    "changed",
    [
        {"exp": int(time.time()) - 5},
        {"typ": "refresh"},
        {"typ": None},
        {"exp": None},
        {"sub": None},
    ],
    ids=["expired", "a refresh token", "no type", "no expiry", "no subject"],
)
def test_a_token_that_is_expired_or_not_an_access_token_is_401(
    suite: Suite, changed: dict[str, Any]
) -> None:
    wanted = {k: v for k, v in claims(suite, **changed).items() if v is not None}
    forged = jwt.encode(wanted, secret(suite), algorithm="HS256")
    assert answer(suite, forged).status_code == 401


def test_a_token_signed_with_another_key_is_401(suite: Suite) -> None:
    forged = jwt.encode(claims(suite), "not-the-gateways-secret-" + "y" * 40, algorithm="HS256")
    assert answer(suite, forged).status_code == 401


def test_an_unsigned_token_is_401(suite: Suite) -> None:
    header = b64({"alg": "none", "typ": "JWT"})
    for signature in ("", "AAAA"):
        assert answer(suite, f"{header}.{b64(claims(suite))}.{signature}").status_code == 401
    for alg in ("None", "NONE", "HS512"):
        token = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims(suite))}."
        assert answer(suite, token).status_code == 401


def test_a_token_signed_with_a_stronger_algorithm_of_the_same_key_is_401(suite: Suite) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT finds the key short for HS512, as it is
        forged = jwt.encode(claims(suite), secret(suite), algorithm="HS512")
    assert answer(suite, forged).status_code == 401


def test_a_token_whose_payload_was_changed_is_401(suite: Suite) -> None:
    name = unique("tam")
    viewer = suite.user(name, ["viewer"])
    token = viewer["Authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    raised = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raised["roles"] = ["admin"]
    tampered = f"{header}.{b64(raised)}.{signature}"
    assert answer(suite, tampered).status_code == 401
    made = suite.client.post(PROTECTED, json={"name": "x"}, headers={"Authorization": f"Bearer {tampered}"})  # fmt: skip
    assert made.status_code == 401


def test_a_refresh_token_is_not_an_access_token_nor_the_other_way_round(suite: Suite) -> None:
    tokens = ok(suite.client.post(f"{API}/auth/login", json={"username": "admin", "password": "correct horse battery"}))  # fmt: skip
    assert answer(suite, tokens["refresh_token"]).status_code == 401
    traded = suite.client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["access_token"]})  # fmt: skip
    assert traded.status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a.b.c", "Bearer ....", "Basic YWRtaW46cGFzcw==", "Token x"],
)
def test_a_malformed_authorization_header_is_401(suite: Suite, header: str) -> None:
    reply = suite.client.get(PROTECTED, headers={"Authorization": header})
    assert reply.status_code == 401


def test_someone_who_may_no_longer_sign_in_is_refused_at_once(suite: Suite) -> None:
    name = unique("nghi")
    headers = suite.user(name, ["manager"])
    tokens = ok(suite.client.post(f"{API}/auth/login", json={"username": name, "password": "password-" + name}))  # fmt: skip
    assert suite.client.get(PROTECTED, headers=headers).status_code == 200
    with suite.client.application.extensions["crm"].engine.begin() as conn:
        conn.execute(update(store.users).where(store.users.c.username == name).values(active=False))
    assert suite.client.get(PROTECTED, headers=headers).status_code == 401
    assert suite.client.post(PROTECTED, json={"name": unique()}, headers=headers).status_code == 401
    again = suite.client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})  # fmt: skip
    assert again.status_code == 401
    login = suite.client.post(f"{API}/auth/login", json={"username": name, "password": "password-" + name})  # fmt: skip
    assert login.status_code == 401


def test_a_token_for_a_user_who_does_not_exist_is_401(suite: Suite) -> None:
    ghost = jwt.encode(claims(suite, sub="no-such-user"), secret(suite), algorithm="HS256")
    assert answer(suite, ghost).status_code == 401


def test_a_token_names_the_user_it_was_given_to(suite: Suite) -> None:
    name = unique("quy")
    headers = suite.user(name, ["marketer"])
    me = ok(suite.client.get(f"{API}/me", headers=headers))
    assert (me["username"], me["roles"], me["id"]) == (name, ["marketer"], user_id(suite, headers))
