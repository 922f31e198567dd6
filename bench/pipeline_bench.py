"""Funnel and bottleneck reports over 1,000,000 deals on PostgreSQL.

The analytics projections of one pipeline (5 stages) are filled with 1,000,000 deals and about
2.4 million stage entries, shaped as the consumer leaves them (stays ended by the next entry,
counts of stays per whole day, deals per stage, each deal's furthest stage). Then, in the same
run: `GET /analytics/funnel` and `GET /analytics/bottlenecks` through the whole suite (HTTP →
gateway → gRPC → analytics → PostgreSQL), the same two reports called in-process, and, for
comparison, the bottlenecks computed the naive way (LEAD over all entries and percentile_cont).

    .venv/bin/python -m bench.pipeline_bench [--deals 1000000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import requests

from bench.stack import suite_running
from services.analytics import bootstrap
from services.analytics.domain.reports import DealSlice
from services.analytics.service_layer import pipeline_reports
from tests.support import postgres_databases, rabbitmq_vhost

PIPELINE = "p-bench"
STAGES = [("s0", "Lead", 10), ("s1", "Qualified", 25), ("s2", "Offer", 50)]
STAGES += [("s3", "Negotiation", 70), ("s4", "Contract", 90)]

FILL = """
SELECT setseed(0.42);
INSERT INTO stages (id, pipeline_id, name, position, probability, archived, version)
SELECT id, %(pipeline)s, name, position, probability, false, now()
FROM (VALUES {stages}) AS s(id, name, position, probability);

CREATE TEMP TABLE g AS
SELECT i,
       CASE WHEN r < 0.35 THEN 0 WHEN r < 0.60 THEN 1 WHEN r < 0.78 THEN 2
            WHEN r < 0.90 THEN 3 ELSE 4 END AS furthest,
       now() - interval '730 days' + random() * interval '700 days' AS created,
       random() AS fate
FROM (SELECT i, random() AS r FROM generate_series(1, %(deals)s) AS i) AS x;

CREATE TEMP TABLE visits AS
SELECT g.i, k, g.furthest,
       g.created + (sum(d) OVER w - d) * interval '1 second' AS entered, d
FROM g, generate_series(0, g.furthest) AS k,
     LATERAL (SELECT exp(random() * 3) * 86400 * 0.5 + 0 * k AS d) AS dur
WINDOW w AS (PARTITION BY g.i ORDER BY k);

INSERT INTO stage_entries (event_id, deal_id, stage_id, entered_at, left_at, days)
SELECT 'e' || i || '-' || k, 'd' || i, 's' || k, entered,
       CASE WHEN k < furthest THEN entered + d * interval '1 second' END,
       CASE WHEN k < furthest THEN d / 86400 END
FROM visits;

INSERT INTO deals (id, pipeline_id, counterparty_id, owner_id, stage_id, status, amount, currency,
                   probability, expected_close_date, created_at, closed_at, version, title,
                   weighted_amount, close_month, furthest_position, stage_entered_at)
SELECT 'd' || g.i, %(pipeline)s, 'c' || (g.i %% 50000), 'u' || (g.i %% 40), 's' || g.furthest,
       o.status, a.amount, 'VND', s.probability, o.close, g.created,
       CASE WHEN o.status <> 'open' THEN v.entered + interval '3 days' END, now(),
       'Deal ' || g.i, round(a.amount * s.probability / 100, 2),
       CASE WHEN o.close IS NOT NULL
            THEN extract(year FROM o.close)::int * 12 + extract(month FROM o.close)::int - 1 END,
       g.furthest, v.entered
FROM g
JOIN visits v ON v.i = g.i AND v.k = g.furthest
JOIN stages s ON s.id = 's' || g.furthest
CROSS JOIN LATERAL (SELECT round((100 + random() * 99900)::numeric, 2) AS amount) AS a
CROSS JOIN LATERAL (
    SELECT CASE WHEN g.furthest = 4 AND g.fate < 0.5 THEN 'won'
                WHEN g.fate < 0.4 THEN 'lost' ELSE 'open' END AS status,
           (current_date + (g.i %% 365))::date AS close
) AS o;

INSERT INTO stay_days (stage_id, day, stays, total_days)
SELECT stage_id, floor(days)::int, count(*), sum(days)
FROM stage_entries WHERE days IS NOT NULL GROUP BY 1, 2;

INSERT INTO stage_reach (stage_id, deals)
SELECT stage_id, count(DISTINCT deal_id) FROM stage_entries GROUP BY 1;
"""

NAIVE_BOTTLENECKS = """
WITH stays AS (
    SELECT e.stage_id,
           extract(epoch FROM lead(e.entered_at) OVER (PARTITION BY e.deal_id ORDER BY e.entered_at)
                   - e.entered_at) / 86400 AS days
    FROM stage_entries e JOIN deals d ON d.id = e.deal_id
    WHERE d.pipeline_id = %(pipeline_id)s
)
SELECT stage_id, count(days), avg(days),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY days)
FROM stays WHERE days IS NOT NULL GROUP BY stage_id
"""


def fill(dsn: str, deals: int) -> float:
    stages = ", ".join(
        f"('{sid}', '{name}', {position}, {probability})"
        for position, (sid, name, probability) in enumerate(STAGES)
    )
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in FILL.format(stages=stages).split(";\n"):
            if statement.strip():
                conn.execute(statement, {"pipeline": PIPELINE, "deals": deals})
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def timed(call: Callable[[], Any], rounds: int) -> list[float]:
    call()  # warm
    found = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        found.append((time.perf_counter() - started) * 1000)
    return found


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"| {name} | {statistics.median(times):.0f} ms | {p90:.0f} ms | {len(times)} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with (
        postgres_databases("contacts", "deals", "analytics") as urls,
        rabbitmq_vhost() as amqp,
        suite_running(urls, amqp, 8097, 1) as (api, headers, _),
    ):
        dsn = urls["analytics"].replace("postgresql+psycopg://", "postgresql://")
        seconds = fill(dsn, args.deals)
        with psycopg.connect(dsn) as conn:
            entries = conn.execute("SELECT count(*) FROM stage_entries").fetchone()
        print(f"loaded {args.deals:,} deals and {entries[0]:,} stage entries in {seconds:.0f} s")
        query = {"pipeline_id": PIPELINE, "pipeline": PIPELINE}

        def http(path: str) -> Callable[[], Any]:
            def call() -> Any:
                reply = requests.get(f"{api}{path}", params=query, headers=headers, timeout=60)
                reply.raise_for_status()
                return reply.json()

            return call

        analytics = bootstrap.bootstrap(urls["analytics"])
        now = datetime.now(UTC)
        rounds = args.rounds
        results = [
            ("funnel, HTTP end to end", timed(http("/analytics/funnel"), rounds)),
            ("bottlenecks, HTTP end to end", timed(http("/analytics/bottlenecks"), rounds)),
            (
                "funnel, service layer",
                timed(
                    lambda: pipeline_reports.funnel(
                        analytics.uow(), PIPELINE, DealSlice(None, None, None, {})
                    ),
                    rounds,
                ),
            ),
            (
                "bottlenecks, service layer",
                timed(lambda: pipeline_reports.bottlenecks(analytics.uow(), PIPELINE, now), rounds),
            ),
        ]
        with psycopg.connect(dsn) as conn:
            naive = timed(
                lambda: conn.execute(NAIVE_BOTTLENECKS, query).fetchall(),
                max(3, rounds // 5),
            )
            by_stage = {row[0]: row for row in conn.execute(NAIVE_BOTTLENECKS, query).fetchall()}
        results.append(("naive bottlenecks SQL (LEAD + percentile_cont)", naive))
        for row in pipeline_reports.bottlenecks(analytics.uow(), PIPELINE, now)["stages"]:
            if row["finished_stays"]:  # the same figures both ways
                _, count, avg, (median, p90) = by_stage[row["stage_id"]]
                assert count == row["finished_stays"], row
                assert abs(float(avg) - row["avg_days"]) < 1e-6, row
                assert abs(median - row["median_days"]) < 1e-9, row
                assert abs(p90 - row["p90_days"]) < 1e-9, row
        funnel = http("/analytics/funnel")()
    print(f"{datetime.now(UTC):%Y-%m-%d} {platform.machine()} {args.deals:,} deals")
    print("| report | p50 | p90 | runs |\n|---|---|---|---|")
    for name, times in results:
        print(summary(name, times))
    print("funnel counts:", [stage["count"] for stage in funnel["stages"]])


if __name__ == "__main__":
    main()
