"""The process kinds of the analytics service."""

from __future__ import annotations

from crmkit.db import make_engine
from crmkit.db import migrate as migrate_database
from crmkit.grpc_server import serve as serve_grpc
from crmkit.jobs import run_beat, run_worker
from crmkit.processes import run_consumer, run_relay
from crmkit.settings import Settings
from services.analytics import bootstrap
from services.analytics.adapters import orm
from services.analytics.entrypoints import consumer, grpc_server


def serve(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    serve_grpc(
        "analytics", grpc_server.registrar(app), f"0.0.0.0:{settings.grpc_port('analytics')}"
    )


def consume(settings: Settings) -> None:
    app = bootstrap.bootstrap(settings.db_url("analytics"))
    run_consumer(
        settings,
        app.sessions,
        orm.inbox,
        consumer.apply_event,
        consumer.QUEUE,
        consumer.apply_events,
    )


def relay(settings: Settings) -> None:
    run_relay(settings, make_engine(settings.db_url("analytics")), orm.outbox)


def worker(settings: Settings) -> None:
    run_worker(bootstrap.jobs(settings), settings, concurrency=1)


def beat(settings: Settings) -> None:
    run_beat(bootstrap.jobs(settings), settings)


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("analytics"), bootstrap.MIGRATIONS)
