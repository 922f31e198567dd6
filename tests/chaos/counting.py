"""Load and count: clients that keep writing through the gateway, and what their writes left.

A write is *accepted* when its client got a 2xx. It must leave exactly one row in its own
service's table and exactly one in each projection its event feeds (deals' known counterparties
and timeline, analytics' customers and deals). Every write carries a marker of its own (the
counterparty's name, the deal's title), so each row is traced to the request that made it."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pika
import requests

from crmkit.rabbit import EXCHANGE, connection_parameters, declare_exchange
from tests.chaos.stack import ADMIN_PASSWORD, Stack, time_until

MARK = "chaos-"
CONSUMERS = ("deals", "analytics")


@dataclass(frozen=True)
class Attempt:
    kind: str  # counterparty | deal
    marker: str
    status: int  # 0: no answer at all (refused, timed out)
    ended: float

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Fixtures:
    """What every deal needs: the caller, a pipeline and a buyer."""

    headers: dict[str, str]
    pipeline_id: str
    counterparty_id: str


def prepare(api: str) -> Fixtures:
    login = {"username": "admin", "password": ADMIN_PASSWORD}
    token = requests.post(f"{api}/auth/login", json=login, timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    stages = [{"name": "Liên hệ", "probability": 10}, {"name": "Báo giá", "probability": 50}]
    body = {"name": "Chaos " + uuid.uuid4().hex[:6], "mode": "simple", "stages": stages}
    pipeline = requests.post(f"{api}/pipelines", json=body, headers=headers, timeout=30)
    assert pipeline.status_code == 201, pipeline.text
    buyer = {"name": "Người mua " + uuid.uuid4().hex[:6], "force": True}
    bought = requests.post(f"{api}/counterparties", json=buyer, headers=headers, timeout=30)
    assert bought.status_code == 201, bought.text
    return Fixtures(headers, pipeline.json()["id"], bought.json()["id"])


class Load:
    """Clients creating counterparties and deals in turn through the gateway, at `rate` writes
    a second over all of them (None: as fast as they can), each write with its own marker."""

    def __init__(self, api: str, fixtures: Fixtures, rate: float | None = 10.0, clients: int = 3):
        self.api = api
        self.fixtures = fixtures
        self.rate = rate
        self.clients = clients
        self._attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(n,)) for n in range(clients)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _client(self, n: int) -> None:
        due = time.time()
        with requests.Session() as session:
            while not self._stop.is_set():
                self._write(session, ("counterparty", "deal")[n % 2])
                n += 1
                if self.rate:
                    due = max(due + self.clients / self.rate, time.time() - 1.0)
                    self._stop.wait(due - time.time())

    def _write(self, session: requests.Session, kind: str) -> None:
        marker = MARK + uuid.uuid4().hex
        f = self.fixtures
        if kind == "counterparty":
            path, body = "counterparties", {"name": marker, "force": True}
        else:
            path = "deals"
            body = {
                "title": marker,
                "pipeline_id": f.pipeline_id,
                "counterparty_id": f.counterparty_id,
            }
        try:
            reply = session.post(f"{self.api}/{path}", json=body, headers=f.headers, timeout=15)
            status = reply.status_code
        except requests.RequestException:
            status = 0
        with self._lock:
            self._attempts.append(Attempt(kind, marker, status, time.time()))

    def attempts(self, start: float = 0.0, end: float = float("inf")) -> list[Attempt]:
        """The requests that ended in [start, end)."""
        with self._lock:
            return [a for a in self._attempts if start <= a.ended < end]

    def accepted(self, before: float = float("inf")) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {"counterparty": set(), "deal": set()}
        for a in self.attempts(end=before):
            if a.accepted:
                found[a.kind].add(a.marker)
        return found

    def wait_for(self, more: int, timeout: float = 90.0) -> None:
        """Until `more` writes than now were accepted."""
        target = len([a for a in self.attempts() if a.accepted]) + more
        took = time_until(
            lambda: len([a for a in self.attempts() if a.accepted]) >= target, timeout
        )
        assert took is not None, f"{more} more writes were not accepted in {timeout:.0f} s"

    def errors(self, start: float = 0.0, end: float = float("inf")) -> str:
        window = self.attempts(start, end)
        return f"{sum(not a.accepted for a in window)}/{len(window)}"


# -- what arrived --------------------------------------------------------------------------------
EFFECTS: list[tuple[str, str, str]] = [  # (kind of write, where, its markers there)
    ("counterparty", "contacts.counterparties", "SELECT name FROM counterparties"),
    ("counterparty", "deals.known_counterparties", "SELECT name FROM known_counterparties"),
    ("counterparty", "analytics.customers", "SELECT name FROM customers"),
    ("deal", "deals.deals", "SELECT title FROM deals"),
    (
        "deal",
        "deals.timeline",
        "SELECT substr(title, 14) FROM timeline_entries WHERE kind = 'deal'",
    ),
    ("deal", "analytics.deals", "SELECT title FROM deals"),
    # a new deal enters its first stage: a second event, deals.deal.stage_changed
    (
        "deal",
        "deals.timeline(stage)",
        "SELECT split_part(title, ' → ', 1) FROM timeline_entries WHERE kind = 'deal_stage'",
    ),
    (
        "deal",
        "analytics.stage_entries",
        "SELECT d.title FROM stage_entries AS s JOIN deals AS d ON d.id = s.deal_id",
    ),
]


def found_effects(stack: Stack) -> dict[tuple[str, str], Counter[str]]:
    found = {}
    for kind, place, sql in EFFECTS:
        rows = stack.query(
            place.split(".")[0],
            f"SELECT * FROM ({sql}) AS m(marker) WHERE marker LIKE %s",
            MARK + "%",
        )
        found[(kind, place)] = Counter(row[0] for row in rows)
    return found


@dataclass
class Tally:
    accepted: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    missing_in: dict[str, int] = field(default_factory=dict)


def tally(stack: Stack, accepted: Mapping[str, set[str]]) -> Tally:
    """Lost: an accepted write without its row somewhere. Duplicated: a second row of one write
    anywhere. Unexpected: a write whose client was not told it succeeded (timed out, a 5xx after
    the commit) and is there all the same: the client could not know, so allowed, but counted."""
    result = Tally(accepted=sum(len(markers) for markers in accepted.values()))
    unexpected: set[str] = set()
    for (kind, place), counts in found_effects(stack).items():
        missing = sum(counts[m] == 0 for m in accepted[kind])
        result.lost += missing
        if missing:
            result.missing_in[place] = missing
        result.duplicated += sum(n - 1 for n in counts.values() if n > 1)
        unexpected |= set(counts) - accepted[kind]
    result.unexpected = len(unexpected)
    return result


def applied_everything(stack: Stack, accepted: Mapping[str, set[str]]) -> Callable[[], bool]:
    return lambda: tally(stack, accepted).lost == 0


def recovery(stack: Stack, load: Load, since: float, timeout: float = 60.0) -> float | None:
    """Seconds from `since` (the fault is over) until every write accepted before it has all its
    rows and no event written before it waits in an outbox; None if not within `timeout`."""
    accepted = load.accepted(before=since)
    moment = datetime.fromtimestamp(since, UTC)
    old = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND created_at < %s"

    def caught_up() -> bool:
        waiting = sum(stack.query(s, old, moment)[0][0] for s in ("contacts", "deals"))
        return waiting == 0 and applied_everything(stack, accepted)()

    if time_until(caught_up, timeout) is None:
        return None
    return round(time.time() - since, 1)


def at_rest(stack: Stack) -> bool:
    """Every write that reached its service reached every projection; no outbox row is unsent
    and no event waits in a queue."""
    found = found_effects(stack)
    for kind in ("counterparty", "deal"):
        primary, *projections = [counts for (k, _), counts in found.items() if k == kind]
        if any(set(primary) - set(p) for p in projections):
            return False
    unsent = sum(
        stack.query(service, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
        for service in ("contacts", "deals")
    )
    return unsent == 0 and queued(stack.amqp_url, [f"{s}.events" for s in CONSUMERS]) == 0


# -- the broker's view ---------------------------------------------------------------------------
@contextmanager
def channel_of(amqp_url: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    try:
        yield connection.channel()
    finally:
        connection.close()


def queued(amqp_url: str, queues: list[str]) -> int:
    with channel_of(amqp_url) as channel:
        return sum(channel.queue_declare(q, passive=True).method.message_count for q in queues)


class Witness:
    """A queue bound to every event: how many times each event was published."""

    QUEUE = "chaos.witness"

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        with channel_of(amqp_url) as channel:
            declare_exchange(channel)
            channel.queue_declare(self.QUEUE, durable=True)
            channel.queue_bind(self.QUEUE, EXCHANGE, routing_key="#")

    def published(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        with channel_of(self.amqp_url) as channel:
            channel.basic_qos(prefetch_count=1000)
            for method, properties, _ in channel.consume(
                self.QUEUE, auto_ack=True, inactivity_timeout=0.5
            ):
                if method is None:
                    break
                counts[properties.message_id] += 1
            channel.cancel()
        return counts


def deliveries(stack: Stack) -> tuple[int, int]:
    """From the consumers' logs: (events applied more than once, redeliveries skipped)."""
    applied: Counter[str] = Counter()
    skipped = 0
    for service in CONSUMERS:
        for entry in stack.log_entries(f"{service}_consume"):
            if entry.get("msg") == "event applied":
                applied[f"{service}:{entry['event_id']}"] += 1
            elif entry.get("msg") == "event already applied":
                skipped += 1
    return sum(n - 1 for n in applied.values() if n > 1), skipped


# -- the verdict ---------------------------------------------------------------------------------
def finish(
    scenario: str, stack: Stack, load: Load, witness: Witness, **extra: Any
) -> dict[str, Any]:
    """After the load stopped: waits for everything to arrive, counts, prints the line of
    counts, and asserts that no accepted write was lost and none took effect twice."""
    accepted = load.accepted()
    time_until(lambda: applied_everything(stack, accepted)() and at_rest(stack), 90)
    time.sleep(0.5)  # a late redelivery would land now
    result = tally(stack, accepted)
    twice, skipped = deliveries(stack)
    published = witness.published()
    attempts = load.attempts()
    line = {
        "scenario": scenario,
        "accepted": result.accepted,
        "lost": result.lost,
        "duplicated": result.duplicated + twice,
        "unexpected": result.unexpected,
        "errors": load.errors(),
        "failures": dict(Counter(a.status for a in attempts if not a.accepted)),
        **extra,
        "events": len(published),
        "republished": sum(n - 1 for n in published.values()),
        "redelivered_skipped": skipped,
        "dead_lettered": queued(stack.amqp_url, [f"{s}.events.dead" for s in CONSUMERS]),
    }
    print(f"\nCHAOS {scenario}: " + " ".join(f"{k}={v}" for k, v in list(line.items())[1:]))
    if os.environ.get("CHAOS_RESULTS"):
        with open(os.environ["CHAOS_RESULTS"], "a") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    assert result.lost == 0, f"accepted writes missing from {result.missing_in}"
    assert result.duplicated == 0, "a write left two rows"
    assert twice == 0, "an event was applied twice"
    assert line["dead_lettered"] == 0, "events given up on"
    assert result.unexpected <= sum(not a.accepted for a in attempts)
    return line
