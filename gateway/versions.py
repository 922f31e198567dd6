"""Optimistic concurrency over HTTP: every record answers with its `version` as an `ETag`, and a
change may name the version it was made on in `If-Match`; the service that owns the record refuses
it with a 412 when the record has moved on (crmkit.domain.Lifecycle)."""

from __future__ import annotations

import re

from flask import request

from gateway.errors import ApiError

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version() -> int | None:
    """The version named by If-Match; None when it is left out or `*` (any version)."""
    sent = request.headers.get("If-Match", "").strip()
    if sent in ("", "*"):
        return None
    matched = _ETAG.match(sent)
    if matched is None:
        raise ApiError(400, 'If-Match must be the ETag of the record, such as "3"')
    return int(matched.group(1))
