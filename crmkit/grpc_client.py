"""gRPC clients: the generated, typed stubs over a channel with one interceptor that gives
every call its deadline, the caller's identity and the trace id."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc

from crmkit.grpc_server import MESSAGE_SIZE_OPTIONS, PROBLEM_KEY
from crmkit.identity import TRACE_KEY, current_identity
from crmkit.tracing import current_trace_id


def open_channel(address: str) -> grpc.Channel:
    options = [
        ("grpc.lb_policy_name", "round_robin"),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.enable_retries", 1),
        *MESSAGE_SIZE_OPTIONS,
    ]
    return grpc.insecure_channel(address, options=options)


@dataclass(frozen=True)
class _CallDetails(grpc.ClientCallDetails):
    method: str
    timeout: float | None
    metadata: tuple[tuple[str, str | bytes], ...] | None
    credentials: grpc.CallCredentials | None
    wait_for_ready: bool | None
    compression: grpc.Compression | None


class CallerInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Adds the deadline (unless the call sets its own) and who is asking, to every call."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, Any], Any],
        client_call_details: grpc.ClientCallDetails,
        request: Any,
    ) -> Any:
        given = client_call_details
        details = _CallDetails(
            method=given.method,
            timeout=given.timeout if given.timeout is not None else self.timeout,
            metadata=(
                *(given.metadata or ()),
                *current_identity().to_metadata(),
                (TRACE_KEY, current_trace_id()),
            ),
            credentials=given.credentials,
            wait_for_ready=given.wait_for_ready,
            compression=given.compression,
        )
        return continuation(details, request)


def connect(address: str, timeout: float) -> grpc.Channel:
    """A channel whose every call carries a deadline and the caller: hand it to a stub."""
    return grpc.intercept_channel(open_channel(address), CallerInterceptor(timeout))


@dataclass(frozen=True)
class CallFailure:
    """What a failed call says: its status, its details and the problem the server attached
    (crmkit.grpc_server puts the field errors and a conflict's existing id there)."""

    code: grpc.StatusCode
    details: str
    problem: dict[str, Any]


def failure_of(error: grpc.RpcError) -> CallFailure:
    if not isinstance(error, grpc.Call):
        return CallFailure(grpc.StatusCode.UNKNOWN, str(error), {})
    trailing = {key: value for key, value in error.trailing_metadata() or ()}
    carried = trailing.get(PROBLEM_KEY)
    problem = json.loads(carried) if carried else {}
    return CallFailure(error.code(), error.details() or "", problem)
