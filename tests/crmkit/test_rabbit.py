from __future__ import annotations

import pytest

from crmkit.rabbit import topic_matches


@pytest.mark.parametrize(
    ("binding", "key", "expected"),
    [
        ("contacts.counterparty.*", "contacts.counterparty.created", True),
        ("contacts.counterparty.*", "contacts.counterparty", False),
        ("contacts.#", "contacts.contact.created", True),
        ("#", "anything.at.all", True),
        ("deals.*.won", "deals.deal.won", True),
        ("deals.*.won", "deals.deal.lost", False),
        ("contacts.interaction.logged", "contacts.interaction.logged", True),
    ],
)
def test_a_binding_matches_routing_keys_the_way_rabbitmq_does(
    binding: str, key: str, expected: bool
) -> None:
    assert topic_matches(binding, key) is expected


@pytest.mark.integration
def test_a_queue_declared_again_stops_receiving_what_its_old_wildcard_brought() -> None:
    import pika

    from crmkit.rabbit import EXCHANGE, QueueSpec, declare_queue
    from tests.support import rabbitmq_vhost

    with rabbitmq_vhost() as url:
        connection = pika.BlockingConnection(pika.URLParameters(url))
        channel = connection.channel()
        declare_queue(channel, QueueSpec("test", bindings=("deals.deal.*",)))
        declare_queue(channel, QueueSpec("test", bindings=("deals.deal.won",)))
        for key in ("deals.deal.updated", "deals.deal.won"):
            channel.basic_publish(EXCHANGE, key, b"{}")
        connection.sleep(0.3)
        delivered = []
        while (message := channel.basic_get("test.events", auto_ack=True))[0] is not None:
            delivered.append(message[0].routing_key)
        connection.close()
    assert delivered == ["deals.deal.won"]
