"""Events on the real RabbitMQ (a vhost of this run) from the real outbox (a PostgreSQL database
of this run): published once, survive a relay crash, applied once, poison goes to the DLQ."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest
from sqlalchemy import Column, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from crm.events.v1 import analytics_pb2, contacts_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.consumer import EventConsumer
from crmkit.db import make_engine, make_session_factory
from crmkit.inbox import InboxHandler, define_inbox
from crmkit.outbox import Outbox, OutboxMessage, SqlOutboxStore
from crmkit.rabbit import (
    EXCHANGE,
    QueueSpec,
    connection_parameters,
    declare_exchange,
    declare_queue,
)
from crmkit.relay import OutboxRelay
from services.contacts.adapters import orm
from services.contacts.entrypoints import consumer as contacts_consumer
from tests.support import Suite, postgres_databases, relay_until_sent

pytestmark = pytest.mark.integration
API = "/api/v1"


@pytest.fixture(scope="module")
def suite(postgres_suite: Suite) -> Suite:
    return postgres_suite


@pytest.fixture
def channel(amqp_url: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    channel = connection.channel()
    declare_exchange(channel)
    yield channel
    connection.close()


def watch(channel: Any, binding: str) -> str:
    """A throw-away queue that records everything published under `binding`."""
    queue = f"watch.{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, EXCHANGE, routing_key=binding)
    return queue


def drain(channel: Any, queue: str) -> list[Envelope]:
    found = []
    while True:
        method, _properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return found
        found.append(Envelope.FromString(body))


def create_counterparty(suite: Suite) -> tuple[dict[str, Any], str]:
    reply = suite.client.post(
        f"{API}/counterparties",
        json={"name": "Công ty Sự kiện " + uuid.uuid4().hex[:6]},
        headers=suite.headers(),
    )
    assert reply.status_code == 201
    return reply.get_json(), reply.headers["X-Request-ID"]


def test_a_counterparty_created_through_the_gateway_publishes_exactly_one_created_event(
    suite: Suite, amqp_url: str, channel: Any
) -> None:
    queue = watch(channel, "contacts.#")
    created, trace_id = create_counterparty(suite)
    relay_until_sent(SqlOutboxStore(suite.contacts.engine, orm.outbox), amqp_url)
    events = [e for e in drain(channel, queue) if e.aggregate_id == created["id"]]
    assert [e.type for e in events] == ["contacts.counterparty.created"]
    event = events[0]
    assert (event.producer, event.trace_id) == ("contacts", trace_id)
    payload = contacts_pb2.CounterpartyCreated.FromString(event.payload)
    assert payload.counterparty.name == created["name"]
    uuid.UUID(event.event_id)


class CrashBeforeMarkingSent:
    """Stands for a relay process killed after publishing, before it recorded the confirm."""

    def __init__(self, store: SqlOutboxStore) -> None:
        self.store = store
        self.published = False

    def claim(self, limit: int) -> list[OutboxMessage]:
        return self.store.claim(limit)

    def mark_sent(self, seqs: list[int]) -> None:
        self.published = True
        raise SystemExit("relay killed")

    def release(self, seqs: list[int]) -> None:
        """A killed process releases nothing; its lease has to expire."""


@pytest.fixture
def consumer_db() -> Iterator[str]:
    with postgres_databases("consumer") as urls:
        yield urls["consumer"]


def test_a_relay_killed_between_publish_and_confirm_still_delivers_and_the_consumer_applies_once(
    suite: Suite, amqp_url: str, channel: Any, consumer_db: str
) -> None:
    spec = QueueSpec("testsvc", bindings=("contacts.counterparty.created",))
    declare_queue(channel, spec)
    metadata = MetaData()
    inbox = define_inbox(metadata)
    applied = Table(
        "applied", metadata, Column("event_id", String(36)), Column("counterparty_id", String(36))
    )
    engine = make_engine(consumer_db)
    metadata.create_all(engine)
    drain_outbox_first = SqlOutboxStore(suite.contacts.engine, orm.outbox)
    relay_until_sent(drain_outbox_first, amqp_url)
    channel.queue_purge(spec.name)

    created, _ = create_counterparty(suite)
    crashing = CrashBeforeMarkingSent(
        SqlOutboxStore(suite.contacts.engine, orm.outbox, claim_seconds=1.0)
    )
    with pytest.raises(SystemExit):
        OutboxRelay(crashing, connection_parameters(amqp_url)).run_once()  # type: ignore[arg-type]
    assert crashing.published
    time.sleep(1.1)  # the dead relay's lease runs out
    relay_until_sent(SqlOutboxStore(suite.contacts.engine, orm.outbox), amqp_url)

    deliveries = []

    def record(session: Session, envelope: Envelope) -> None:
        session.execute(
            applied.insert().values(
                event_id=envelope.event_id, counterparty_id=envelope.aggregate_id
            )
        )

    handler = InboxHandler(make_session_factory(engine), inbox, record)

    def counting(envelope: Envelope) -> bool:
        deliveries.append(envelope.event_id)
        return handler(envelope)

    EventConsumer(connection_parameters(amqp_url), spec, counting).run_once(inactivity_timeout=1.0)
    assert len(deliveries) == 2 and len(set(deliveries)) == 1  # at least once: published twice
    with engine.connect() as conn:
        rows = conn.execute(select(applied.c.counterparty_id)).scalars().all()
        assert rows == [created["id"]]  # applied once
        assert conn.scalar(select(func.count()).select_from(inbox)) == 1
    engine.dispose()


def publish(channel: Any, routing_key: str, body: bytes) -> None:
    channel.basic_publish(EXCHANGE, routing_key, body, pika.BasicProperties(delivery_mode=2))


def test_a_message_that_cannot_be_read_goes_to_the_dead_letter_queue(
    amqp_url: str, channel: Any
) -> None:
    spec = QueueSpec("poison" + uuid.uuid4().hex[:6], bindings=("poison.#",))
    declare_queue(channel, spec)
    publish(channel, "poison.test", b"\xff not a protobuf envelope")
    EventConsumer(connection_parameters(amqp_url), spec, lambda envelope: True).run_once(
        inactivity_timeout=1.0
    )
    time.sleep(0.3)
    assert channel.queue_declare(spec.dead_letter_name, passive=True).method.message_count == 1
    assert channel.queue_declare(spec.name, passive=True).method.message_count == 0


def test_an_event_that_keeps_failing_is_dead_lettered_after_the_delivery_limit(
    amqp_url: str, channel: Any
) -> None:
    spec = QueueSpec("failing" + uuid.uuid4().hex[:6], bindings=("failing.#",), delivery_limit=2)
    declare_queue(channel, spec)
    attempts: list[str] = []

    def always_fails(envelope: Envelope) -> bool:
        attempts.append(envelope.event_id)
        raise RuntimeError("database unavailable")

    envelope = Envelope(event_id=str(uuid.uuid4()), type="failing.thing", producer="test")
    publish(channel, "failing.thing", envelope.SerializeToString())
    EventConsumer(connection_parameters(amqp_url), spec, always_fails).run_once(
        inactivity_timeout=1.5
    )
    time.sleep(0.3)
    assert len(attempts) == spec.delivery_limit + 1
    assert channel.queue_declare(spec.dead_letter_name, passive=True).method.message_count == 1


def test_the_contacts_consumer_records_classes_once_even_when_the_event_comes_twice(
    suite: Suite, amqp_url: str, channel: Any
) -> None:
    created, _ = create_counterparty(suite)
    declare_queue(channel, contacts_consumer.QUEUE)
    classes = analytics_pb2.ClassificationCompleted(run_id="run-1")
    classes.classes.add(counterparty_id=created["id"], abc="A", xyz="Y", status="regular")
    classes.classes.add(counterparty_id="unknown", abc="C", xyz="Z", status="lost")
    envelope = Envelope(
        event_id=str(uuid.uuid4()),
        type="analytics.classification.completed",
        producer="analytics",
        payload=classes.SerializeToString(),
    )
    for _ in range(2):
        publish(channel, envelope.type, envelope.SerializeToString())
    handler = InboxHandler(suite.contacts.sessions, orm.inbox, contacts_consumer.apply_event)
    EventConsumer(connection_parameters(amqp_url), contacts_consumer.QUEUE, handler).run_once(
        inactivity_timeout=1.0
    )
    body = suite.client.get(
        f"{API}/counterparties/{created['id']}", headers=suite.headers()
    ).get_json()
    assert (body["abc"], body["xyz"], body["status"]) == ("A", "Y", "regular")
    with suite.contacts.engine.connect() as conn:
        assert (
            conn.scalar(
                select(func.count())
                .select_from(orm.inbox)
                .where(orm.inbox.c.event_id == envelope.event_id)
            )
            == 1
        )
    filtered = suite.client.get(
        f"{API}/counterparties",
        query_string={"abc": "A", "status": "regular"},
        headers=suite.headers(),
    ).get_json()
    assert created["id"] in [item["id"] for item in filtered["items"]]


def test_an_event_written_in_a_rolled_back_transaction_is_never_published(suite: Suite) -> None:
    outbox = Outbox(orm.outbox, "contacts")
    sessions = suite.contacts.sessions
    before = SqlOutboxStore(suite.contacts.engine, orm.outbox).unsent_count()
    with sessions() as session:
        outbox.add(
            session, "contacts.counterparty.created", "ghost", contacts_pb2.CounterpartyDeleted()
        )
        session.rollback()
    assert SqlOutboxStore(suite.contacts.engine, orm.outbox).unsent_count() == before


def test_a_relay_asked_to_stop_while_its_connection_is_still_opening_stops(
    suite: Suite, amqp_url: str
) -> None:
    """As a SIGTERM during start-up does: it hung the relay (the connection opened afterwards
    and ran for ever)."""
    relay = OutboxRelay(SqlOutboxStore(suite.contacts.engine, orm.outbox), connection_parameters(amqp_url))  # fmt: skip
    worker = threading.Thread(target=relay.run_once, daemon=True)
    worker.start()
    relay.stop()
    worker.join(timeout=10)
    assert not worker.is_alive()
