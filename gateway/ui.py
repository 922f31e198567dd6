"""The browser UI: web/dist, built by `make web`, served at / with headers that keep it in its box."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"

# The UI runs only its own scripts and talks only to this origin; nobody may frame it.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

bp = Blueprint("ui", __name__)


@bp.get("/")
def index() -> Response:
    if not (WEB_DIST / "index.html").exists():
        return Response(
            "The web UI is not built yet: run `make web` (or `make run`).",
            status=503,
            mimetype="text/plain",
        )
    return _protected(send_from_directory(WEB_DIST, "index.html", max_age=0))


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    if not (WEB_DIST / "assets").is_dir():
        abort(404)
    # Built assets carry a content hash in their names, so browsers may keep them for good.
    return _protected(send_from_directory(WEB_DIST / "assets", name, max_age=31536000))


def _protected(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
