"""gRPC client helper: every call carries a deadline, the caller's identity and trace id."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import grpc

from crmkit.grpc_server import MESSAGE_SIZE_OPTIONS
from crmkit.identity import TRACE_KEY, current_identity
from crmkit.tracing import current_trace_id

Stub = TypeVar("Stub")


def open_channel(address: str) -> grpc.Channel:
    options = [
        ("grpc.lb_policy_name", "round_robin"),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.enable_retries", 1),
        *MESSAGE_SIZE_OPTIONS,
    ]
    return grpc.insecure_channel(address, options=options)


class ServiceClient(Generic[Stub]):
    def __init__(self, stub: Stub, timeout: float) -> None:
        self.stub = stub
        self.timeout = timeout

    def call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        metadata = [*current_identity().to_metadata(), (TRACE_KEY, current_trace_id())]
        rpc = getattr(self.stub, method)
        return rpc(request, timeout=timeout or self.timeout, metadata=metadata)
