"""The brake on guessing passwords: after CRM_LOGIN_ATTEMPTS_PER_MINUTE failed logins in a
minute for one user name, or from one address, logins for that name and from that address are
refused with 429 and Retry-After for the rest of the minute, the right password too; other
people signing in from elsewhere notice nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from gateway import store
from tests.deals.integration.helpers import API, unique
from tests.support import Suite, running_suite, settings_for

LIMIT = 3


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    settings = settings_for(
        tmp_path_factory.mktemp("brake"), CRM_LOGIN_ATTEMPTS_PER_MINUTE=str(LIMIT)
    )
    with running_suite(settings) as running:
        yield running


@pytest.fixture
def address() -> str:
    """An address of the test's own, so that tests do not brake each other."""
    number = int(unique()[:6], 16)
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


def login(suite: Suite, username: str, password: str, address: str) -> Any:
    return suite.client.post(
        f"{API}/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def someone(suite: Suite) -> tuple[str, str]:
    name = unique("an-")
    suite.user(name, ["manager"])
    return name, "password-" + name


def test_guessing_is_stopped_with_429_and_then_the_right_password_is_refused_too(
    suite: Suite, address: str
) -> None:
    name, password = someone(suite)
    for _ in range(LIMIT):
        assert login(suite, name, "guess", address).status_code == 401
    braked = login(suite, name, "guess", address)
    assert braked.status_code == 429
    assert int(braked.headers["Retry-After"]) > 0
    assert braked.content_type == "application/problem+json"
    assert login(suite, name, password, address).status_code == 429
    assert login(suite, name, password, "192.0.2.77").status_code == 429


def test_other_people_signing_in_from_elsewhere_notice_nothing(suite: Suite, address: str) -> None:
    target, _ = someone(suite)
    other, password = someone(suite)
    for _ in range(LIMIT + 2):
        login(suite, target, "guess", address)
    assert login(suite, other, password, "198.51.100.9").status_code == 200


def test_one_address_trying_many_user_names_is_stopped(suite: Suite, address: str) -> None:
    for _ in range(LIMIT):
        assert login(suite, unique("nobody-"), "guess", address).status_code == 401
    name, password = someone(suite)
    assert login(suite, name, password, address).status_code == 429
    assert login(suite, name, password, "203.0.113.5").status_code == 200


def test_changing_the_case_of_the_user_name_does_not_get_around_the_brake(
    suite: Suite, address: str
) -> None:
    name, password = someone(suite)
    spellings = [name.upper(), name.capitalize(), name.swapcase().capitalize(), name]
    for number, spelling in enumerate(spellings[:LIMIT]):
        assert login(suite, spelling, "guess", f"{address[:-1]}{number}").status_code == 401
    assert login(suite, spellings[-1], password, "198.51.100.200").status_code == 429


def test_the_brake_lets_go_after_a_minute(suite: Suite, address: str) -> None:
    name, password = someone(suite)
    for _ in range(LIMIT):
        login(suite, name, "guess", address)
    assert login(suite, name, password, address).status_code == 429
    attempts = store.login_attempts
    with suite.client.application.extensions["crm"].engine.begin() as conn:
        a_minute_ago = datetime.now(UTC) - timedelta(seconds=61)
        conn.execute(
            update(attempts).where(attempts.c.remote_addr == address).values(at=a_minute_ago)
        )
    assert login(suite, name, password, address).status_code == 200


def test_unknown_and_known_user_names_fail_alike(suite: Suite, address: str) -> None:
    name, _ = someone(suite)
    known = login(suite, name, "guess", address)
    unknown = login(suite, unique("ghost-"), "guess", "192.0.2.1")
    assert known.status_code == unknown.status_code == 401
    assert known.get_json() == unknown.get_json()


def test_how_long_a_wrong_login_takes_does_not_tell_whether_the_name_exists(
    suite: Suite, address: str
) -> None:
    def slowest_part(names: list[str]) -> float:
        """The shortest of several tries: the work done, without what the machine adds."""
        took = []
        for number, name in enumerate(names):
            started = time.perf_counter()
            assert login(suite, name, "guess", f"{address[:-1]}{number}").status_code == 401
            took.append(time.perf_counter() - started)
        return min(took)

    known = slowest_part([someone(suite)[0] for _ in range(3)])
    unknown = slowest_part([unique("ghost-") for _ in range(3)])
    assert unknown > known / 2, (unknown, known)
