"""Optimistic concurrency over HTTP: every record answers with its `version` as an `ETag`
(`gateway.openapi.render` sets it for any model with a version), and a change may name the version
it was made on in `If-Match`. A record the gateway keeps itself (users, groups) is checked here;
a service's record by the service that owns it (crmkit.domain.Lifecycle, crmkit.errors.Stale);
both refuse a stale one with a 412 and change nothing."""

from __future__ import annotations

from flask import request

from gateway.errors import ApiError


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version() -> int | None:
    """The version the caller last saw (`If-Match: "3"`, or `W/"3"`); None when she sent none, or
    `*`. A tag that is no version matches none (-1): the change is refused as stale."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent or sent == "*":
        return None
    tag = sent.removeprefix("W/").strip('"')
    return int(tag) if tag.isdecimal() and len(tag) < 10 else -1


def changed_meanwhile(version: int) -> ApiError:
    return ApiError(
        412,
        f"the record was changed meanwhile (it is now at version {version}); reload it and retry",
        headers={"ETag": etag(version)},
    )


def ensure_current(version: int, expected: int | None) -> None:
    if expected is not None and expected != version:
        raise changed_meanwhile(version)
