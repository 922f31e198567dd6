"""ERP documents: pushed in by the ERP (API key with erp:write), read by everyone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, ValidationError

from crm.deals.v1 import deals_pb2 as pb
from gateway.api import spec
from gateway.api.convert import page_of, page_request, set_present
from gateway.context import gateway
from gateway.errors import ApiError, from_validation_error
from gateway.openapi import render
from gateway.schemas import erp as s

bp = Blueprint("erp", __name__)
SCHEMAS: dict[str, type[s.Document]] = {
    "order": s.OrderIn,
    "invoice": s.InvoiceIn,
    "shipment": s.ShipmentIn,
}
LISTS = {"orders": "order", "invoices": "invoice", "shipments": "shipment"}


def _message(kind: str, document: BaseModel) -> pb.ErpDocument:
    values = document.model_dump(exclude={"lines", "kind"})
    if kind == "order":
        values["order_kind"] = getattr(document, "kind")  # noqa: B009 - the order's own `kind`
    message = set_present(pb.ErpDocument(kind=kind), values)
    for line in getattr(document, "lines"):  # noqa: B009
        message.lines.add(**line.model_dump())
    return message  # type: ignore[return-value]


def _ingest(messages: list[pb.ErpDocument]) -> list[pb.ErpResult]:
    reply = gateway().clients.deals.IngestErpDocuments(pb.ErpBatch(documents=messages), timeout=60)
    return list(reply.results)


def _single(kind: str, document: BaseModel) -> Response:
    [result] = _ingest([_message(kind, document)])
    if result.outcome == "rejected":
        errors = [{"field": e.field, "message": e.message} for e in result.errors]
        raise ApiError(422, "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors)
    body = {"id": result.id, "external_id": result.external_id, "outcome": result.outcome}
    return render(body, 201 if result.outcome == "created" else 200)


@spec.route(
    bp,
    "/erp/orders",
    "POST",
    summary="Upsert a customer or internal order by external_id",
    body=s.OrderIn,
    status=201,
    area="erp",
    write=True,
    idempotent=True,
)
def upsert_order(body: s.OrderIn) -> Response:
    return _single("order", body)


@spec.route(
    bp,
    "/erp/invoices",
    "POST",
    summary="Upsert an invoice by external_id",
    body=s.InvoiceIn,
    status=201,
    area="erp",
    write=True,
    idempotent=True,
)
def upsert_invoice(body: s.InvoiceIn) -> Response:
    return _single("invoice", body)


@spec.route(
    bp,
    "/erp/shipments",
    "POST",
    summary="Upsert a shipment (delivery note) by external_id",
    body=s.ShipmentIn,
    status=201,
    area="erp",
    write=True,
    idempotent=True,
)
def upsert_shipment(body: s.ShipmentIn) -> Response:
    return _single("shipment", body)


@spec.route(
    bp,
    "/erp/batch",
    "POST",
    summary="Upsert up to 1,000 documents; per-document results, a bad one does not stop the rest",
    body=s.BatchIn,
    response=s.BatchResult,
    area="erp",
    write=True,
    idempotent=True,
)
def batch(body: s.BatchIn) -> s.BatchResult:
    results: list[dict[str, Any]] = []
    messages: list[pb.ErpDocument] = []
    positions: list[tuple[str, int]] = []
    for list_name, kind in LISTS.items():
        for index, raw in enumerate(getattr(body, list_name)):
            try:
                document = SCHEMAS[kind].model_validate(raw)
            except ValidationError as error:
                problems = from_validation_error(error, "document").errors
                results.append(
                    {
                        "kind": kind,
                        "index": index,
                        "external_id": str(raw.get("external_id", "")),
                        "outcome": "rejected",
                        "errors": problems,
                    }
                )
                continue
            messages.append(_message(kind, document))
            positions.append((kind, index))
    for (kind, index), result in zip(positions, _ingest(messages) if messages else [], strict=True):
        problems = [{"field": e.field, "message": e.message} for e in result.errors]
        results.append(
            {
                "kind": kind,
                "index": index,
                "external_id": result.external_id,
                "outcome": result.outcome,
                "id": result.id or None,
                "errors": problems,
            }
        )
    order = list(LISTS.values())
    results.sort(key=lambda r: (order.index(r["kind"]), r["index"]))
    counts = {
        outcome: sum(r["outcome"] == outcome for r in results)
        for outcome in ("created", "updated", "unchanged", "rejected")
    }
    return s.BatchResult.model_validate({"results": results, **counts})


def _listing(kind: str, query: s.ErpQuery) -> dict[str, Any]:
    wanted = {
        "counterparty_id": query.counterparty_id,
        "deal_id": query.deal_id,
        "date_from": query.date_from,
        "date_to": query.date_to,
    }
    request = set_present(
        pb.ListErpRequest(kind=kind, page=page_request(query, pb.PageRequest)), wanted
    )
    return page_of(s.ErpDocument, gateway().clients.deals.ListErpDocuments(request), query)


@spec.route(
    bp,
    "/orders",
    "GET",
    summary="Orders from the ERP",
    query=s.ErpQuery,
    response=s.ErpPage,
    area="erp",
)
def list_orders(query: s.ErpQuery) -> dict[str, Any]:
    return _listing("order", query)


@spec.route(
    bp,
    "/invoices",
    "GET",
    summary="Invoices from the ERP, lines with revenue and gross profit",
    query=s.ErpQuery,
    response=s.ErpPage,
    area="erp",
)
def list_invoices(query: s.ErpQuery) -> dict[str, Any]:
    return _listing("invoice", query)


@spec.route(
    bp,
    "/shipments",
    "GET",
    summary="Shipments from the ERP",
    query=s.ErpQuery,
    response=s.ErpPage,
    area="erp",
)
def list_shipments(query: s.ErpQuery) -> dict[str, Any]:
    return _listing("shipment", query)
