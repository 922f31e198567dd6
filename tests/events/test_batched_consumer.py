"""The consumer applies deliveries in batches on the real RabbitMQ and PostgreSQL: one
transaction and one ack per batch, each event applied once however often it comes, a poison
message dead-lettered alone while the rest of its batch goes through."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest
from sqlalchemy import Column, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from crm.events.v1.envelope_pb2 import Envelope
from crmkit.consumer import EventConsumer
from crmkit.db import make_engine, make_session_factory
from crmkit.events import PoisonMessage
from crmkit.inbox import InboxHandler, define_inbox
from crmkit.rabbit import (
    EXCHANGE,
    QueueSpec,
    connection_parameters,
    declare_exchange,
    declare_queue,
)
from tests.support import postgres_databases

pytestmark = pytest.mark.integration
TYPE = "batch.thing.happened"


@pytest.fixture
def channel(amqp_url: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    channel = connection.channel()
    declare_exchange(channel)
    yield channel
    connection.close()


@pytest.fixture
def database() -> Iterator[tuple[Any, Table, Table]]:
    metadata = MetaData()
    inbox = define_inbox(metadata)
    applied = Table("applied", metadata, Column("event_id", String(36)))
    with postgres_databases("batch") as urls:
        engine = make_engine(urls["batch"])
        metadata.create_all(engine)
        yield engine, inbox, applied
        engine.dispose()


def test_a_full_queue_is_applied_in_batches_once_each_and_a_poison_one_is_set_aside(
    amqp_url: str, channel: Any, database: tuple[Any, Table, Table]
) -> None:
    engine, inbox, applied = database
    spec = QueueSpec("batch" + uuid.uuid4().hex[:6], bindings=(TYPE, "batch.poison"))
    declare_queue(channel, spec)
    envelopes = [
        Envelope(event_id=str(uuid.uuid4()), type=TYPE, producer="batch", sequence=n)
        for n in range(1, 1201)
    ]
    bodies = [e.SerializeToString() for e in envelopes]
    bodies.insert(600, envelopes[10].SerializeToString())  # the same event again, mid-stream
    poison = Envelope(event_id=str(uuid.uuid4()), type="batch.poison", producer="batch")
    bodies.insert(700, poison.SerializeToString())
    for body in bodies:
        routing = "batch.poison" if body == bodies[700] else TYPE
        channel.basic_publish(EXCHANGE, routing, body, pika.BasicProperties(delivery_mode=2))

    def record(session: Session, envelope: Envelope) -> None:
        if envelope.type == "batch.poison":
            raise PoisonMessage("no route for it")
        session.execute(applied.insert().values(event_id=envelope.event_id))

    handler = InboxHandler(make_session_factory(engine), inbox, record)
    batches: list[int] = []

    def counting(batch: list[Envelope]) -> list[bool]:
        batches.append(len(batch))
        return handler.apply_batch(batch)

    consumer = EventConsumer(connection_parameters(amqp_url), spec, handler, handle_batch=counting)
    consumer.run_once(inactivity_timeout=1.0)
    time.sleep(0.3)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(applied))
        distinct = conn.scalar(select(func.count(func.distinct(applied.c.event_id))))
        watermark = conn.scalar(select(inbox.metadata.tables["watermarks"].c.applied_up_to))
    assert total == distinct == 1200  # each once, the repeated one too
    assert watermark == 1200
    assert max(batches) > 100  # batches, not one by one
    assert channel.queue_declare(spec.dead_letter_name, passive=True).method.message_count == 1
    assert channel.queue_declare(spec.name, passive=True).method.message_count == 0
