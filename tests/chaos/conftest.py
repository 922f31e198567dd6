"""Fixtures of the fault tests: migrated template databases once per run, and for each test its
own copies of them, its own RabbitMQ vhost and its own processes."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.stack import VENV_BIN
from crmkit.settings import Settings
from gateway.main import ensure_first_admin
from suite.cli import declare_queues
from tests.chaos.stack import DATABASES, Stack, base_env, cloned_databases, database_name
from tests.support import postgres_databases, rabbitmq_vhost


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The fault tests run when asked for (`make test-chaos`, or any -m naming chaos): they take
    about a minute and a half and stop RabbitMQ for seconds, which every test run on the
    machine notices."""
    if "chaos" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="fault tests run with make test-chaos (pytest -m chaos)")
    for item in items:
        if item.get_closest_marker("chaos"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Every service's database migrated, with the first admin: copied by each test."""
    data_dir: Path = tmp_path_factory.mktemp("chaos-templates")
    with postgres_databases(*DATABASES) as urls:
        env = base_env(urls, "amqp://unused", data_dir)
        python = str(VENV_BIN / "python")
        migrate = [python, "-m", "suite.cli", "migrate-all"]
        subprocess.run(migrate, env=env, check=True, capture_output=True)
        ensure_first_admin(Settings.from_env(env))
        yield {name: database_name(url) for name, url in urls.items()}


@pytest.fixture
def stack(templates: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    with cloned_databases(templates) as urls, rabbitmq_vhost() as amqp_url:
        running = Stack(urls, amqp_url, tmp_path)
        declare_queues(Settings.from_env(running.env))
        try:
            yield running
        finally:
            running.stop()
