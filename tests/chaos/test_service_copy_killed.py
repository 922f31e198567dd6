"""Scenario 5: contacts and deals run two copies each; the gateway (and deals, which asks
contacts) balances over both, round robin. One copy of each is SIGKILLed under load: requests
go to the other copy, and no accepted write is lost."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.chaos.counting import Load, Witness, finish, prepare
from tests.chaos.stack import Stack, start_suite

pytestmark = [pytest.mark.chaos, pytest.mark.integration]
FAILOVER = 2.0  # seconds after the kill counted as the failover; after it, nothing may fail
AFTER = 3.0  # seconds of load after the failover


def clients_of(port: int) -> int:
    """Connections a server copy has accepted (round robin connects to every copy)."""
    query = ["ss", "-Htn", "state", "established", f"( sport = :{port} )"]
    return (
        len(subprocess.run(query, capture_output=True, text=True, check=True).stdout.split("\n"))
        - 1
    )


def test_killing_one_copy_of_a_service_sends_requests_to_the_other(stack: Stack) -> None:
    stack.scale("contacts", 2)
    stack.scale("deals", 2)
    start_suite(stack)
    witness = Witness(stack.amqp_url)
    with Load(stack.api, prepare(stack.api), rate=20) as load:
        load.wait_for(30)
        for service in ("contacts", "deals"):
            assert all(clients_of(port) for port in stack.ports[service]), "a copy gets nothing"
        killed = time.time()
        stack.kill("contacts_serve")
        stack.kill("deals_serve")
        time.sleep(FAILOVER + AFTER)
    failed = [a.ended for a in load.attempts(killed) if not a.accepted]
    after = load.attempts(killed + FAILOVER)
    finish(
        "service copy killed",
        stack,
        load,
        witness,
        errors_before=load.errors(0, killed),
        errors_failover=load.errors(killed, killed + FAILOVER),
        errors_after=load.errors(killed + FAILOVER),
        failover_s=round(max(failed) - killed, 2) if failed else 0.0,
    )
    assert after and all(a.accepted for a in after), "requests still failed after the failover"
