"""The long-running processes every service has besides its gRPC server: the outbox relay
and the event consumer."""

from __future__ import annotations

from sqlalchemy import Engine, Table
from sqlalchemy.orm import Session, sessionmaker

from crmkit.consumer import EventConsumer
from crmkit.inbox import Apply, ApplyMany, InboxHandler
from crmkit.outbox import SqlOutboxStore
from crmkit.rabbit import QueueSpec, connection_parameters
from crmkit.relay import OutboxRelay
from crmkit.settings import Settings


def run_relay(settings: Settings, engine: Engine, outbox: Table) -> None:
    store = SqlOutboxStore(engine, outbox, settings.relay_claim_seconds)
    OutboxRelay(store, connection_parameters(settings.amqp_url)).run_forever()


def run_consumer(
    settings: Settings,
    sessions: sessionmaker[Session],
    inbox: Table,
    apply: Apply,
    queue: QueueSpec,
    apply_many: ApplyMany | None = None,
) -> None:
    """`apply_many`, where a service has one, applies a batch set-wise; else event by event."""
    handler = InboxHandler(sessions, inbox, apply, apply_many)
    EventConsumer(
        connection_parameters(settings.amqp_url),
        queue,
        handler,
        prefetch=max(32, settings.consumer_batch),
        handle_batch=handler.apply_batch,
        batch_size=settings.consumer_batch,
    ).run_forever()
