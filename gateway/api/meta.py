"""Health, the OpenAPI description and a page that shows it."""

from __future__ import annotations

import html
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import text

from crmkit.events import Lag
from gateway.api import spec
from gateway.context import gateway

bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    services = gateway().clients.health()
    try:
        with gateway().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        services["gateway"] = "ok"
    except Exception:
        services["gateway"] = "database unavailable"
    healthy = all(state == "ok" for state in services.values())
    return {
        "status": "ok" if healthy else "degraded",
        "services": services,
        "consumers": _consumers_behind() if healthy else {},
    }, 200 if healthy else 503


def _consumers_behind() -> dict[str, dict[str, dict[str, float]] | str]:
    """How far each service's consumer is behind each producer it reads: news, not a fault (a
    consumer behind is healthy, and catches up)."""
    found = gateway().clients.consumers_behind()
    return {consumer: _told(lags) for consumer, lags in found.items()}


def _told(lags: dict[str, Lag] | str) -> dict[str, dict[str, float]] | str:
    if isinstance(lags, str):
        return lags  # unavailable
    return {
        producer: {"lag_events": lag.events, "lag_seconds": round(lag.seconds, 3)}
        for producer, lag in lags.items()
    }


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return spec.document()


@bp.get("/docs")
def docs() -> Response:
    rows = "".join(
        f"<tr><td><code>{op.method.upper()}</code></td><td><code>{html.escape(op.path)}</code></td>"
        f"<td>{html.escape(op.summary)}</td></tr>"
        for op in spec.operations
    )
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hoa CRM API</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}td{{padding:.25rem .75rem;
border-bottom:1px solid #ddd;vertical-align:top}}code{{font-size:.95em}}</style></head><body>
<h1>Hoa CRM API v1</h1><p>The machine-readable description is at <a href="/openapi.json">/openapi.json</a>.
Authenticate with <code>POST /api/v1/auth/login</code> and send <code>Authorization: Bearer &lt;token&gt;</code>,
or send <code>X-API-Key</code>.</p><table>{rows}</table></body></html>"""
    return Response(page, mimetype="text/html")
