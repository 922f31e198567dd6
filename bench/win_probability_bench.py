"""How fast `GET /deals/{id}/win-probability` answers from the promoted model.

The analytics projections get 200,000 deals of one pipeline (as in bench/pipeline_bench.py) with
their stage entries, plus interactions, participants and invoices of 50,000 counterparties;
the win model is trained on them through the service layer (features from the projections, fit,
hold-out metrics, promotion) and the time of that is printed too. Then 1,000 requests for random
open deals go through the whole suite (HTTP → gateway → gRPC → analytics: the deal's features
read from PostgreSQL at that moment, scored by the promoted model with its factors).

    .venv/bin/python -m bench.win_probability_bench [--deals 200000] [--calls 1000]
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import time
from datetime import UTC, datetime

import psycopg
import requests

from bench.pipeline_bench import fill
from bench.stack import percentile, suite_running
from crmkit.identity import SYSTEM
from services.analytics import bootstrap
from services.analytics.domain.commands import ComputeWinModel, TrainWinModel
from services.analytics.service_layer import win_probability
from tests.support import postgres_databases, rabbitmq_vhost

SURROUNDINGS = """
SELECT setseed(0.7);
INSERT INTO interactions (id, counterparty_id, owner_id, kind, done_at)
SELECT 'i' || n, 'c' || (n %% 50000), 'u' || (n %% 40), 'call',
       now() - random() * interval '730 days'
FROM generate_series(1, %(deals)s) AS n;
INSERT INTO participants (id, deal_id, role, attitude, influence, added_at)
SELECT 'p' || n, 'd' || (n * 4), (ARRAY['competitor', 'influencer', 'partner'])[1 + n %% 3],
       (ARRAY['positive', 'neutral', 'negative'])[1 + (n / 3) %% 3], 50, d.created_at
FROM generate_series(1, %(deals)s / 4) AS n JOIN deals d ON d.id = 'd' || (n * 4);
INSERT INTO invoices (id, counterparty_id, deal_id, date, status, version)
SELECT 'inv' || n, 'c' || (n %% 50000), NULL, (now() - random() * interval '730 days')::date,
       'posted', now()
FROM generate_series(1, %(deals)s / 2) AS n;
UPDATE deals SET status = 'lost'
WHERE status = 'won' AND random() < 0.7
  AND id IN (SELECT deal_id FROM participants WHERE role = 'competitor');
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    with (
        postgres_databases("contacts", "deals", "analytics") as urls,
        rabbitmq_vhost() as amqp,
        suite_running(urls, amqp, 8098, 1) as (api, headers, _),
    ):
        dsn = urls["analytics"].replace("postgresql+psycopg://", "postgresql://")
        fill(dsn, args.deals)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for statement in SURROUNDINGS.split(";\n"):
                if statement.strip():
                    conn.execute(statement, {"deals": args.deals})
            conn.execute("VACUUM ANALYZE")
            open_deals = [
                row[0] for row in conn.execute("SELECT id FROM deals WHERE status = 'open'")
            ]
        analytics = bootstrap.bootstrap(urls["analytics"])
        at = datetime.now(UTC)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        version = win_probability.request_training(
            TrainWinModel(window_months=24), analytics.uow(), SYSTEM, at
        )
        assert version is not None
        win_probability.execute_training(ComputeWinModel(version), analytics.uow(), at)
        trained = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        model = win_probability.get_training(analytics.uow(), version)
        assert model.promoted, model.metrics
        rng = random.Random(3)
        http = requests.Session()

        def ask(deal_id: str) -> float:
            begun = time.perf_counter()
            reply = http.get(f"{api}/deals/{deal_id}/win-probability", headers=headers, timeout=10)
            reply.raise_for_status()
            assert reply.json()["model_version"] == version
            return (time.perf_counter() - begun) * 1000

        for _ in range(50):
            ask(rng.choice(open_deals))
        times = [ask(rng.choice(open_deals)) for _ in range(args.calls)]
    metrics = model.metrics
    print(f"{datetime.now(UTC):%Y-%m-%d} {platform.machine()} {args.deals:,} deals")
    print(
        f"training from the projections: {trained:.1f} s on {model.deals:,} closed deals "
        f"(peak RSS of this process {peak / 1024:.0f} MiB, {before / 1024:.0f} MiB before); "
        f"hold-out AUC model {metrics['model']['auc']:.3f} vs baseline {metrics['baseline']['auc']:.3f}"
    )
    print(
        f"GET /deals/{{id}}/win-probability x {args.calls}: p50 {percentile(times, 0.5):.1f} ms, "
        f"p90 {percentile(times, 0.9):.1f} ms, p99 {percentile(times, 0.99):.1f} ms, "
        f"max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
