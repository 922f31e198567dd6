"""Analytics consumer benchmark (issue 15): invoice events, one line each, applied from a full
queue by the analytics consumer (batches, inbox, projections, watermarks, on PostgreSQL), against
raw pika consuming the same messages with the same prefetch and acking each, in the same run.

    .venv/bin/python -m bench.consumer_bench --events 20000
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pika
from sqlalchemy import func, select

from crm.deals.v1 import deals_pb2
from crm.events.v1 import deals_pb2 as deal_events
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.consumer import EventConsumer
from crmkit.db import make_engine, make_session_factory, migrate
from crmkit.inbox import InboxHandler
from crmkit.rabbit import (
    EXCHANGE,
    QueueSpec,
    connection_parameters,
    declare_exchange,
    declare_queue,
)
from services.analytics import bootstrap
from services.analytics.adapters import orm
from services.analytics.entrypoints import consumer
from tests.support import postgres_databases, rabbitmq_vhost

POSTED = "deals.invoice.posted"


def invoice_events(count: int) -> list[bytes]:
    """What deals publishes for an ERP invoice of one line, numbered as the relay numbers them."""
    customers = [str(uuid.uuid4()) for _ in range(max(1, count // 3))]
    first = date(2026, 1, 1)
    bodies = []
    for number in range(1, count + 1):
        at = datetime(2026, 6, 30, tzinfo=UTC).isoformat()
        document = deals_pb2.ErpDocument(
            kind="invoice",
            id=str(uuid.uuid4()),
            external_id=f"HD-{number:07d}",
            number=f"HD{number:07d}",
            date=(first + timedelta(days=number % 180)).isoformat(),
            counterparty_id=customers[number % len(customers)],
            currency="VND",
            status="posted",
            due_date="2026-07-30",
            owner_id=str(uuid.uuid4()),
            created_at=at,
            updated_at=at,
            lines=[
                deals_pb2.ErpLine(
                    sku=f"THEP-{number % 400:04d}",
                    name="Thép cuộn cán nóng SS400 dày 3 ly",
                    quantity="12.5",
                    price="18500000",
                    cost="16200000",
                    discount="500000",
                    revenue="230750000",
                    gross_profit="28250000",
                )
            ],
        )
        envelope = Envelope(
            event_id=str(uuid.uuid4()),
            type=POSTED,
            occurred_at=at,
            producer="deals",
            aggregate_id=document.id,
            payload=deal_events.ErpDocumentChanged(document=document).SerializeToString(),
            sequence=number,
        )
        bodies.append(envelope.SerializeToString())
    return bodies


def fill(amqp_url: str, routing_key: str, bodies: list[bytes]) -> None:
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    persistent = pika.BasicProperties(delivery_mode=2)
    for body in bodies:
        channel.basic_publish(EXCHANGE, routing_key, body, persistent)
    connection.close()


def raw_pika(amqp_url: str, bodies: list[bytes], prefetch: int) -> float:
    """The baseline: the same messages from a full queue, received and acked one by one."""
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    channel = connection.channel()
    declare_exchange(channel)
    spec = QueueSpec("bench-raw", bindings=("bench.raw",))
    declare_queue(channel, spec)
    connection.close()
    fill(amqp_url, "bench.raw", bodies)
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    received = 0
    started = time.perf_counter()
    for method, _properties, body in channel.consume(spec.name, inactivity_timeout=5):
        if method is None:
            break
        Envelope.FromString(body)
        channel.basic_ack(method.delivery_tag)
        received += 1
        if received == len(bodies):
            break
    elapsed = time.perf_counter() - started
    connection.close()
    assert received == len(bodies), received
    return elapsed


def analytics_consumer(amqp_url: str, db_url: str, bodies: list[bytes], batch: int) -> float:
    migrate(db_url, bootstrap.MIGRATIONS)
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    channel = connection.channel()
    declare_exchange(channel)
    declare_queue(channel, consumer.QUEUE)
    connection.close()
    fill(amqp_url, POSTED, bodies)
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    handler = InboxHandler(sessions, orm.inbox, consumer.apply_event, consumer.apply_events)
    done: list[float] = []

    def timed(envelopes: list[Envelope]) -> list[bool]:
        applied = handler.apply_batch(envelopes)
        done.append(time.perf_counter())
        return applied

    def one(envelope: Envelope) -> bool:
        applied = handler(envelope)
        done.append(time.perf_counter())
        return applied

    worker = EventConsumer(
        connection_parameters(amqp_url),
        consumer.QUEUE,
        one,
        prefetch=batch,
        handle_batch=timed if batch > 1 else None,
        batch_size=batch,
    )
    started = time.perf_counter()
    worker.run_once(inactivity_timeout=2.0)
    with engine.connect() as conn:
        facts = conn.scalar(select(func.count()).select_from(orm.sales_facts))
    engine.dispose()
    assert facts == len(bodies), facts
    return done[-1] - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="1: one event at a time, as before")
    args = parser.parse_args()
    bodies = invoice_events(args.events)
    with postgres_databases("analytics") as urls, rabbitmq_vhost() as amqp_url:
        raw = raw_pika(amqp_url, bodies, args.batch)
        suite = analytics_consumer(amqp_url, urls["analytics"], bodies, args.batch)
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, Python {platform.python_version()}",
        "events": args.events,
        "prefetch_and_batch": args.batch,
        "payload_bytes": sum(len(b) for b in bodies) // len(bodies),
        "raw_pika_events_per_s": round(args.events / raw),
        "analytics_consumer_events_per_s": round(args.events / suite),
        "ratio": round(raw / suite, 3),
    }
    Path("var").mkdir(exist_ok=True)
    Path("var/bench-consumer-latest.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
