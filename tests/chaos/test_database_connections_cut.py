"""Scenario 4: every PostgreSQL connection of the test's databases terminated three times while
clients keep creating records: first while the relays are caught marking rows sent (see
faults.py), then at an arbitrary moment, then with the databases refusing new connections for
two seconds (a primary restarting). Requests may fail meanwhile; none accepted is lost, none
applied twice, and the pools, relays and consumers recover by themselves."""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.chaos.counting import Load, Witness, finish, prepare, recovery
from tests.chaos.faults import caught, marking_held
from tests.chaos.stack import ADMIN_DSN, Stack, database_name, start_suite

pytestmark = [pytest.mark.chaos, pytest.mark.integration]
CUT = """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = ANY(%s) AND pid <> ALL(%s)"""
REFUSED = 2.0  # seconds the databases refuse connections the last time
SETTLE = 2.0  # seconds after the last cut in which requests may still fail
CLAIM_SECONDS = 30  # the relays' lease (CRM_RELAY_CLAIM_SECONDS' default)


class Databases:
    def __init__(self, stack: Stack, admin: psycopg.Connection) -> None:
        self.names = [database_name(url) for url in stack.db_urls.values()]
        self.admin = admin

    def cut(self, spare: list[int] | None = None) -> int:
        """Terminates every connection to them but those of `spare`; how many."""
        row = self.admin.execute(CUT, (self.names, spare or [])).fetchone()
        return int(row[0])  # type: ignore[index]

    def restart(self) -> int:
        """Cuts every connection and refuses new ones for a while."""
        for name in self.names:
            self.admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        cut = self.cut()
        time.sleep(REFUSED)
        for name in self.names:
            self.admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        return cut


def test_cut_database_connections_lose_no_accepted_write_and_everything_recovers(
    stack: Stack,
) -> None:
    start_suite(stack)
    witness = Witness(stack.amqp_url)
    with (
        Load(stack.api, prepare(stack.api)) as load,
        psycopg.connect(ADMIN_DSN, autocommit=True) as admin,
    ):
        databases = Databases(stack, admin)
        load.wait_for(30)
        first = time.time()
        with marking_held(stack) as holders:
            caught(holders)
            cut = databases.cut(spare=[conn.info.backend_pid for conn in holders.values()])
        time.sleep(1.0)
        cut += databases.cut()
        time.sleep(1.0)
        cut += databases.restart()
        last = time.time()
        recovery_s = recovery(stack, load, last, 2 * CLAIM_SECONDS)
        load.wait_for(30)
    finish(
        "database connections cut",
        stack,
        load,
        witness,
        connections_cut=cut,
        errors_while_cutting=load.errors(first, last + SETTLE),
        errors_after=load.errors(last + SETTLE),
        recovery_s=recovery_s,
    )
    assert all(a.accepted for a in load.attempts(last + SETTLE)), "the pools did not recover"
    assert recovery_s is not None and recovery_s < CLAIM_SECONDS / 2, (
        "events held till the lease ran out"
    )
