"""The process kinds of the deals service."""

from __future__ import annotations

from crmkit.db import make_engine
from crmkit.db import migrate as migrate_database
from crmkit.grpc_server import serve as serve_grpc
from crmkit.jobs import run_beat, run_worker
from crmkit.processes import run_consumer, run_relay
from crmkit.settings import Settings
from services.deals import bootstrap
from services.deals.adapters import orm
from services.deals.entrypoints import consumer, grpc_server, tasks


def serve(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    serve_grpc("deals", grpc_server.registrar(app), f"0.0.0.0:{settings.grpc_port('deals')}")


def consume(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    run_consumer(
        settings,
        app.sessions,
        orm.inbox,
        consumer.apply_event,
        consumer.QUEUE,
        consumer.apply_events,
    )


def relay(settings: Settings) -> None:
    run_relay(settings, make_engine(settings.db_url("deals")), orm.outbox)


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("deals"), bootstrap.MIGRATIONS)


def worker(settings: Settings) -> None:
    run_worker(tasks.create_celery(settings), settings, concurrency=2)


def beat(settings: Settings) -> None:
    run_beat(tasks.create_celery(settings), settings)
