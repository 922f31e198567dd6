"""Scenario 3: RabbitMQ's application stopped and started again (`rabbitmqctl stop_app` /
`start_app`, the node itself stays up) while clients keep creating records: the relays and
consumers find the broker again by themselves."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.chaos.counting import Load, Witness, finish, prepare, recovery
from tests.chaos.stack import Stack, start_suite

pytestmark = [pytest.mark.chaos, pytest.mark.integration]
OUTAGE = 2.0  # seconds without a broker: other tests on this machine share it


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def test_the_relays_and_consumers_come_back_by_themselves_after_the_broker_restarts(
    stack: Stack,
) -> None:
    start_suite(stack)
    witness = Witness(stack.amqp_url)
    with Load(stack.api, prepare(stack.api)) as load:
        load.wait_for(30)
        stopped = time.time()
        try:
            rabbitmqctl("stop_app")
            time.sleep(OUTAGE)
        finally:
            rabbitmqctl("start_app")
        restored = time.time()
        recovery_s = recovery(stack, load, restored, 90)
    finish(
        "broker restarted",
        stack,
        load,
        witness,
        outage_s=round(restored - stopped, 1),
        errors_in_outage=load.errors(stopped, restored),
        recovery_s=recovery_s,
    )
