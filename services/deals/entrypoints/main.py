"""The process kinds of the deals service."""

from __future__ import annotations

from crmkit.consumer import EventConsumer
from crmkit.db import migrate as migrate_database
from crmkit.grpc_server import serve as serve_grpc
from crmkit.inbox import InboxHandler
from crmkit.outbox import SqlOutboxStore
from crmkit.rabbit import connection_parameters
from crmkit.relay import OutboxRelay
from crmkit.settings import Settings
from services.deals import bootstrap
from services.deals.adapters import orm
from services.deals.entrypoints import consumer, grpc_server, tasks


def serve(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    serve_grpc("deals", grpc_server.registrar(app), f"0.0.0.0:{settings.grpc_port('deals')}")


def consume(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    handler = InboxHandler(app.sessions, orm.inbox, consumer.apply_event)
    EventConsumer(connection_parameters(settings.amqp_url), consumer.QUEUE, handler).run_forever()


def relay(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    store = SqlOutboxStore(app.engine, orm.outbox, settings.relay_claim_seconds)
    OutboxRelay(store, connection_parameters(settings.amqp_url)).run_forever()


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("deals"), bootstrap.MIGRATIONS)


def worker(settings: Settings) -> None:
    tasks.create_celery(settings).worker_main(
        ["worker", "--loglevel", settings.log_level, "--concurrency", "2"]
    )


def beat(settings: Settings) -> None:
    schedule = str(settings.data_dir / "deals-beat-schedule")
    tasks.create_celery(settings).start(
        ["beat", "--loglevel", settings.log_level, "--schedule", schedule]
    )
