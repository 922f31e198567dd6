"""Small response helpers shared by the blueprints."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from pydantic import BaseModel

from gateway.openapi import render


def created(model: BaseModel, location: str) -> Response:
    response = render(model, 201)
    response.headers["Location"] = location
    return response


def download(content: bytes, content_type: str, filename: str, etag: str) -> Response:
    """A file as an attachment, its name in ASCII and (RFC 5987) in full, e.g. Vietnamese."""
    response = Response(content, mimetype=content_type or "application/octet-stream")
    ascii_name = filename.encode("ascii", "ignore").decode()
    # a name from an upload or a received mail may carry line breaks: no header may
    fallback = "".join(c for c in ascii_name if c.isprintable() and c != '"') or "file"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["ETag"] = etag
    return response
