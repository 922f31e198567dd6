"""The four process kinds of the contacts service."""

from __future__ import annotations

from crmkit.consumer import EventConsumer
from crmkit.db import migrate as migrate_database
from crmkit.grpc_server import serve as serve_grpc
from crmkit.inbox import InboxHandler
from crmkit.outbox import SqlOutboxStore
from crmkit.rabbit import connection_parameters
from crmkit.relay import OutboxRelay
from crmkit.settings import Settings
from services.contacts import bootstrap
from services.contacts.adapters import orm
from services.contacts.entrypoints import consumer, grpc_server


def serve(settings: Settings) -> None:
    contacts = bootstrap.from_settings(settings)
    address = f"0.0.0.0:{settings.grpc_port('contacts')}"
    serve_grpc("contacts", grpc_server.registrar(contacts.uow), address)


def consume(settings: Settings) -> None:
    contacts = bootstrap.from_settings(settings)
    handler = InboxHandler(contacts.sessions, orm.inbox, consumer.apply_event)
    EventConsumer(connection_parameters(settings.amqp_url), consumer.QUEUE, handler).run_forever()


def relay(settings: Settings) -> None:
    contacts = bootstrap.from_settings(settings)
    store = SqlOutboxStore(contacts.engine, orm.outbox, settings.relay_claim_seconds)
    OutboxRelay(store, connection_parameters(settings.amqp_url)).run_forever()


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("contacts"), bootstrap.MIGRATIONS)
