"""The ERP documents section of API.md as request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator

from gateway.schemas.common import Currency, Id, Input, Page, PageQuery, ShortText, Word

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Quantity = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\d{1,12}(\.\d{1,4})?$")
]
Amount = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{1,16}(\.\d{1,4})?$")]
REFERENCES = ("counterparty_id", "counterparty_tax_id", "counterparty_external_id")


class Document(Input):
    external_id: ExternalId
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    date: dt.date
    counterparty_id: Id | None = None
    counterparty_tax_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    counterparty_external_id: ExternalId | None = None
    deal_id: Id | None = None

    @model_validator(mode="before")
    @classmethod
    def one_counterparty(cls, data: Any) -> Any:
        if isinstance(data, dict) and sum(data.get(name) is not None for name in REFERENCES) != 1:
            raise ValueError(
                "name the counterparty once: counterparty_id, counterparty_tax_id or counterparty_external_id"
            )
        return data


class OrderLine(Input):
    sku: Word
    name: ShortText = ""
    quantity: Quantity
    price: Amount = "0"
    cost: Amount = "0"


class InvoiceLine(OrderLine):
    discount: Amount = "0"


class ShipmentLine(Input):
    sku: Word
    quantity: Quantity


class OrderIn(Document):
    kind: Literal["customer", "internal"] = "customer"
    status: Literal["open", "fulfilled", "failed", "cancelled"] = "open"
    failure_reason: ShortText | None = Field(
        None, description="a failure reason's id or name (catalogue shared with lost reasons)"
    )
    currency: Currency | None = None
    lines: list[OrderLine] = Field(default_factory=list, max_length=1000)


class InvoiceIn(Document):
    due_date: dt.date | None = None
    order_external_id: ExternalId | None = None
    currency: Currency
    lines: list[InvoiceLine] = Field(min_length=1, max_length=1000)
    paid_at: AwareDatetime | None = None
    status: Literal["posted", "cancelled"] = "posted"


class ShipmentIn(Document):
    invoice_external_id: ExternalId | None = None
    lines: list[ShipmentLine] = Field(min_length=1, max_length=1000)


class BatchIn(Input):
    """Up to 1,000 documents; each is checked on its own, a bad one does not stop the rest."""

    orders: list[dict[str, Any]] = Field(
        default_factory=list, description="each as in POST /erp/orders"
    )
    invoices: list[dict[str, Any]] = Field(
        default_factory=list, description="each as in POST /erp/invoices"
    )
    shipments: list[dict[str, Any]] = Field(
        default_factory=list, description="each as in POST /erp/shipments"
    )

    @model_validator(mode="after")
    def at_most_a_thousand(self) -> BatchIn:
        if len(self.orders) + len(self.invoices) + len(self.shipments) > 1000:
            raise ValueError("at most 1,000 documents in one batch")
        return self


class FieldProblem(BaseModel):
    field: str
    message: str


class Result(BaseModel):
    kind: Literal["order", "invoice", "shipment"]
    index: int = Field(description="position in its list of the batch")
    external_id: str
    outcome: Literal["created", "updated", "unchanged", "rejected"]
    id: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


class BatchResult(BaseModel):
    results: list[Result]
    created: int
    updated: int
    unchanged: int
    rejected: int


class Line(BaseModel):
    sku: str
    name: str = ""
    quantity: str
    price: str | None = None
    cost: str | None = None
    discount: str | None = None
    revenue: str | None = None
    gross_profit: str | None = None


class ErpDocument(BaseModel):
    id: str
    external_id: str
    number: str
    date: dt.date
    counterparty_id: str
    deal_id: str | None = None
    currency: str | None = None
    lines: list[Line]
    order_kind: str | None = Field(None, description="orders: customer | internal")
    status: str | None = None
    failure_reason_id: str | None = None
    due_date: dt.date | None = None
    order_external_id: str | None = None
    paid_at: dt.datetime | None = None
    invoice_external_id: str | None = None
    owner_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


ErpPage = Page[ErpDocument]


class ErpQuery(PageQuery):
    counterparty_id: Id | None = None
    deal_id: Id | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
