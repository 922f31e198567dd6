"""The fault tests run only when asked for; their fixtures (the suite as real processes on
copies of migrated databases) are tests/conftest.py's `templates` and `stack`."""

from __future__ import annotations

import pytest


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
