"""Records that carry a version: the answer's ETag names it, and a change sent with `If-Match`
of another version is refused with 412 and changes nothing (someone changed it meanwhile)."""

from __future__ import annotations

from flask import Response, request
from pydantic import BaseModel

from gateway.errors import ApiError
from gateway.openapi import render


def etag(version: int) -> str:
    return f'"{version}"'


def if_match() -> int | None:
    """The version the caller last saw (`If-Match: "3"`); None when she sent none, or `*`."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent or sent == "*":
        return None
    tag = sent.removeprefix("W/").strip('"')
    return int(tag) if tag.isdecimal() and len(tag) < 10 else -1  # -1 matches no version


def changed_meanwhile(version: int) -> ApiError:
    return ApiError(
        412,
        f"the record was changed meanwhile (it is now at version {version}); reload it and retry",
        headers={"ETag": etag(version)},
    )


def ensure_current(version: int, expected: int | None) -> None:
    if expected is not None and expected != version:
        raise changed_meanwhile(version)


def tagged(model: BaseModel, version: int, status: int = 200) -> Response:
    """The record as JSON with its version as the ETag."""
    response = render(model, status)
    response.headers["ETag"] = etag(version)
    return response
