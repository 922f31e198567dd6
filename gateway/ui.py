"""The browser UI: web/dist, built by `make web`, served at / with headers that keep it in its box."""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_from_directory

from gateway.context import gateway

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
    built = gateway().settings.web_dist
    if not (built / "index.html").exists():
        return Response(
            "The web UI is not built yet: run `make web` (or `make run`).",
            status=503,
            mimetype="text/plain",
        )
    return _protected(send_from_directory(built, "index.html", max_age=0))


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    assets = gateway().settings.web_dist / "assets"
    if not assets.is_dir():
        abort(404)
    # Built assets carry a content hash in their names, so browsers may keep them for good.
    return _protected(send_from_directory(assets, name, max_age=31536000))


def _protected(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
