"""Deals benchmark: open N deals and move each through the stages of a pipeline via the API,
16 clients at once; report deals/s and the event lag from a stage change (its outbox event's
time) to the timeline projection updated by the deals consumer, p50/p99.

    .venv/bin/python -m bench.deals_bench --deals 10000
"""

from __future__ import annotations

import argparse
import json
import platform
import queue
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench.stack import Result, suite_running
from tests.support import postgres_databases, rabbitmq_vhost

STAGES = [("Lead", 5), ("Qualified", 20), ("Proposal", 45), ("Negotiation", 70), ("Contract", 90)]
VERBS = (
    ("contacts", "serve"),
    ("deals", "serve"),
    ("analytics", "serve"),
    ("deals", "relay"),
    ("deals", "consume"),
)


def in_parallel(clients: int, work: queue.Queue[Any], step: Any) -> Result:
    """Runs `step(session, item) -> list of latencies` over the queue with `clients` threads."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        mine: list[float] = []
        failed = 0
        while True:
            try:
                item = work.get_nowait()
            except queue.Empty:
                break
            try:
                mine.extend(step(session, item))
            except AssertionError:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result("phase", len(latencies), time.monotonic() - began, latencies, errors[0])


def timed(
    session: requests.Session, method: str, url: str, body: dict[str, Any] | None, expected: int
) -> tuple[float, Any]:
    started = time.perf_counter()
    reply = session.request(method, url, json=body)
    elapsed = (time.perf_counter() - started) * 1000
    assert reply.status_code == expected, reply.text
    return elapsed, reply.json()


def wait_for_projection(deals_db: str, expected: int, timeout: float) -> float:
    engine = create_engine(deals_db)
    began = time.monotonic()
    query = text("SELECT count(*) FROM timeline_entries WHERE kind = 'deal_stage'")
    with engine.connect() as conn:
        while conn.execute(query).scalar_one() < expected:
            if time.monotonic() - began > timeout:
                raise RuntimeError("the timeline projection did not catch up in time")
            time.sleep(0.5)
            conn.rollback()
    engine.dispose()
    return time.monotonic() - began


def lags(deals_db: str) -> list[float]:
    engine = create_engine(deals_db)
    query = text(
        "SELECT EXTRACT(EPOCH FROM projected_at - occurred_at) * 1000 FROM timeline_entries WHERE kind = 'deal_stage'"
    )
    with engine.connect() as conn:
        found = [float(value) for value in conn.execute(query).scalars()]
    engine.dispose()
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with (
        postgres_databases("contacts", "deals", "analytics", "gateway") as urls,
        rabbitmq_vhost() as amqp_url,
    ):
        with suite_running(urls, amqp_url, 8293, 1, VERBS) as (base, headers, _env):
            session = requests.Session()
            session.headers.update(headers)
            buyer = session.post(f"{base}/counterparties", json={"name": "Công ty Bench"}).json()
            stages = [{"name": n, "probability": p} for n, p in STAGES]
            pipeline = session.post(
                f"{base}/pipelines", json={"name": "Bench", "mode": "simple", "stages": stages}
            ).json()
            stage_ids = [stage["id"] for stage in pipeline["stages"]]

            def open_deal(client: requests.Session, number: int) -> list[float]:
                client.headers.update(headers)
                body = {
                    "title": f"Deal {number}",
                    "pipeline_id": pipeline["id"],
                    "counterparty_id": buyer["id"],
                    "amount": "1000000",
                    "currency": "VND",
                }
                elapsed, created = timed(client, "POST", f"{base}/deals", body, 201)
                opened.put(created["id"])
                return [elapsed]

            def move_through(client: requests.Session, deal_id: str) -> list[float]:
                client.headers.update(headers)
                return [
                    timed(
                        client, "POST", f"{base}/deals/{deal_id}/stage", {"stage_id": stage_id}, 200
                    )[0]
                    for stage_id in stage_ids[1:]
                ]

            numbers: queue.Queue[int] = queue.Queue()
            for number in range(args.deals):
                numbers.put(number)
            opened: queue.Queue[str] = queue.Queue()
            creating = in_parallel(args.clients, numbers, open_deal)
            moving = in_parallel(args.clients, opened, move_through)
            catch_up = wait_for_projection(urls["deals"], args.deals * len(STAGES), timeout=600)
        found = lags(urls["deals"])

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(p / 100 * len(values)))]

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, Python {platform.python_version()}",
        "deals": args.deals,
        "clients": args.clients,
        "open": {"deals_per_s": round(args.deals / creating.seconds, 1), "p50_ms": round(creating.percentile(50), 1), "p99_ms": round(creating.percentile(99), 1), "errors": creating.errors},
        "move": {"deals_per_s": round(args.deals / moving.seconds, 1), "stage_changes_per_s": round(moving.rps, 1), "p50_ms": round(moving.percentile(50), 1), "p99_ms": round(moving.percentile(99), 1), "errors": moving.errors},
        "event_lag_ms": {"p50": round(pct(found, 50), 1), "p99": round(pct(found, 99), 1), "max": round(found[-1], 1), "events": len(found)},
        "projection_caught_up_s_after_last_move": round(catch_up, 1),
    }  # fmt: skip
    Path("var").mkdir(exist_ok=True)
    Path("var/bench-deals-latest.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
