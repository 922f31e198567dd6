"""gRPC server helper: health and reflection services, one interceptor that adopts the
caller's identity and trace id and maps domain errors to status codes, graceful SIGTERM."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import asdict
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from crmkit.db import DATABASE_UNAVAILABLE
from crmkit.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    Stale,
    Unauthenticated,
)
from crmkit.identity import TRACE_KEY, Identity, set_identity
from crmkit.tracing import set_trace_id

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # files of up to 25 MB travel in one message
MESSAGE_SIZE_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]
# Clients resolve a service's copies again only when a connection ends: closing each one after a
# few minutes (calls in flight may finish) lets copies added by an autoscaler get their share.
CONNECTION_AGE_OPTIONS = [
    ("grpc.max_connection_age_ms", 300_000),
    ("grpc.max_connection_age_grace_ms", 30_000),
]
PROBLEM_KEY = "x-crm-problem-bin"  # binary: details may be Vietnamese

STATUS_OF: list[tuple[type[DomainError], grpc.StatusCode]] = [
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),
    (Conflict, grpc.StatusCode.ALREADY_EXISTS),
    (Stale, grpc.StatusCode.ABORTED),
    (Forbidden, grpc.StatusCode.PERMISSION_DENIED),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
]


def status_of(error: DomainError) -> grpc.StatusCode:
    for kind, code in STATUS_OF:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.FAILED_PRECONDITION


def problem_of(error: DomainError) -> Problem:
    return Problem(
        detail=error.detail,
        errors=list(getattr(error, "errors", [])),
        existing_id=getattr(error, "existing_id", None),
    )


class DomainErrorInterceptor(grpc.ServerInterceptor):
    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        metadata = handler_call_details.invocation_metadata or ()
        behaviour = handler.unary_unary

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            set_identity(Identity.from_metadata(metadata))
            set_trace_id(dict(metadata).get(TRACE_KEY))
            try:
                return behaviour(request, context)
            except DomainError as error:
                problem = json.dumps(asdict(problem_of(error)), ensure_ascii=False).encode()
                context.set_trailing_metadata(((PROBLEM_KEY, problem),))
                context.abort(status_of(error), error.detail)
            except grpc.RpcError as error:
                _abort_for_downstream(error, context, handler_call_details.method)
            except DATABASE_UNAVAILABLE:
                log.warning("database unavailable", extra={"method": handler_call_details.method})
                context.abort(grpc.StatusCode.UNAVAILABLE, "the database is not answering")
            except Exception:
                log.exception("unexpected error", extra={"method": handler_call_details.method})
                context.abort(grpc.StatusCode.INTERNAL, "internal error")

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


DOWNSTREAM_OUTAGES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def _abort_for_downstream(error: grpc.RpcError, context: grpc.ServicerContext, method: str) -> None:
    """A service this one called is down: say so (503 at the gateway), not 'internal error'."""
    code = error.code()  # type: ignore[attr-defined]
    if code in DOWNSTREAM_OUTAGES:
        context.abort(grpc.StatusCode.UNAVAILABLE, "a service this one depends on is not answering")
    log.error("a downstream call failed", extra={"method": method, "code": str(code)})
    context.abort(grpc.StatusCode.INTERNAL, "internal error")


def build_server(
    register: Callable[[grpc.Server], Iterable[str]],
    address: str,
    max_workers: int = 32,
) -> tuple[grpc.Server, int, health.HealthServicer]:
    """Builds and starts a server; `register` adds servicers and returns their full names."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers),
        interceptors=[DomainErrorInterceptor()],
        options=[*MESSAGE_SIZE_OPTIONS, *CONNECTION_AGE_OPTIONS],
    )
    names = list(register(server))
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in [*names, ""]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection([*names, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(address)
    server.start()
    return server, port, health_servicer


def serve(name: str, register: Callable[[grpc.Server], Iterable[str]], address: str) -> None:
    """Serve until SIGTERM/SIGINT; in-flight calls get a grace period to finish."""
    server, port, health_servicer = build_server(register, address)
    log.info("serving", extra={"service": name, "port": port})
    stopped = threading.Event()

    def on_signal(*_: Any) -> None:
        health_servicer.enter_graceful_shutdown()
        server.stop(grace=10).wait()
        stopped.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    server.wait_for_termination()
    stopped.wait(timeout=15)
