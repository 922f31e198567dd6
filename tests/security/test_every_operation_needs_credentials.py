"""Every operation of the API but signing in, refreshing a session and following an unsubscribe
link answers 401 to a caller without credentials, with a made-up token or with a made-up key,
before it looks at anything else the request carries."""

from __future__ import annotations

import re
import uuid

import pytest

import gateway.app  # noqa: F401 - registers every operation on the spec
from gateway.api import spec
from gateway.openapi import Operation
from tests.support import Suite

OPEN = {"/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/unsubscribe/{token}"}
GUARDED = [op for op in spec.operations if op.auth]
FORGED = [
    {},
    {"Authorization": "Bearer " + "e30.e30.x"},
    {"Authorization": "Bearer not-a-token"},
    {"X-API-Key": f"crm_{uuid.uuid4().hex}_{uuid.uuid4().hex}"},
]


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


def test_only_signing_in_refreshing_and_unsubscribing_are_open() -> None:
    assert {op.path for op in spec.operations if not op.auth} == OPEN


@pytest.mark.parametrize("operation", GUARDED, ids=[f"{op.method.upper()} {op.path}" for op in GUARDED])  # fmt: skip
def test_an_operation_refuses_a_caller_without_valid_credentials(
    suite: Suite, operation: Operation
) -> None:
    path = re.sub(r"{\w+}", "1", operation.path)
    for headers in FORGED:
        reply = suite.client.open(path, method=operation.method.upper(), json={}, headers=headers)
        assert reply.status_code == 401, (headers, reply.get_json())
        assert reply.content_type == "application/problem+json"
