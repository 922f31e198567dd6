"""The trace id that follows one request from HTTP through gRPC and events."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_trace_id: ContextVar[str] = ContextVar("trace_id", default="")


def current_trace_id() -> str:
    return _trace_id.get()


def set_trace_id(trace_id: str | None) -> str:
    """Adopt the caller's trace id, or start a new one; returns the id in force."""
    value = trace_id or uuid.uuid4().hex
    _trace_id.set(value)
    return value
