from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import (
    Suite,
    postgres_databases,
    rabbitmq_vhost,
    running_suite,
    settings_for,
)


@pytest.fixture(scope="module")
def sqlite_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    data_dir: Path = tmp_path_factory.mktemp("var")
    with running_suite(settings_for(data_dir)) as suite:
        yield suite


@pytest.fixture(scope="module")
def postgres_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    data_dir: Path = tmp_path_factory.mktemp("var")
    with (
        postgres_databases("contacts", "deals", "analytics", "mail", "gateway") as urls,
        running_suite(settings_for(data_dir, urls)) as suite,
    ):
        yield suite


@pytest.fixture(scope="module")
def amqp_url() -> Iterator[str]:
    with rabbitmq_vhost() as url:
        yield url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)]
)
def suite(request: pytest.FixtureRequest) -> Suite:
    """The whole suite on the laptop default (SQLite) and on PostgreSQL, one module at a time."""
    found: Suite = request.getfixturevalue(f"{request.param}_suite")
    return found
