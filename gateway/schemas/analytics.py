"""The Analytics section of API.md (classification runs, so far) as request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from gateway.schemas.common import Id, Input, Page, PageQuery, Query

Limit = float


class ClassificationIn(Input):
    parameter: Literal["revenue", "gross_profit", "quantity"] = "revenue"
    period_from: dt.date
    period_to: dt.date
    abc_limits: list[Limit] = Field(
        default_factory=lambda: [80.0, 95.0], min_length=2, max_length=2
    )
    xyz_limits: list[Limit] = Field(
        default_factory=lambda: [10.0, 25.0], min_length=2, max_length=2
    )
    xyz_period: Literal["month", "quarter"] = "month"


class RunStarted(BaseModel):
    run_id: str


class Parameters(BaseModel):
    parameter: str
    period_from: dt.date
    period_to: dt.date
    abc_limits: list[float]
    xyz_limits: list[float]
    xyz_period: str


class Run(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    reason: str | None = None
    parameters: Parameters
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    customers: int = 0
    negative: int = Field(
        0, description="customers with a negative value (gross profit); they are C"
    )


class Result(BaseModel):
    run_id: str
    counterparty_id: str
    value: str
    share: float = 0.0
    cumulative_share: float = 0.0
    abc: Literal["A", "B", "C"]
    cv: float | None = None
    xyz: Literal["X", "Y", "Z"] | None = None
    status: Literal["potential", "one_time", "regular", "lost"]
    period_from: dt.date
    period_to: dt.date
    parameter: str
    computed_at: dt.datetime


ResultPage = Page[Result]


class HistoryQuery(PageQuery):
    counterparty_id: Id


class ScheduleIn(Input):
    cron: str = Field(
        min_length=9, max_length=100, description="e.g. '0 3 * * 1': Mondays at 03:00 UTC"
    )
    parameter: Literal["revenue", "gross_profit", "quantity"] = "revenue"
    window_months: int = Field(12, ge=1, le=120)
    abc_limits: list[Limit] = Field(
        default_factory=lambda: [80.0, 95.0], min_length=2, max_length=2
    )
    xyz_limits: list[Limit] = Field(
        default_factory=lambda: [10.0, 25.0], min_length=2, max_length=2
    )
    xyz_period: Literal["month", "quarter"] = "month"
    enabled: bool = True


class Schedule(BaseModel):
    cron: str
    parameter: str
    window_months: int
    abc_limits: list[float]
    xyz_limits: list[float]
    xyz_period: str
    enabled: bool = False
    updated_at: dt.datetime


class BcgQuery(Query):
    parameter: Literal["revenue", "gross_profit", "quantity"] = "revenue"
    period_from: dt.date
    period_to: dt.date
    format: Literal["json", "csv"] = "json"


class BcgRow(BaseModel):
    counterparty_id: str
    value: float = 0.0
    previous_value: float = 0.0
    share: float = 0.0
    growth: float | None = Field(
        None, description="against the equal window before; null for a new customer"
    )
    quadrant: Literal["star", "cash_cow", "question", "dog"]


class BcgReport(BaseModel):
    items: list[BcgRow]


class GroupedQuery(Query):
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    format: Literal["json", "csv"] = "json"


class LostDealsQuery(GroupedQuery):
    group_by: Literal["reason", "stage", "competitor", "owner"] = "reason"


class FailedOrdersQuery(GroupedQuery):
    group_by: Literal["reason", "counterparty"] = "reason"


class GroupedRow(BaseModel):
    key: str | None = Field(
        None,
        description="the reason, stage, competitor, owner or counterparty id; null: none recorded",
    )
    count: int = 0
    amount: str | None = None


class GroupedReport(BaseModel):
    items: list[GroupedRow]
    internal_orders: int | None = None
