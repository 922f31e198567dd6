"""Classification benchmark (issue #5): 1,000,000 customers x 24 months of sales facts.

On a fresh PostgreSQL database, migrated like the analytics service's own, the customers and
their sales facts are loaded by COPY (not measured). Then, in the same run:

(a) lower bound: the facts already in memory as numpy arrays -> a dense customers x months
    matrix -> ABC, XYZ and status as small integer codes, nothing else;
(b) our core on the same arrays: the per-customer figures the database hands over (value, sum
    of squares of the monthly totals, invoices, invoiced before), made here with numpy, then
    the domain's `classify` (shares, cumulative shares, labels), as a run does;
(c) a whole run through the service layer (`execute_run` on PostgreSQL: SQL aggregation,
    compute, 1,000,000 result rows stored, completed events in parts) in a child process, so
    that the loading does not count in its peak memory (VmHWM); PostgreSQL's own memory is not
    in it.

(a) and (b) are the best of three; their classes are compared, and (c)'s counts per class are
compared with (a)'s.

    .venv/bin/python -m bench.classification_bench [--customers 1000000]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import platform
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from crmkit.db import migrate
from crmkit.identity import Identity
from services.analytics import bootstrap
from services.analytics.adapters.facts import SqlAlchemyFacts
from services.analytics.domain import classification as rules
from services.analytics.domain.commands import ComputeClassification, RunClassification
from services.analytics.service_layer import classification

SERVER = "host=127.0.0.1 user=postgres"
FIRST, LAST, MONTHS = date(2024, 1, 1), date(2025, 12, 31), 24
ABC, XYZ = np.array(["A", "B", "C"]), np.array(["X", "Y", "Z", ""])
STATUS = np.array(["potential", "lost", "one_time", "regular"])


@dataclass
class Sales:
    """The facts as arrays, one entry per invoice line; customers are numbered in id order."""

    ids: list[str]
    customer: np.ndarray  # int64
    month: np.ndarray  # months since FIRST; -1 is the month before the window
    day: np.ndarray
    revenue: np.ndarray  # whole dong, as float64
    invoice: np.ndarray
    line_no: np.ndarray


def make_sales(customers: int, seed: int = 5) -> Sales:
    """Skewed levels (log-normal), 8 % who never bought, 4 % who bought only before the window,
    18 % buying every month with little spread, the rest in some months only (Beta(0.5, 1.5)
    of them, so many zero months); a quarter of the invoices have two lines."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(4, customers, p=[0.08, 0.04, 0.18, 0.70])
    chance = np.where(kind == 2, 1.0, np.where(kind == 3, rng.beta(0.5, 1.5, customers), 0.0))
    spread = np.where(
        kind == 2, rng.uniform(0.02, 0.35, customers), rng.uniform(0.1, 1.0, customers)
    )
    level = rng.lognormal(15, 1.4, customers)
    customer, month = np.nonzero(rng.random((customers, MONTHS)) < chance[:, None])
    lost = np.flatnonzero(kind == 1)
    customer = np.concatenate((customer, lost))
    month = np.concatenate((month, np.full(len(lost), -1)))
    amount = np.maximum(np.round(level[customer] * rng.lognormal(0, spread[customer])), 1.0)
    two = rng.random(len(customer)) < 0.25
    first_line = np.where(two, np.maximum(np.round(amount * 0.6), 1.0), amount)
    invoice, day = np.arange(len(customer)), rng.integers(1, 29, len(customer))
    return Sales(
        ids=sorted(
            str(uuid.UUID(int=int(n), version=4)) for n in rng.integers(0, 2**62, customers)
        ),
        customer=np.concatenate((customer, customer[two])),
        month=np.concatenate((month, month[two])),
        day=np.concatenate((day, day[two])),
        revenue=np.concatenate((first_line, amount[two] - first_line[two])),
        invoice=np.concatenate((invoice, invoice[two])),
        line_no=np.concatenate((np.zeros(len(customer), np.int64), np.ones(two.sum(), np.int64))),
    )


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"crm_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(f"{SERVER} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load(database: str, sales: Sales) -> None:
    """COPY the customers and the sales facts into the migrated projection tables."""
    now = datetime.now(UTC).isoformat()
    days = {
        (m, d): date(FIRST.year + (m + 12) // 12 - 1, (m + 12) % 12 + 1, d).isoformat()
        for m in range(-1, MONTHS)
        for d in range(1, 29)
    }
    with psycopg.connect(f"{SERVER} dbname={database}") as conn:
        with conn.cursor().copy(
            "COPY customers (id, name, roles, completeness, deleted, version) FROM STDIN"
        ) as copy:
            copy.write(
                "".join(f"{i}\tKhách {i[:8]}\t,customer,\t80\tf\t{now}\n" for i in sales.ids)
            )
        columns = (
            sales.invoice.tolist(), sales.line_no.tolist(), sales.customer.tolist(),
            sales.month.tolist(), sales.day.tolist(), sales.revenue.astype(np.int64).tolist(),
        )  # fmt: skip
        rows = zip(*columns, strict=True)
        with conn.cursor().copy(
            "COPY sales_facts (invoice_id, line_no, counterparty_id, date, sku, quantity, revenue,"
            " gross_profit, discount) FROM STDIN"
        ) as copy:
            block = io.StringIO()
            for n, (invoice, line, who, month, day, revenue) in enumerate(rows, start=1):
                block.write(
                    f"00000000-0000-4000-8000-{invoice:012x}\t{line}\t{sales.ids[who]}\t"
                    f"{days[month, day]}\tSKU-{line}\t1\t{revenue}\t{revenue // 5}\t0\n"
                )
                if n % 500_000 == 0:
                    copy.write(block.getvalue())
                    block = io.StringIO()
            copy.write(block.getvalue())
    with psycopg.connect(f"{SERVER} dbname={database}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE customers")
        conn.execute("VACUUM ANALYZE sales_facts")


def lower_bound(sales: Sales, customers: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense matrix -> ABC, XYZ, status codes (indexes into ABC, XYZ, STATUS)."""
    inside = sales.month >= 0
    key = sales.customer[inside] * MONTHS + sales.month[inside]
    dense = np.bincount(key, sales.revenue[inside], customers * MONTHS).reshape(customers, -1)
    values = dense.sum(axis=1)
    order = np.argsort(-values, kind="stable")  # customers are numbered in id order
    ranked = values[order]
    share = ranked / ranked[ranked > 0].sum() * 100
    greater = (np.cumsum(share) - share)[np.searchsorted(-ranked, -ranked, side="left")]
    abc = np.empty(customers, np.int8)
    abc[order] = np.where(ranked <= 0, 2, np.where(greater < 80, 0, np.where(greater < 95, 1, 2)))
    mean = dense.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = dense.std(axis=1) / np.abs(mean) * 100
    xyz = np.where(mean == 0, 3, np.where(cv <= 10, 0, np.where(cv <= 25, 1, 2)))
    invoices = np.bincount(sales.customer[inside & (sales.line_no == 0)], minlength=customers)
    before = np.bincount(sales.customer[~inside], minlength=customers) > 0
    status = np.where(invoices == 0, np.where(before, 1, 0), np.where(invoices > 1, 3, 2))
    return abc, xyz, status


def figures(sales: Sales, ids: np.ndarray, customers: int) -> rules.CustomerFigures:
    """What the database's aggregation hands a run, one row per customer, made with numpy."""
    inside = sales.month >= 0
    key = sales.customer[inside] * MONTHS + sales.month[inside]
    totals = np.bincount(key, sales.revenue[inside], customers * MONTHS).reshape(customers, -1)
    first_lines = inside & (sales.line_no == 0)
    return rules.CustomerFigures(
        ids=ids,
        value=totals.sum(axis=1),
        sum_of_squares=np.square(totals).sum(axis=1),
        invoices=np.bincount(sales.customer[first_lines], minlength=customers),
        invoiced_before=np.bincount(sales.customer[~inside], minlength=customers) > 0,
    )


def best_of(times: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(times):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def whole_run(database: str, only_the_query: bool, answer: Any) -> None:
    """In a child process: one classification run through the service layer (or only its
    aggregation query), with its time and the process's peak resident memory."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    analytics = bootstrap.bootstrap(url)
    before = memory_kib("VmRSS")
    started = time.perf_counter()
    if only_the_query:
        with analytics.sessions() as session:
            found = SqlAlchemyFacts(session).customer_figures("revenue", FIRST, LAST, "month")
        run_id, customers = "", len(found.ids)
    else:
        command = RunClassification("revenue", FIRST, LAST)
        director = Identity("bench", frozenset({"director"}))
        run = classification.start_run(command, analytics.uow(), director, datetime.now(UTC))
        assert run is not None
        classification.execute_run(
            ComputeClassification(run.id), analytics.uow(), datetime.now(UTC)
        )
        run_id, customers = run.id, classification.get_run(analytics.uow(), run.id).customers
    answer.send(
        {
            "seconds": time.perf_counter() - started,
            "rss_before_mib": before / 1024,
            "peak_mib": memory_kib("VmHWM") / 1024,
            "run_id": run_id,
            "customers": customers,
        }
    )


def in_child(database: str, only_the_query: bool) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    mine, theirs = spawn.Pipe()
    child = spawn.Process(target=whole_run, args=(database, only_the_query, theirs))
    child.start()
    found: dict[str, Any] = mine.recv()
    child.join()
    return found


def stored_counts(database: str, run_id: str) -> tuple[dict[tuple[str, str, str], int], int]:
    with psycopg.connect(f"{SERVER} dbname={database}") as conn:
        rows = conn.execute(
            "SELECT abc, coalesce(xyz, ''), status, count(*) FROM classification_results"
            " WHERE run_id = %s GROUP BY 1, 2, 3",
            (run_id,),
        ).fetchall()
        events = conn.execute(
            "SELECT count(*) FROM outbox WHERE event_type = 'analytics.classification.completed'"
        ).fetchone()
    return {(a, x, s): n for a, x, s, n in rows}, int(events[0]) if events else 0


def counts(abc: np.ndarray, xyz: np.ndarray, status: np.ndarray) -> dict[tuple[str, str, str], int]:
    return dict(Counter(zip(abc.tolist(), xyz.tolist(), status.tolist(), strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.customers
    started = time.perf_counter()
    sales = make_sales(n)
    generated = time.perf_counter() - started
    with fresh_database() as database:
        migrate(f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}", bootstrap.MIGRATIONS)
        started = time.perf_counter()
        load(database, sales)
        loaded = time.perf_counter() - started
        bound_s, (abc, xyz, status) = best_of(3, lambda: lower_bound(sales, n))
        ids = np.array(sales.ids)  # as the adapter makes them
        figures_s, made = best_of(3, lambda: figures(sales, ids, n))
        classify_s, found = best_of(3, lambda: rules.classify(made, MONTHS))
        expected = (ABC[abc], XYZ[xyz], STATUS[status])
        differing = int(
            (
                (found.abc.abc != expected[0])
                | (found.xyz.xyz != expected[1])
                | (found.status != expected[2])
            ).sum()
        )
        query = in_child(database, only_the_query=True)
        run = in_child(database, only_the_query=False)
        stored, events = stored_counts(database, run["run_id"])
    core_s = figures_s + classify_s
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, Python {platform.python_version()}",
        "customers": n,
        "months": MONTHS,
        "sales_facts": len(sales.customer),
        "generate_s": round(generated, 1),
        "load_by_copy_s": round(loaded, 1),
        "a_dense_numpy_lower_bound_s": round(bound_s, 3),
        "b_core_s": round(core_s, 3),
        "b_core_figures_s": round(figures_s, 3),
        "b_core_classify_s": round(classify_s, 3),
        "b_over_a": round(core_s / bound_s, 2),
        "b_classes_differing_from_a": differing,
        "c_aggregation_query_s": round(query["seconds"], 1),
        "c_aggregation_query_peak_mib": round(query["peak_mib"]),
        "c_whole_run_s": round(run["seconds"], 1),
        "c_whole_run_rss_before_mib": round(run["rss_before_mib"]),
        "c_whole_run_peak_mib": round(run["peak_mib"]),
        "c_customers": run["customers"],
        "c_completed_events": events,
        "c_class_counts_match_a": stored == counts(*expected),
        "classes": {
            str(label or "none"): int((found_labels == label).sum())
            for found_labels, labels in zip(expected, (ABC, XYZ, STATUS), strict=True)
            for label in labels
        },
    }
    Path("var").mkdir(exist_ok=True)
    Path("var/bench-classification-latest.json").write_text(json.dumps(report, indent=2))
    print(table(report))


def table(r: dict[str, Any]) -> str:
    rows = [
        ("facts", f"{r['customers']:,} customers x {r['months']} months: {r['sales_facts']:,} invoice lines (generated {r['generate_s']} s, COPY {r['load_by_copy_s']} s, not measured)"),
        ("(a) dense numpy lower bound", f"{r['a_dense_numpy_lower_bound_s']} s: arrays -> dense matrix -> ABC/XYZ/status codes"),
        ("(b) our core, same arrays", f"{r['b_core_s']} s = figures {r['b_core_figures_s']} s + classify {r['b_core_classify_s']} s; {r['b_classes_differing_from_a']} classes differ from (a)"),
        ("(b) / (a)", f"{r['b_over_a']} (goal <= 3)"),
        ("(c) aggregation query alone", f"{r['c_aggregation_query_s']} s, peak RSS {r['c_aggregation_query_peak_mib']} MiB"),
        ("(c) whole run, execute_run", f"{r['c_whole_run_s']} s, peak RSS {r['c_whole_run_peak_mib']} MiB (goal < 2048; {r['c_whole_run_rss_before_mib']} MiB before the run)"),
        ("classes (a)", ", ".join(f"{k} {v:,}" for k, v in r["classes"].items())),
        ("(c) stored / told", f"{r['c_customers']:,} results, {r['c_completed_events']} completed events; class counts match (a): {r['c_class_counts_match_a']}"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


if __name__ == "__main__":
    main()
