from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.stack import VENV_BIN
from crmkit.settings import Settings
from gateway.main import ensure_first_admin
from tests.chaos.stack import DATABASES, Stack, base_env, database_name, running_stack
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


# -- the suite as real processes (tests/chaos/stack.py) ---------------------------------------
@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Every service's database migrated, with the first admin: copied by each test."""
    data_dir: Path = tmp_path_factory.mktemp("stack-templates")
    with postgres_databases(*DATABASES) as urls:
        env = base_env(urls, "amqp://unused", data_dir)
        python = str(VENV_BIN / "python")
        migrate = [python, "-m", "suite.cli", "migrate-all"]
        subprocess.run(migrate, env=env, check=True, capture_output=True)
        ensure_first_admin(Settings.from_env(env))
        yield {name: database_name(url) for name, url in urls.items()}


@pytest.fixture
def stack(templates: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    """The suite's processes for one test, started by the test itself."""
    with running_stack(templates, tmp_path) as running:
        yield running
