"""Catching the relays at the one moment that matters: their messages published and confirmed,
their outbox rows not yet marked sent. A trigger on the test's own outbox makes the statement
that marks rows sent wait for an advisory lock the test holds, so each relay stays caught there,
and what the test then does (SIGKILL, a cut connection) strikes at that moment, not at one
hoped for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg

from tests.chaos.stack import Stack, wait_until

RELAYS = ("contacts", "deals")
LOCK = 7311
HOLD_MARKING = f"""
CREATE FUNCTION chaos_hold_marking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock_shared({LOCK}); RETURN NEW; END $$;
CREATE TRIGGER chaos_hold_marking BEFORE UPDATE OF sent_at ON outbox FOR EACH ROW
WHEN (OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL) EXECUTE FUNCTION chaos_hold_marking();
"""
LET_GO = "DROP TRIGGER chaos_hold_marking ON outbox; DROP FUNCTION chaos_hold_marking();"
WAITING = """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
AND objid = %s AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""


@contextmanager
def marking_held(stack: Stack) -> Iterator[dict[str, psycopg.Connection]]:
    """Inside, a relay of contacts or deals blocks when it marks rows sent. Yields the
    connections that hold the lock, by service."""
    with ExitStack() as held:
        holders = {s: held.enter_context(_held(stack, s)) for s in RELAYS}
        yield holders


@contextmanager
def _held(stack: Stack, service: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.dsn(service), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK,))
        conn.execute(HOLD_MARKING)
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK,))  # a relay still waiting goes on
            conn.execute(LET_GO)


def caught_relays(holders: dict[str, psycopg.Connection]) -> dict[str, int]:
    """Waits until every relay blocks marking rows sent: its database session, by service."""
    caught = {}
    for service, conn in holders.items():
        wait_until(lambda c=conn: c.execute(WAITING, (LOCK,)).fetchone() is not None, 60, service)
        caught[service] = int(conn.execute(WAITING, (LOCK,)).fetchone()[0])  # type: ignore[index]
    return caught
