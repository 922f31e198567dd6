"""ERP documents pushed in through the gateway: stored once per external id, one event per
change, a bad document rejected by field without stopping its batch."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.deals.adapters import orm
from services.deals.service_layer import reminders
from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.support import Suite


@pytest.fixture(scope="module")
def erp(suite: Suite) -> dict[str, str]:
    key = ok(
        suite.client.post(
            f"{API}/api-keys",
            json={"name": "ERP", "scopes": ["erp:write"]},
            headers=suite.headers(),
        ),
        201,
    )
    return {"X-API-Key": key["key"]}


@pytest.fixture(scope="module")
def buyer(suite: Suite) -> dict[str, Any]:
    return counterparty(
        suite, suite.headers(), tax_id=str(uuid_int())[:10], external_id=unique("ERP-C-")
    )


def uuid_int() -> int:
    import uuid

    return uuid.uuid4().int


def invoice(buyer: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "external_id": unique("INV-"),
        "number": unique("HD"),
        "date": str(date.today() - timedelta(days=5)),
        "due_date": str(date.today() + timedelta(days=25)),
        "counterparty_id": buyer["id"],
        "currency": "VND",
        "lines": [
            {
                "sku": "ST-01",
                "name": "Thép cuộn",
                "quantity": "2",
                "price": "18500000",
                "cost": "15000000",
                "discount": "500000",
            },
            {
                "sku": "ST-02",
                "name": "Thép tấm",
                "quantity": "1.5",
                "price": "2000000",
                "cost": "1000000",
            },
        ],
    }
    return {**body, **fields}


def events_of(suite: Suite, document_id: str) -> list[str]:
    with suite.deals.engine.connect() as conn:
        rows = conn.execute(select(orm.outbox.c.event_type, orm.outbox.c.body)).all()
    from crm.events.v1.envelope_pb2 import Envelope

    return sorted(
        row.event_type for row in rows if Envelope.FromString(row.body).aggregate_id == document_id
    )


def stored_count(suite: Suite, external_id: str) -> int:
    with suite.deals.engine.connect() as conn:
        query = (
            select(func.count())
            .select_from(orm.erp_documents)
            .where(orm.erp_documents.c.external_id == external_id)
        )
        return int(conn.scalar(query) or 0)


def test_an_invoice_sent_twice_is_stored_once_with_one_event(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    body = invoice(buyer)
    first = ok(suite.client.post(f"{API}/erp/invoices", json=body, headers=erp), 201)
    again = ok(suite.client.post(f"{API}/erp/invoices", json=body, headers=erp), 200)
    assert (first["outcome"], again["outcome"], again["id"]) == (
        "created",
        "unchanged",
        first["id"],
    )
    assert stored_count(suite, body["external_id"]) == 1
    assert events_of(suite, first["id"]) == ["deals.invoice.posted"]
    listed = ok(
        suite.client.get(
            f"{API}/invoices",
            query_string={"counterparty_id": buyer["id"], "page_size": 500},
            headers=suite.headers(),
        )
    )
    [mine] = [i for i in listed["items"] if i["external_id"] == body["external_id"]]
    assert [(line["revenue"], line["gross_profit"]) for line in mine["lines"]] == [
        ("36500000.00", "6500000.00"),
        ("3000000.00", "1500000.00"),
    ]
    assert mine["owner_id"] is None or isinstance(mine["owner_id"], str)


def test_a_changed_invoice_is_updated_and_its_payment_is_told_once(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    body = invoice(buyer)
    created = ok(suite.client.post(f"{API}/erp/invoices", json=body, headers=erp), 201)
    changed = {**body, "lines": body["lines"][:1]}
    assert (
        ok(suite.client.post(f"{API}/erp/invoices", json=changed, headers=erp))["outcome"]
        == "updated"
    )
    paid = {**changed, "paid_at": datetime.now(UTC).isoformat()}
    assert (
        ok(suite.client.post(f"{API}/erp/invoices", json=paid, headers=erp))["outcome"] == "updated"
    )
    assert (
        ok(suite.client.post(f"{API}/erp/invoices", json=paid, headers=erp))["outcome"]
        == "unchanged"
    )
    assert events_of(suite, created["id"]) == [
        "deals.invoice.paid",
        "deals.invoice.posted",
        "deals.invoice.updated",
        "deals.invoice.updated",
    ]
    assert stored_count(suite, body["external_id"]) == 1


def test_a_counterparty_is_found_by_tax_id_or_external_id_and_an_unknown_one_is_named(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    by_tax = invoice(buyer, counterparty_id=None, counterparty_tax_id=buyer["tax_id"])
    by_external = invoice(
        buyer, counterparty_id=None, counterparty_external_id=buyer["external_id"]
    )
    for body in (by_tax, by_external):
        body.pop("counterparty_id")
        ok(suite.client.post(f"{API}/erp/invoices", json=body, headers=erp), 201)
    unknown = invoice(buyer, counterparty_tax_id="9999999999")
    unknown.pop("counterparty_id")
    reply = suite.client.post(f"{API}/erp/invoices", json=unknown, headers=erp)
    assert reply.status_code == 422
    assert reply.get_json()["errors"][0]["field"] == "counterparty_tax_id"
    both = invoice(buyer, counterparty_tax_id=buyer["tax_id"])
    assert suite.client.post(f"{API}/erp/invoices", json=both, headers=erp).status_code == 422


def test_a_bad_document_in_a_batch_is_rejected_by_field_and_the_rest_is_stored(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    good, unknown_buyer = invoice(buyer), invoice(buyer, counterparty_id="no-such-counterparty")
    broken = invoice(buyer, lines=[{"sku": "X", "quantity": "-1"}])
    order = {
        "external_id": unique("SO-"),
        "number": "DH-1",
        "date": str(date.today()),
        "counterparty_id": buyer["id"],
        "status": "failed",
        "failure_reason": "Hết hàng",
        "lines": [{"sku": "A", "quantity": "1", "price": "10"}],
    }
    failed_without_reason = {**order, "external_id": unique("SO-"), "failure_reason": None}
    shipment = {
        "external_id": unique("SH-"),
        "number": "PX-1",
        "date": str(date.today()),
        "counterparty_id": buyer["id"],
        "invoice_external_id": good["external_id"],
        "lines": [{"sku": "ST-01", "quantity": "2"}],
    }
    body = {
        "invoices": [good, unknown_buyer, broken],
        "orders": [order, failed_without_reason],
        "shipments": [shipment],
    }
    result = ok(suite.client.post(f"{API}/erp/batch", json=body, headers=erp))
    outcomes = {
        (r["kind"], r["index"]): (r["outcome"], [e["field"] for e in r["errors"]])
        for r in result["results"]
    }
    assert outcomes == {
        ("order", 0): ("created", []),
        ("order", 1): ("rejected", ["failure_reason"]),
        ("invoice", 0): ("created", []),
        ("invoice", 1): ("rejected", ["counterparty_id"]),
        ("invoice", 2): ("rejected", ["lines.0.quantity"]),
        ("shipment", 0): ("created", []),
    }
    assert (result["created"], result["rejected"]) == (3, 3)
    assert (
        stored_count(suite, good["external_id"]) == 1
        and stored_count(suite, unknown_buyer["external_id"]) == 0
    )
    reasons = ok(
        suite.client.get(
            f"{API}/lost-reasons",
            query_string={"kind": "order", "page_size": 500},
            headers=suite.headers(),
        )
    )["items"]
    [out_of_stock] = [r for r in reasons if r["name"] == "Hết hàng"]
    assert out_of_stock["kind"] == "order"
    orders = ok(
        suite.client.get(
            f"{API}/orders", query_string={"counterparty_id": buyer["id"]}, headers=suite.headers()
        )
    )["items"]
    assert [(o["status"], o["failure_reason_id"]) for o in orders] == [
        ("failed", out_of_stock["id"])
    ]
    pipeline = ok(
        suite.client.post(
            f"{API}/pipelines",
            json={"name": unique("P "), "stages": [{"name": "Open", "probability": 10}]},
            headers=suite.headers(),
        ),
        201,
    )
    deal = ok(
        suite.client.post(
            f"{API}/deals",
            json={"title": "x", "pipeline_id": pipeline["id"], "counterparty_id": buyer["id"]},
            headers=suite.headers(),
        ),
        201,
    )
    wrong_kind = suite.client.post(
        f"{API}/deals/{deal['id']}/lose",
        json={"reason_id": out_of_stock["id"]},
        headers=suite.headers(),
    )
    assert (
        wrong_kind.status_code == 422 and wrong_kind.get_json()["errors"][0]["field"] == "reason_id"
    )


def test_the_same_batch_twice_at_once_leaves_one_document_and_one_event_each(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    body = {"invoices": [invoice(buyer) for _ in range(20)]}
    replies: list[Any] = []

    def send() -> None:
        client = suite.client.application.test_client()
        replies.append(client.post(f"{API}/erp/batch", json=body, headers=erp))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in replies] == [200, 200]
    outcomes = sorted(r["outcome"] for reply in replies for r in reply.get_json()["results"])
    assert outcomes == ["created"] * 20 + ["unchanged"] * 20
    for document in body["invoices"]:
        assert stored_count(suite, document["external_id"]) == 1
    ids = {r["id"] for r in replies[0].get_json()["results"]}
    assert all(events_of(suite, document_id) == ["deals.invoice.posted"] for document_id in ids)


def test_only_the_erp_or_an_admin_pushes_documents_and_everyone_reads_them(
    suite: Suite, buyer: dict[str, Any]
) -> None:
    manager = suite.user(unique("mgr"), ["manager"])
    assert (
        suite.client.post(f"{API}/erp/invoices", json=invoice(buyer), headers=manager).status_code
        == 403
    )
    assert suite.client.post(f"{API}/erp/invoices", json=invoice(buyer)).status_code == 401
    assert (
        suite.client.post(
            f"{API}/erp/invoices", json=invoice(buyer), headers=suite.headers()
        ).status_code
        == 201
    )
    for path in ("/orders", "/invoices", "/shipments"):
        assert suite.client.get(f"{API}{path}", headers=manager).status_code == 200


def test_an_idempotency_key_replays_the_batch_result(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    body = {"invoices": [invoice(buyer)]}
    headers = {**erp, "Idempotency-Key": unique("batch-")}
    first = ok(suite.client.post(f"{API}/erp/batch", json=body, headers=headers))
    second = suite.client.post(f"{API}/erp/batch", json=body, headers=headers)
    assert second.get_json() == first and second.headers["Idempotent-Replayed"] == "true"


def test_an_overdue_invoice_is_announced_once(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    body = invoice(
        buyer,
        date=str(date.today() - timedelta(days=40)),
        due_date=str(date.today() - timedelta(days=10)),
    )
    created = ok(suite.client.post(f"{API}/erp/invoices", json=body, headers=erp), 201)
    for _ in range(2):
        reminders.scan(suite.deals.uow(), datetime.now(UTC))
    assert events_of(suite, created["id"]).count("deals.invoice.overdue") == 1


def test_documents_appear_in_the_timeline_of_their_deal_and_counterparty(
    suite: Suite, erp: dict[str, str], buyer: dict[str, Any]
) -> None:
    pipeline = ok(
        suite.client.post(
            f"{API}/pipelines",
            json={"name": unique("P "), "stages": [{"name": "Open", "probability": 10}]},
            headers=suite.headers(),
        ),
        201,
    )
    deal = ok(
        suite.client.post(
            f"{API}/deals",
            json={"title": "Steel", "pipeline_id": pipeline["id"], "counterparty_id": buyer["id"]},
            headers=suite.headers(),
        ),
        201,
    )
    body = invoice(buyer, deal_id=deal["id"])
    ok(suite.client.post(f"{API}/erp/invoices", json=body, headers=erp), 201)
    suite.deliver_events()
    timeline = ok(suite.client.get(f"{API}/deals/{deal['id']}/timeline", headers=suite.headers()))[
        "items"
    ]
    assert any(e["kind"] == "invoice" and body["number"] in e["title"] for e in timeline)
    listed = ok(
        suite.client.get(
            f"{API}/invoices", query_string={"deal_id": deal["id"]}, headers=suite.headers()
        )
    )
    assert listed["items"][0]["owner_id"] == suite.admin_id  # the deal's owner
    unknown_deal = suite.client.post(
        f"{API}/erp/invoices", json=invoice(buyer, deal_id="nope"), headers=erp
    )
    assert (
        unknown_deal.status_code == 422
        and unknown_deal.get_json()["errors"][0]["field"] == "deal_id"
    )
