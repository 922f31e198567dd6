"""The process kinds of the mail service."""

from __future__ import annotations

from celery import Celery

from crmkit.db import make_engine
from crmkit.db import migrate as migrate_database
from crmkit.grpc_server import serve as serve_grpc
from crmkit.jobs import run_beat, run_worker
from crmkit.processes import run_consumer, run_relay
from crmkit.settings import Settings
from services.mail import bootstrap
from services.mail.adapters import orm
from services.mail.entrypoints import consumer, grpc_server, tasks


def serve(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    serve_grpc("mail", grpc_server.registrar(app), f"0.0.0.0:{settings.grpc_port('mail')}")


def consume(settings: Settings) -> None:
    app = bootstrap.from_settings(settings, dispatch=False)
    run_consumer(settings, app.sessions, orm.inbox, consumer.apply_event, consumer.QUEUE)


def relay(settings: Settings) -> None:
    run_relay(settings, make_engine(settings.db_url("mail")), orm.outbox)


def _celery(settings: Settings) -> Celery:
    return tasks.create_celery(settings, lambda: bootstrap.from_settings(settings, dispatch=False))


def worker(settings: Settings) -> None:
    run_worker(_celery(settings), settings, concurrency=1)


def beat(settings: Settings) -> None:
    run_beat(_celery(settings), settings)


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("mail"), bootstrap.MIGRATIONS)
