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
