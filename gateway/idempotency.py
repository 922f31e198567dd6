"""`Idempotency-Key` on creating POSTs: the same key and body get the first response again;
the same key with another body is a conflict."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from crmkit.identity import current_identity
from gateway import store
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.openapi import Operation

ABANDONED_AFTER = timedelta(seconds=60)
records = store.idempotency_records


def wrap(operation: Operation, call: Callable[[], Response]) -> Response:
    key = request.headers.get("Idempotency-Key")
    if not operation.idempotent or key is None:
        return call()
    if not 1 <= len(key) <= 200:
        raise ApiError(400, "Idempotency-Key must be 1 to 200 characters")
    # each caller's own; hashed, as path and key are the caller's to make as long as they like
    scope = hashlib.sha256(
        f"{current_identity().user_id}|{operation.method}|{request.path}|{key}".encode()
    ).hexdigest()
    body_hash = hashlib.sha256(request.get_data()).hexdigest()
    replay = _claim(scope, body_hash)
    if replay is not None:
        return replay
    try:
        response = call()
    except BaseException:
        _forget(scope)
        raise
    if 200 <= response.status_code < 300:
        _remember(scope, response)
    else:
        _forget(scope)
    return response


def _claim(scope: str, body_hash: str) -> Response | None:
    """Reserves the key, or returns the stored response of its first use."""
    engine = gateway().engine
    with engine.begin() as conn:
        row = conn.execute(select(records).where(records.c.scope == scope)).first()
        stale = (
            row is not None
            and row.status is None
            and row.created_at < datetime.now(UTC) - ABANDONED_AFTER
        )
        if stale:
            conn.execute(delete(records).where(records.c.scope == scope))
    if row is not None and not stale:
        return _replay(row, body_hash)
    try:
        with engine.begin() as conn:
            conn.execute(
                records.insert().values(
                    scope=scope, body_hash=body_hash, created_at=datetime.now(UTC)
                )
            )
    except IntegrityError:
        raise ApiError(
            409, "a request with this Idempotency-Key is still being processed"
        ) from None
    return None


def _replay(row: Any, body_hash: str) -> Response:
    if row.body_hash != body_hash:
        raise ApiError(409, "this Idempotency-Key was already used with a different body")
    status = row.status
    if status is None:
        raise ApiError(409, "a request with this Idempotency-Key is still being processed")
    response = Response(row.response, status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    location = row.location
    if location:
        response.headers["Location"] = location
    return response


def _remember(scope: str, response: Response) -> None:
    with gateway().engine.begin() as conn:
        conn.execute(
            update(records)
            .where(records.c.scope == scope)
            .values(
                status=response.status_code,
                response=response.get_data(),
                location=response.headers.get("Location"),
            )
        )


def _forget(scope: str) -> None:
    with gateway().engine.begin() as conn:
        conn.execute(delete(records).where(records.c.scope == scope, records.c.status.is_(None)))
