"""Catching a process at the one moment that matters: a relay with its messages published and
confirmed, its outbox rows not yet marked sent; a consumer with a batch of deliveries applied in
an open transaction, not yet committed or acknowledged. A trigger on the test's own tables makes
the statement wait for an advisory lock the test holds, so the process stays caught there, and
what the test then does (SIGKILL, a cut connection, a broker restart) strikes at that moment,
not at one hoped for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import psycopg

from tests.chaos.stack import Stack, wait_until

RELAYS = ("contacts", "deals")
CONSUMERS = ("deals", "analytics")
LOCK = 7311
HOLD_MARKING = f"""
CREATE FUNCTION chaos_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock_shared({LOCK}); RETURN NEW; END $$;
CREATE TRIGGER chaos_hold BEFORE UPDATE OF sent_at ON outbox FOR EACH ROW
WHEN (OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL) EXECUTE FUNCTION chaos_hold();
"""
# A consumer's batch moves its watermarks last, after every delivery of it was recorded in the
# inbox and applied: caught there, it holds a whole batch in an open transaction. The trigger
# first tells, in the session's application_name, how many deliveries that transaction holds.
HOLD_APPLYING = f"""
CREATE FUNCTION chaos_hold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE held bigint;
BEGIN
  SELECT count(*) INTO held FROM inbox WHERE xmin::text::bigint = txid_current() % 4294967296;
  PERFORM set_config('application_name', 'chaos batch of ' || held, false);
  PERFORM pg_advisory_xact_lock_shared({LOCK}); RETURN NEW;
END $$;
CREATE TRIGGER chaos_hold BEFORE INSERT OR UPDATE ON watermarks FOR EACH ROW
EXECUTE FUNCTION chaos_hold();
"""
WAITING = """SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = %s
AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"""


@dataclass(frozen=True)
class Caught:
    backend: int  # the process's database session, held
    batch: int  # a consumer's: the deliveries its open transaction holds


@contextmanager
def marking_held(stack: Stack) -> Iterator[dict[str, psycopg.Connection]]:
    """Inside, a relay of contacts or deals blocks when it marks rows sent. Yields the
    connections that hold the lock, by service."""
    with _held(stack, RELAYS, HOLD_MARKING) as holders:
        yield holders


@contextmanager
def applying_held(stack: Stack) -> Iterator[dict[str, psycopg.Connection]]:
    """Inside, the deals and analytics consumers block in each batch's transaction, before it
    commits. Yields the connections that hold the lock, by service."""
    with _held(stack, CONSUMERS, HOLD_APPLYING) as holders:
        yield holders


@contextmanager
def _held(
    stack: Stack, services: tuple[str, ...], hold: str
) -> Iterator[dict[str, psycopg.Connection]]:
    with ExitStack() as held:
        yield {s: held.enter_context(_holding(stack, s, hold)) for s in services}


@contextmanager
def _holding(stack: Stack, service: str, hold: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.dsn(service), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK,))
        conn.execute(hold)  # type: ignore[arg-type]
        try:
            yield conn
        finally:
            conn.execute(
                "SELECT pg_advisory_unlock(%s)", (LOCK,)
            )  # a process still waiting goes on
            conn.execute("DROP FUNCTION chaos_hold() CASCADE")  # and its trigger


def caught(holders: dict[str, psycopg.Connection]) -> dict[str, Caught]:
    """Waits until a process of every service blocks where it is held: its session, by service."""
    found = {}
    for service, conn in holders.items():
        wait_until(lambda c=conn: c.execute(WAITING, (LOCK,)).fetchone() is not None, 60, service)
        backend, name = conn.execute(WAITING, (LOCK,)).fetchone()  # type: ignore[misc]
        held = name.removeprefix("chaos batch of ")
        found[service] = Caught(int(backend), int(held) if held.isdigit() else 0)
    return found
