"""API benchmark: create + read a counterparty at 16 concurrent clients, through the suite
(gateway -> gRPC -> contacts -> PostgreSQL, with auth and outbox) and through a bare
single-process Flask + SQLAlchemy baseline on the same PostgreSQL, in the same run.

    make bench            (or: .venv/bin/python -m bench.api_bench --seconds 20)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.stack import VENV_BIN, Result, processes, suite_running, wait_until_up
from tests.support import postgres_databases, rabbitmq_vhost


def drive(name: str, base: str, headers: dict[str, str], clients: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        session.headers.update(headers)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            body = {
                "name": f"Công ty Bench {uuid.uuid4().hex[:12]}",
                "region": "Hà Nội",
                "force": True,
            }
            started = time.perf_counter()
            created = session.post(f"{base}/counterparties", json=body)
            mine.append((time.perf_counter() - started) * 1000)
            if created.status_code != 201:
                failed += 1
                continue
            started = time.perf_counter()
            read = session.get(f"{base}/counterparties/{created.json()['id']}")
            mine.append((time.perf_counter() - started) * 1000)
            failed += read.status_code != 200
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, len(latencies), time.monotonic() - began, latencies, errors[0])


def merge(name: str, parts: list[Result]) -> Result:
    latencies = [value for part in parts for value in part.latencies_ms]
    return Result(
        name,
        sum(p.requests for p in parts),
        sum(p.seconds for p in parts),
        latencies,
        sum(p.errors for p in parts),
    )


@contextmanager
def baseline_running(db_url: str, port: int) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "BASELINE_DB_URL": db_url}
    command = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread", "--threads", "16", "bench.baseline_app:create_app()"]  # fmt: skip
    with processes([command], env):
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}", {}


def alternate(
    stacks: dict[str, tuple[str, dict[str, str]]], clients: int, seconds: float, rounds: int
) -> dict[str, Result]:
    """Drives the stacks in turn, round after round, so that drift in the machine's speed
    touches both alike."""
    for base, headers in stacks.values():
        drive("warm-up", base, headers, clients, 2.0)
    parts: dict[str, list[Result]] = {name: [] for name in stacks}
    for _ in range(rounds):
        for name, (base, headers) in stacks.items():
            parts[name].append(drive(name, base, headers, clients, seconds / rounds))
    return {name: merge(name, found) for name, found in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=40.0, help="measured seconds per stack")
    parser.add_argument("--gateway-workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with (
        postgres_databases("contacts", "deals", "analytics", "gateway", "baseline") as urls,
        rabbitmq_vhost() as amqp_url,
        baseline_running(urls.pop("baseline"), 8291) as baseline_stack,
        suite_running(urls, amqp_url, 8292, args.gateway_workers) as (base, headers, _env),
    ):
        stacks = {"baseline": baseline_stack, "suite": (base, headers)}
        results = alternate(stacks, args.clients, args.seconds, args.rounds)
    baseline, suite = results["baseline"], results["suite"]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "clients": args.clients,
        "seconds": args.seconds,
        "results": {
            r.name: {"requests": r.requests, "rps": round(r.rps, 1), "p50_ms": round(r.percentile(50), 1), "p99_ms": round(r.percentile(99), 1), "errors": r.errors, "mean_ms": round(statistics.fmean(r.latencies_ms), 1)}
            for r in (baseline, suite)
        },
        "ratio": round(suite.rps / baseline.rps, 3),
    }  # fmt: skip
    Path("var").mkdir(exist_ok=True)
    Path("var/bench-latest.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(
        f"\n| {report['date'][:10]} | {report['machine']} | {args.clients} | {baseline.rps:.0f} req/s, p50 {baseline.percentile(50):.1f} ms, p99 {baseline.percentile(99):.1f} ms | {suite.rps:.0f} req/s, p50 {suite.percentile(50):.1f} ms, p99 {suite.percentile(99):.1f} ms | {report['ratio']:.2f} |"
    )


if __name__ == "__main__":
    main()
