"""Scale-out benchmark: the busiest path — open a deal through the gateway → its event leaves the
deals outbox → analytics projects it — with one copy of every process, then two copies of each
(gateway workers too), on the same machine and the same PostgreSQL and RabbitMQ. Rounds alternate
(1, 2, 1, 2, …) so that the machine's drift hits both alike; the ratio is two copies over one.

    .venv/bin/python -m bench.scale_bench --deals 1500 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import platform
import queue
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench.deals_bench import in_parallel, timed
from bench.stack import suite_running
from tests.support import postgres_databases, rabbitmq_vhost

# Every process the path touches, and every consumer of deals.deal.created (they share the load);
# the contacts relay tells deals of the customer, as in `make run`.
VERBS = (
    ("contacts", "serve"),
    ("contacts", "relay"),
    ("deals", "serve"),
    ("deals", "relay"),
    ("deals", "consume"),
    ("analytics", "serve"),
    ("analytics", "consume"),
    ("mail", "serve"),
    ("mail", "consume"),
)
STAGES = [{"name": "Lead", "probability": 10}, {"name": "Won?", "probability": 60}]


def projected(analytics_db: str, pipeline_id: str, expected: int, timeout: float) -> float:
    """Waits until analytics holds every deal of the round; returns when (monotonic)."""
    engine = create_engine(analytics_db)
    query = text("SELECT count(*) FROM deals WHERE pipeline_id = :pipeline")
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while conn.execute(query, {"pipeline": pipeline_id}).scalar_one() < expected:
            if time.monotonic() > deadline:
                raise RuntimeError("analytics did not project every deal in time")
            time.sleep(0.05)
            conn.rollback()
    engine.dispose()
    return time.monotonic()


def one_round(
    copies: int, deals: int, clients: int, urls: dict[str, str], amqp: str
) -> dict[str, Any]:
    with suite_running(urls, amqp, 8391, copies, VERBS, copies=copies) as (base, headers, _env):
        session = requests.Session()
        session.headers.update(headers)
        buyer = session.post(
            f"{base}/counterparties", json={"name": "Công ty Scale", "force": True}
        )
        body = {"name": f"Scale {copies} {time.time()}", "mode": "simple", "stages": STAGES}
        pipeline = session.post(f"{base}/pipelines", json=body).json()

        def open_deal(client: requests.Session, number: int) -> list[float]:
            client.headers.update(headers)
            deal = {
                "title": f"Scale deal {number}",
                "pipeline_id": pipeline["id"],
                "counterparty_id": buyer.json()["id"],
                "amount": "1000000",
                "currency": "VND",
            }
            return [timed(client, "POST", f"{base}/deals", deal, 201)[0]]

        numbers: queue.Queue[int] = queue.Queue()
        for number in range(deals):
            numbers.put(number)
        began = time.monotonic()
        opened = in_parallel(clients, numbers, open_deal)
        done = projected(urls["analytics"], pipeline["id"], deals - opened.errors, timeout=600)
    seconds = done - began
    return {
        "copies": copies,
        "deals": deals - opened.errors,
        "errors": opened.errors,
        "end_to_end_deals_per_s": round((deals - opened.errors) / seconds, 1),
        "api_deals_per_s": round(opened.rps, 1),
        "api_p50_ms": round(opened.percentile(50), 1),
        "api_p99_ms": round(opened.percentile(99), 1),
        "last_projection_after_last_accept_s": round(seconds - opened.seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each (1 and 2 copies)")
    parser.add_argument(
        "--copies", type=int, nargs="+", default=[1, 2], help="which to run: 1, 2 or both"
    )
    args = parser.parse_args()
    names = ("contacts", "deals", "analytics", "mail", "gateway")
    rounds = []
    with postgres_databases(*names) as urls, rabbitmq_vhost() as amqp_url:
        for _ in range(args.rounds):
            for copies in args.copies:
                rounds.append(one_round(copies, args.deals, args.clients, urls, amqp_url))
                print(json.dumps(rounds[-1]))

    def middle(copies: int, key: str) -> float:
        return median(r[key] for r in rounds if r["copies"] == copies)

    def ratio(key: str) -> float | None:
        if set(args.copies) != {1, 2}:
            return None
        return round(middle(2, key) / middle(1, key), 2)

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, Python {platform.python_version()}",
        "clients": args.clients,
        "rounds": rounds,
        "ratio_two_over_one_end_to_end": ratio("end_to_end_deals_per_s"),
        "ratio_two_over_one_api": ratio("api_deals_per_s"),
    }  # fmt: skip
    Path("var").mkdir(exist_ok=True)
    Path("var/bench-scale-latest.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
