"""Scenario 1: the event consumers SIGKILLed while they work through a burst, then restarted:
every event is applied exactly once."""

from __future__ import annotations

import time

import pytest

from tests.chaos.counting import CONSUMERS, Load, Witness, finish, prepare, recovery
from tests.chaos.stack import Stack, start_suite

pytestmark = [pytest.mark.chaos, pytest.mark.integration]
BURST = 80  # writes made at full speed while no consumer runs: some 120 events for each
KILL_AFTER = 20  # events of the burst applied


def inbox_size(stack: Stack, service: str) -> int:
    return int(stack.query(service, "SELECT count(*) FROM inbox")[0][0])


def kill_mid_burst(stack: Stack, timeout: float = 60.0) -> None:
    """Starts the consumers and kills each once it applied KILL_AFTER events of the backlog."""
    before = {s: inbox_size(stack, s) for s in CONSUMERS}
    running = {s: stack.service(s, "consume", log_level="INFO") for s in CONSUMERS}
    deadline = time.time() + timeout
    while running:
        assert time.time() < deadline, f"{', '.join(running)} did not start consuming"
        for service in list(running):
            applied = inbox_size(stack, service) - before[service]
            if applied >= KILL_AFTER:
                stack.kill(running.pop(service))
                assert inbox_size(stack, service) - before[service] < BURST, "killed too late"
        time.sleep(0.05)


def test_a_consumer_killed_in_the_middle_of_a_burst_applies_every_event_exactly_once(
    stack: Stack,
) -> None:
    stack.env["CRM_CONSUMER_BATCH"] = "10"  # several batches in the burst: killed amid them
    start_suite(stack, consumers=False)
    witness = Witness(stack.amqp_url)
    with Load(stack.api, prepare(stack.api), rate=None) as load:
        load.wait_for(BURST)
        load.rate = 10
        kill_mid_burst(stack)
        for service in CONSUMERS:
            stack.service(service, "consume", log_level="INFO")
        restarted = time.time()
        recovery_s = recovery(stack, load, restarted, 60)
    finish("consumer killed", stack, load, witness, recovery_s=recovery_s)
