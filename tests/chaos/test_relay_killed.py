"""Scenario 2: a relay SIGKILLed after the broker confirmed its messages and before it recorded
them as sent (caught there, see faults.py). Its successor publishes them again; the consumers'
inboxes skip the copies, so each event takes effect once."""

from __future__ import annotations

import time

import pytest

from tests.chaos.counting import Load, Witness, finish, prepare, recovery
from tests.chaos.faults import caught, marking_held
from tests.chaos.stack import Stack, start_consumers, start_relays, start_suite

pytestmark = [pytest.mark.chaos, pytest.mark.integration]


def test_a_relay_killed_between_publishing_and_marking_sent_has_its_events_applied_once(
    stack: Stack,
) -> None:
    stack.env["CRM_RELAY_CLAIM_SECONDS"] = "2"  # how long the dead relay's claim holds its rows
    start_suite(stack, relays=False, consumers=False)
    witness = Witness(stack.amqp_url)
    fixtures = prepare(stack.api)
    start_consumers(stack)
    with Load(stack.api, fixtures) as load:
        with marking_held(stack) as holders:
            load.wait_for(30)
            start_relays(stack)
            for service, relay in caught(holders).items():
                stack.kill(f"{service}_relay")
                # its session would wait on the lock until the server noticed the client is gone
                holders[service].execute("SELECT pg_terminate_backend(%s)", (relay.backend,))
        start_relays(stack)
        restarted = time.time()
        recovery_s = recovery(stack, load, restarted, 60)
    line = finish("relay killed", stack, load, witness, recovery_s=recovery_s)
    assert line["republished"] > 0, "the killed relays had published nothing"
    assert line["redelivered_skipped"] > 0
