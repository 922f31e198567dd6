"""ERP ingest benchmark: 100,000 invoice lines (10,000 invoices of 10 lines) through
`POST /erp/batch` (1,000 documents a batch), end to end until every event is published,
against the same rows inserted by one SQLAlchemy bulk insert, in the same run.

    .venv/bin/python -m bench.erp_bench
"""

from __future__ import annotations

import argparse
import json
import platform
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import (
    Column,
    Date,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
)

from bench.stack import suite_running
from services.deals.adapters import orm
from tests.support import postgres_databases, rabbitmq_vhost

VERBS = (("contacts", "serve"), ("deals", "serve"), ("analytics", "serve"), ("deals", "relay"))


def invoices(count: int, lines: int, counterparty_id: str) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"INV-{uuid.uuid4().hex}",
            "number": f"HD{number:06d}",
            "date": str(date.today()),
            "due_date": str(date.today()),
            "counterparty_id": counterparty_id,
            "currency": "VND",
            "lines": [
                {
                    "sku": f"SKU-{n:03d}",
                    "name": f"Hàng {n}",
                    "quantity": "3",
                    "price": "125000",
                    "cost": "90000",
                    "discount": "5000",
                }
                for n in range(lines)
            ],
        }
        for number in range(count)
    ]


def send_all(
    base: str, headers: dict[str, str], documents: list[dict[str, Any]], size: int, senders: int
) -> list[float]:
    batches = [documents[i : i + size] for i in range(0, len(documents), size)]
    latencies: list[float] = []
    lock = threading.Lock()

    def sender(mine: list[list[dict[str, Any]]]) -> None:
        session = requests.Session()
        session.headers.update(headers)
        for chunk in mine:
            started = time.perf_counter()
            reply = session.post(f"{base}/erp/batch", json={"invoices": chunk}, timeout=300)
            assert reply.status_code == 200 and reply.json()["created"] == len(chunk), reply.text[
                :500
            ]
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=sender, args=(batches[i::senders],)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def wait_for_events(deals_db: str, timeout: float = 600) -> None:
    engine = create_engine(deals_db)
    began = time.monotonic()
    with engine.connect() as conn:
        while conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one():
            if time.monotonic() - began > timeout:
                raise RuntimeError("the relay did not publish everything in time")
            time.sleep(0.2)
            conn.rollback()
    engine.dispose()


def line_baseline(db_url: str, documents: list[dict[str, Any]], counterparty_id: str) -> float:
    """The issue's baseline: the same invoice lines, one row each, by one bulk insert."""
    metadata = MetaData()
    table = Table(
        "invoice_lines",
        metadata,
        Column("invoice_external_id", String(100)), Column("number", String(100)), Column("date", Date),
        Column("counterparty_id", String(36)), Column("currency", String(3)), Column("sku", String(100)),
        Column("name", String(300)), Column("quantity", Numeric(18, 4)), Column("price", Numeric(18, 2)),
        Column("cost", Numeric(18, 2)), Column("discount", Numeric(18, 2)),
    )  # fmt: skip
    engine = create_engine(db_url)
    metadata.create_all(engine)
    rows = [
        {
            "invoice_external_id": d["external_id"],
            "number": d["number"],
            "date": date.today(),
            "counterparty_id": counterparty_id,
            "currency": "VND",
            **line,
        }
        for d in documents
        for line in d["lines"]
    ]
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def document_baseline(db_url: str, documents: list[dict[str, Any]], counterparty_id: str) -> float:
    """A stricter one: the rows exactly as the suite stores them (a document with its lines as
    JSON), by one bulk insert, with no validation, no events and no HTTP."""
    metadata = MetaData()
    table = Table(
        "erp_documents", metadata, *(column._copy() for column in orm.erp_documents.columns)
    )
    engine = create_engine(db_url)
    metadata.create_all(engine)
    now = datetime.now(UTC)
    rows = [
        {
            **dict.fromkeys(c.name for c in table.columns),
            "id": str(uuid.uuid4()), "kind": "invoice", "external_id": d["external_id"], "number": d["number"],
            "date": date.today(), "due_date": date.today(), "counterparty_id": counterparty_id, "currency": "VND",
            "lines": d["lines"], "status": "posted", "content_hash": uuid.uuid4().hex, "created_at": now, "updated_at": now,
        }
        for d in documents
    ]  # fmt: skip
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(table)) == len(documents)
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=2)
    args = parser.parse_args()
    with (
        postgres_databases("contacts", "deals", "analytics", "gateway", "baseline") as urls,
        rabbitmq_vhost() as amqp_url,
    ):
        baseline_url = urls.pop("baseline")
        with suite_running(urls, amqp_url, 8294, 1, VERBS) as (base, headers, _env):
            buyer = requests.post(
                f"{base}/counterparties", json={"name": "Công ty ERP"}, headers=headers
            ).json()
            key = requests.post(
                f"{base}/api-keys", json={"name": "ERP", "scopes": ["erp:write"]}, headers=headers
            ).json()["key"]
            documents = invoices(args.invoices, args.lines, buyer["id"])
            started = time.perf_counter()
            latencies = send_all(base, {"X-API-Key": key}, documents, args.batch, args.senders)
            acknowledged = time.perf_counter() - started
            wait_for_events(urls["deals"])
            end_to_end = time.perf_counter() - started
        bulk = line_baseline(baseline_url, documents, buyer["id"])
        stored_rows = document_baseline(baseline_url, documents, buyer["id"])
    suite_rate, baseline_rate = args.invoices / end_to_end, args.invoices / bulk
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, Python {platform.python_version()}",
        "invoices": args.invoices,
        "lines": args.invoices * args.lines,
        "batch": args.batch,
        "senders": args.senders,
        "suite": {
            "documents_per_s_end_to_end": round(suite_rate, 1),
            "lines_per_s_end_to_end": round(suite_rate * args.lines, 1),
            "seconds_until_acknowledged": round(acknowledged, 2),
            "seconds_until_events_published": round(end_to_end, 2),
            "batch_p50_s": round(sorted(latencies)[len(latencies) // 2], 2),
            "batch_max_s": round(max(latencies), 2),
        },
        "baseline_bulk_insert_of_the_lines": {
            "documents_per_s": round(baseline_rate, 1),
            "seconds": round(bulk, 2),
        },
        "ratio": round(suite_rate / baseline_rate, 3),
        "stricter_baseline_bulk_insert_of_stored_documents": {
            "documents_per_s": round(args.invoices / stored_rows, 1),
            "seconds": round(stored_rows, 2),
            "ratio": round(suite_rate * stored_rows / args.invoices, 3),
        },
    }
    Path("var").mkdir(exist_ok=True)
    Path("var/bench-erp-latest.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
