"""Scenario 1: the event consumers SIGKILLed in the middle of a batch (its deliveries recorded
and applied in an open transaction, neither committed nor acknowledged: caught there, see
faults.py) while a backlog waits, then restarted: every event is applied exactly once."""

from __future__ import annotations

import time

import pytest

from tests.chaos.counting import Load, Witness, finish, prepare, recovery
from tests.chaos.faults import applying_held, caught
from tests.chaos.stack import Stack, start_consumers, start_suite

pytestmark = [pytest.mark.chaos, pytest.mark.integration]
BURST = 80  # writes made at full speed while no consumer runs: some 120 events for each


def test_a_consumer_killed_in_the_middle_of_a_batch_applies_every_event_exactly_once(
    stack: Stack,
) -> None:
    start_suite(stack, consumers=False)
    witness = Witness(stack.amqp_url)
    killed = {}
    with Load(stack.api, prepare(stack.api), rate=None) as load:
        load.wait_for(BURST)
        load.rate = 10
        with applying_held(stack) as holders:
            start_consumers(stack)
            for service, consumer in caught(holders).items():
                stack.kill(f"{service}_consume")
                # its session would wait on the lock until the server noticed the client is gone
                holders[service].execute("SELECT pg_terminate_backend(%s)", (consumer.backend,))
                killed[service] = consumer.batch
        start_consumers(stack)
        restarted = time.time()
        recovery_s = recovery(stack, load, restarted, 60)
    finish("consumer killed", stack, load, witness, recovery_s=recovery_s, killed_batches=killed)
    assert all(batch > 1 for batch in killed.values()), f"killed amid batches of {killed}"
