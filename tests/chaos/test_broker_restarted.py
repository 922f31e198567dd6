"""Scenario 3: RabbitMQ's application stopped and started again (`rabbitmqctl stop_app` /
`start_app`, the node itself stays up) while clients keep creating records and each consumer
is in the middle of a batch (applied in an open transaction, not yet committed or acknowledged:
caught there, see faults.py). The batches commit after the broker is gone, so their
acknowledgements are lost and the broker delivers them again: the inboxes skip them. The relays
and consumers find the broker again by themselves."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.chaos.counting import Load, Witness, finish, prepare, recovery
from tests.chaos.faults import applying_held, caught
from tests.chaos.stack import Stack, start_consumers, start_suite

pytestmark = [pytest.mark.chaos, pytest.mark.integration]
OUTAGE = 2.0  # seconds without a broker: other tests on this machine share it
BACKLOG = 40  # writes waiting for the consumers, so that their first batches hold several


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def test_batches_caught_by_a_broker_restart_are_applied_once_and_everything_comes_back(
    stack: Stack,
) -> None:
    start_suite(stack, consumers=False)
    witness = Witness(stack.amqp_url)
    with Load(stack.api, prepare(stack.api)) as load:
        load.wait_for(BACKLOG)
        with applying_held(stack) as holders:
            start_consumers(stack)
            batches = {service: held.batch for service, held in caught(holders).items()}
            stopped = time.time()
            try:
                rabbitmqctl("stop_app")
                time.sleep(OUTAGE)
            finally:
                rabbitmqctl("start_app")
        restored = time.time()
        recovery_s = recovery(stack, load, restored, 90)
    line = finish(
        "broker restarted",
        stack,
        load,
        witness,
        outage_s=round(restored - stopped, 1),
        errors_in_outage=load.errors(stopped, restored),
        recovery_s=recovery_s,
        caught_batches=batches,
    )
    assert all(batch > 1 for batch in batches.values()), f"caught amid batches of {batches}"
    assert line["redelivered_skipped"] >= sum(batches.values())  # committed, never acknowledged
