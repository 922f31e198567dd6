"""Property-based run over /openapi.json: generated requests to every Contacts and identity
operation, valid and invalid, must never get a 5xx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.support import Suite, running_suite, settings_for


@pytest.fixture(scope="module")
def fuzz_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with running_suite(
        settings_for(tmp_path_factory.mktemp("fuzz"), CRM_LOGIN_ATTEMPTS_PER_MINUTE="100000")
    ) as suite:
        yield suite


@pytest.fixture(scope="module")
def api_schema(fuzz_suite: Suite) -> Any:
    app = fuzz_suite.client.application
    return schemathesis.openapi.from_wsgi("/openapi.json", app).include(path_regex="^/api/v1/")


@pytest.fixture(scope="module")
def auth_headers(fuzz_suite: Suite) -> dict[str, str]:
    return fuzz_suite.headers()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case: Any, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers, checks=[not_a_server_error])
