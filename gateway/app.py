"""The gateway's composition root: `create_app()`."""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, Response, g, request
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from crmkit.db import make_engine
from crmkit.identity import ANONYMOUS, set_identity
from crmkit.settings import Settings, load_or_create_secret
from crmkit.tracing import current_trace_id, set_trace_id
from gateway import ui
from gateway.api import (
    analytics,
    audit,
    campaigns,
    company,
    contacts,
    counterparties,
    deals,
    erp,
    files,
    identity,
    lists,
    mail,
    meta,
    pipelines,
    tasks,
)
from gateway.clients import Clients
from gateway.context import Gateway
from gateway.errors import register_error_handlers

log = logging.getLogger("gateway.access")
# A caller's request id travels on in gRPC metadata, events and logs: a short, plain one only.
TRACE_ID = re.compile(r"[\w.:-]{1,128}", re.ASCII)


def create_app(
    settings: Settings, clients: Clients | None = None, engine: Engine | None = None
) -> Flask:
    app = Flask("gateway")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # files on deals and counterparties: 25 MB (documents 10 MB), checked with a clear message
    app.config["MAX_CONTENT_LENGTH"] = 26 * 1024 * 1024
    app.extensions["crm"] = Gateway(
        settings=settings,
        engine=engine or make_engine(settings.db_url("gateway")),
        clients=clients or Clients.connect(settings),
        jwt_secret=settings.jwt_secret or load_or_create_secret(settings.data_dir / "jwt.secret"),
    )
    if settings.trusted_proxies:
        # the client's address (login rate limit, logs) is the one the proxies saw, not theirs
        fix = ProxyFix(
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
        app.wsgi_app = fix  # type: ignore[method-assign]
    register_error_handlers(app)
    app.register_blueprint(meta.bp)
    app.register_blueprint(ui.bp)
    for blueprint in (
        identity.bp,
        counterparties.bp,
        contacts.bp,
        pipelines.bp,
        deals.bp,
        tasks.bp,
        campaigns.bp,
        files.bp,
        lists.bp,
        erp.bp,
        analytics.bp,
        mail.bp,
        audit.bp,
        company.bp,
    ):
        app.register_blueprint(blueprint, url_prefix="/api/v1")
    app.before_request(_start)
    app.after_request(_finish)
    return app


def _start() -> None:
    g.started = time.perf_counter()
    set_identity(ANONYMOUS)
    asked = request.headers.get("X-Request-ID", "")
    set_trace_id(asked if TRACE_ID.fullmatch(asked) else None)


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = current_trace_id()
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round(elapsed, 1),
        },
    )
    return response
