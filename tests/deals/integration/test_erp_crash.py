"""The deals service killed (SIGKILL) in the middle of ERP batches: every batch the ERP was
told succeeded is there afterwards, once, with its events."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date

import grpc
import pytest
from sqlalchemy import select

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1 import deals_pb2_grpc
from crmkit.identity import Identity
from services.deals.adapters import orm
from tests.deals.integration.helpers import counterparty
from tests.support import Suite

pytestmark = pytest.mark.integration
ERP = Identity("apikey:test", scopes=frozenset({"erp:write"}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_deals(suite: Suite, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(suite.settings.data_dir),
        "CRM_DEALS_DB_URL": suite.settings.db_url("deals"),
        "CRM_CONTACTS_ADDR": suite.contacts_address,
        "CRM_DEALS_ADDR": f"127.0.0.1:{port}",
        "CRM_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen([sys.executable, "-m", "services.deals", "serve"], env=env)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    grpc.channel_ready_future(channel).result(timeout=20)
    channel.close()
    return server


def batch(counterparty_id: str, size: int) -> pb.ErpBatch:
    documents = []
    for _ in range(size):
        document = pb.ErpDocument(
            kind="invoice",
            external_id=f"CRASH-{uuid.uuid4().hex}",
            number="HD",
            date=str(date.today()),
            counterparty_id=counterparty_id,
            currency="VND",
        )
        document.lines.add(sku="A", name="A", quantity="1", price="100", cost="50")
        documents.append(document)
    return pb.ErpBatch(documents=documents)


def test_killing_the_deals_service_mid_batch_loses_nothing_the_erp_was_told_was_stored(
    postgres_suite: Suite,
) -> None:
    suite = postgres_suite
    buyer = counterparty(suite, suite.headers())
    port = free_port()
    server = start_deals(suite, port)
    acknowledged: list[str] = []
    failures = [0]
    stop = threading.Event()

    def erp() -> None:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        stub = deals_pb2_grpc.DealsStub(channel)
        while not stop.is_set():
            sent = batch(buyer["id"], 50)
            try:
                reply = stub.IngestErpDocuments(sent, timeout=5, metadata=ERP.to_metadata())
            except grpc.RpcError:
                failures[0] += 1
                time.sleep(0.05)
                continue
            assert all(result.outcome == "created" for result in reply.results)
            acknowledged.extend(document.external_id for document in sent.documents)
        channel.close()

    sender = threading.Thread(target=erp)
    sender.start()
    try:
        time.sleep(2.0)
        server.send_signal(signal.SIGKILL)
        server.wait()
        time.sleep(0.5)
        server = start_deals(suite, port)
        time.sleep(2.0)
    finally:
        stop.set()
        sender.join(timeout=30)
        server.terminate()
        server.wait(timeout=30)
    assert failures[0] >= 1, "the kill should have failed at least one batch"
    assert len(acknowledged) >= 100
    with suite.deals.engine.connect() as conn:
        stored = conn.execute(
            select(orm.erp_documents.c.external_id, orm.erp_documents.c.id).where(
                orm.erp_documents.c.external_id.like("CRASH-%")
            )
        ).all()
        posted = conn.execute(
            select(orm.outbox.c.event_type).where(orm.outbox.c.event_type == "deals.invoice.posted")
        ).all()
    stored_ids = [row.external_id for row in stored]
    assert set(acknowledged) <= set(stored_ids)
    assert len(stored_ids) == len(set(stored_ids))
    assert len(posted) == len(
        stored_ids
    )  # one event per stored document: this module's database is its own
