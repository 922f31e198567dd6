"""The four process kinds of the contacts service."""

from __future__ import annotations

from crmkit.db import make_engine
from crmkit.db import migrate as migrate_database
from crmkit.grpc_server import serve as serve_grpc
from crmkit.processes import run_consumer, run_relay
from crmkit.settings import Settings
from services.contacts import bootstrap
from services.contacts.adapters import orm
from services.contacts.entrypoints import consumer, grpc_server


def serve(settings: Settings) -> None:
    contacts = bootstrap.from_settings(settings)
    address = f"0.0.0.0:{settings.grpc_port('contacts')}"
    serve_grpc("contacts", grpc_server.registrar(contacts.uow, contacts.engine), address)


def consume(settings: Settings) -> None:
    contacts = bootstrap.from_settings(settings)
    run_consumer(settings, contacts.sessions, orm.inbox, consumer.apply_event, consumer.QUEUE)


def relay(settings: Settings) -> None:
    run_relay(settings, make_engine(settings.db_url("contacts")), orm.outbox)


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("contacts"), bootstrap.MIGRATIONS)
