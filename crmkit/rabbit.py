"""RabbitMQ naming and topology: one topic exchange for all events, one quorum queue per
consuming service with a delivery limit and a dead-letter queue for poison messages."""

from __future__ import annotations

from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel

EXCHANGE = "crm.events"
DEAD_LETTER_EXCHANGE = "crm.events.dead"

# The wildcard patterns queues were bound to before each queue bound exactly the event types its
# consumer routes: a queue declared again drops them, or a broker that had them would keep
# delivering types the consumer no longer routes (they would be dead-lettered as poison).
RETIRED_BINDINGS = (
    "contacts.counterparty.*",
    "contacts.contact.*",
    "deals.deal.*",
    "deals.task.*",
    "deals.order.*",
    "deals.invoice.*",
    "deals.shipment.*",
    "deals.pipeline.*",
    "deals.campaign.*",
)


def connection_parameters(url: str) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.heartbeat = 30
    params.blocked_connection_timeout = 60
    params.connection_attempts = 1
    return params


@dataclass(frozen=True)
class QueueSpec:
    service: str
    bindings: tuple[str, ...]
    delivery_limit: int = 5

    @property
    def name(self) -> str:
        return f"{self.service}.events"

    @property
    def dead_letter_name(self) -> str:
        return f"{self.service}.events.dead"


def declare_exchange(channel: BlockingChannel) -> None:
    channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)


def declare_queue(channel: BlockingChannel, spec: QueueSpec) -> None:
    declare_exchange(channel)
    channel.exchange_declare(DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)
    channel.queue_declare(spec.dead_letter_name, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(spec.dead_letter_name, DEAD_LETTER_EXCHANGE, routing_key=spec.name)
    channel.queue_declare(
        spec.name,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": spec.delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": spec.name,
        },
    )
    for key in spec.bindings:
        channel.queue_bind(spec.name, EXCHANGE, routing_key=key)
    for key in set(RETIRED_BINDINGS) - set(spec.bindings):
        channel.queue_unbind(spec.name, EXCHANGE, routing_key=key)  # no-op where not bound


def topic_matches(binding: str, routing_key: str) -> bool:
    """RabbitMQ's topic rule: `*` stands for one word, `#` for zero or more."""

    def match(pattern: list[str], words: list[str]) -> bool:
        if not pattern:
            return not words
        head, rest = pattern[0], pattern[1:]
        if head == "#":
            return any(match(rest, words[i:]) for i in range(len(words) + 1))
        return bool(words) and head in ("*", words[0]) and match(rest, words[1:])

    return match(binding.split("."), routing_key.split("."))
