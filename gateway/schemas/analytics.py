"""The Analytics section of API.md as request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from gateway.schemas.common import Id, Input, Page, PageQuery, Query
from gateway.schemas.deals import DealDimension, DealDimensions

Limit = float


class WaitsForSources(Input):
    """A run or a training asked for: how it waits for what its sources had published."""

    wait_seconds: int = Field(
        300,
        ge=0,
        le=3600,
        description="how long the run (or training) waits for analytics to apply what its "
        "sources had published when it was asked for; after that it fails, naming the lag",
    )
    partial_allowed: bool = Field(
        False, description="after wait_seconds, compute anyway and mark the run partial"
    )


class ClassificationIn(WaitsForSources):
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


class Fresh(BaseModel):
    """What every analytics answer says of how fresh it is (gateway/api/analytics.py fills it)."""

    as_of: dt.datetime | None = Field(
        None,
        description="the analytics reflect every event of their sources up to this moment",
    )
    lag_seconds: float | None = Field(
        None, description="how far behind the sources they are; 0: current; null: unknown"
    )


class RunStarted(BaseModel):
    run_id: str


class Parameters(BaseModel):
    parameter: str
    period_from: dt.date
    period_to: dt.date
    abc_limits: list[float]
    xyz_limits: list[float]
    xyz_period: str
    wait_seconds: int = 300
    partial_allowed: bool = False


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
    awaited: dict[str, int] = Field(
        default_factory=dict,
        description="per event type, the number its source had published when the run was asked",
    )
    waited_seconds: float | None = Field(
        None, description="how long the run waited for those events to be applied"
    )
    partial: bool = Field(False, description="computed before every awaited event was applied")


class RunPage(Page[Run], Fresh):
    pass


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


class ResultPage(Page[Result], Fresh):
    pass


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


class BcgReport(Fresh):
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


class GroupedReport(Fresh):
    items: list[GroupedRow]
    internal_orders: int | None = None


class CsvQuery(Query):
    format: Literal["json", "csv"] = "json"


class FunnelQuery(CsvQuery, DealDimensions):
    pipeline_id: Id
    date_from: dt.date | None = Field(None, alias="from", description="deals created from")
    date_to: dt.date | None = Field(None, alias="to")


class DealOutcomesQuery(CsvQuery, DealDimensions):
    group_by: DealDimension = "owner"
    date_from: dt.date | None = Field(None, alias="from", description="deals created from")
    date_to: dt.date | None = Field(None, alias="to")
    pipeline_id: Id | None = None


class DealOutcome(BaseModel):
    key: str | None = Field(None, description="the owner, campaign, ... id; null: none given")
    deals: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    win_rate: float | None = Field(None, description="won / (won + lost)")
    revenue: str = Field("0", description="the amounts of the won deals")


class DealOutcomesReport(Fresh):
    items: list[DealOutcome]


class FunnelStage(BaseModel):
    stage_id: str
    name: str
    count: int = Field(0, description="deals that reached this stage or a later one")
    open: int = Field(0, description="open deals now in this stage")
    amount: str = "0"
    weighted_amount: str = "0"
    conversion: float | None = Field(
        None, description="reached the next stage / reached this one; the last: won / reached"
    )


class ForecastMonth(BaseModel):
    month: str | None = Field(None, description="YYYY-MM; null: no expected close date")
    weighted_amount: str = "0"


class Funnel(Fresh):
    stages: list[FunnelStage]
    forecast: list[ForecastMonth] = []
    deals: int = 0
    won: int = 0
    lost: int = 0
    win_rate: float | None = None


class BottlenecksQuery(CsvQuery):
    pipeline_id: Id


class BottleneckStage(BaseModel):
    stage_id: str
    name: str
    entered: int = Field(0, description="deals that ever entered the stage")
    finished_stays: int = 0
    avg_days: float | None = None
    median_days: float | None = None
    p90_days: float | None = None
    lost: int = Field(0, description="deals lost while in the stage")
    drop_off_rate: float | None = None
    open: int = 0
    stalled: int = Field(0, description="open deals in the stage for longer than its p90")


class Bottlenecks(Fresh):
    stages: list[BottleneckStage]


class UnfinishedQuery(CsvQuery):
    group_by: Literal["stage", "owner", "pipeline"] = "stage"
    pipeline_id: Id | None = None


class UnfinishedRow(BaseModel):
    key: str | None = Field(None, description="the stage, owner or pipeline id")
    deals: int = 0
    amount: str = "0"
    weighted_amount: str = "0"
    overdue: int = Field(0, description="open deals past their expected close date")


class UnfinishedReport(Fresh):
    items: list[UnfinishedRow]


class ClosingPlanQuery(PageQuery):
    date_from: dt.date | None = Field(None, alias="from", description="default: today")
    date_to: dt.date | None = Field(None, alias="to", description="default: 90 days on")
    pipeline_id: Id | None = None
    owner_id: Id | None = None
    format: Literal["json", "csv"] = "json"


class PlannedClose(BaseModel):
    deal_id: str
    title: str = ""
    pipeline_id: str
    stage_id: str
    counterparty_id: str
    owner_id: str | None = None
    expected_close_date: dt.date
    amount: str | None = None
    probability: int = 0
    weighted_amount: str | None = None


class ClosingPlanPage(Page[PlannedClose], Fresh):
    pass


class ManagersQuery(CsvQuery):
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")


class ManagerRow(BaseModel):
    owner_id: str | None = Field(None, description="null: records without an owner")
    revenue: str = "0"
    gross_profit: str = "0"
    discount_ratio: float | None = None
    orders_fulfilled: int = 0
    contacts: int = Field(0, description="interactions done")
    completeness: float | None = Field(
        None, description="mean completeness (0..1) of the owner's counterparties"
    )
    deals_won: int = 0
    win_rate: float | None = None


class ManagerReport(Fresh):
    items: list[ManagerRow]


class CampaignRow(BaseModel):
    campaign_id: str
    name: str
    responses: int = 0
    deals: int = Field(0, description="deals made from the campaign")
    won: int = 0
    revenue: str = Field("0", description="invoiced on the campaign's deals")
    cost: str | None = None
    roi: float | None = Field(None, description="(revenue - cost) / cost")
    acquisition_rate: float | None = Field(
        None, description="responses whose counterparty got its first invoice after responding"
    )


class CampaignReport(Fresh):
    items: list[CampaignRow]


class TrainIn(WaitsForSources):
    window_months: int = Field(24, ge=1, le=120, description="closed deals of the last N months")


class WinMetrics(BaseModel):
    auc: float
    brier: float


class WinModel(Fresh):
    version: int
    status: Literal["queued", "running", "done", "failed"]
    reason: str | None = None
    trained_at: dt.datetime | None = None
    n_deals: int = Field(0, description="closed deals it learned from and was tested on")
    held_out: int = Field(0, description="the newest 20 % kept for the test")
    metrics: WinMetrics | None = Field(None, description="the model on the hold-out")
    baseline_metrics: WinMetrics | None = Field(
        None, description="the stage baseline on the same hold-out"
    )
    previous_metrics: WinMetrics | None = Field(
        None, description="the model it had to beat, on the same hold-out"
    )
    promoted: bool = False
    features: list[str] = []
    window_from: dt.date | None = None
    window_to: dt.date | None = None
    created_at: dt.datetime
    awaited: dict[str, int] = Field(
        default_factory=dict,
        description="per event type, the number its source had published when it was asked",
    )
    waited_seconds: float | None = None
    partial: bool = Field(False, description="trained before every awaited event was applied")


class WinModelQuery(Query):
    version: int | None = Field(None, ge=1, le=2_000_000_000)


class WinFactor(BaseModel):
    name: str
    effect: float = Field(0.0, description="on the log-odds of winning: + raises, - lowers")


class WinProbability(Fresh):
    probability: float = 0.0
    model_version: int | None = Field(
        None, description="null: the stage baseline answered (or the deal is closed)"
    )
    factors: list[WinFactor] = []
    answered_by: Literal["model", "baseline", "outcome"] = Field(
        "model",
        description="baseline: too little history, no model promoted yet; outcome: a closed deal",
    )


class TrainingScheduleIn(Input):
    cron: str = Field(
        min_length=1, max_length=100, description="when to train, UTC, e.g. '0 2 * * 0'"
    )
    window_months: int = Field(24, ge=1, le=120)
    enabled: bool = True


class TrainingSchedule(BaseModel):
    cron: str
    window_months: int
    enabled: bool = False
    updated_at: dt.datetime


class SourceFreshness(BaseModel):
    producer: str = Field(description="the service whose events analytics reads")
    last_event_at: dt.datetime | None = Field(
        None, description="the newest event it published of the kinds analytics reads"
    )
    applied_up_to: int = Field(0, description="how many analytics applied, none missing before")
    lag_events: int = Field(0, description="published and not applied yet")
    lag_seconds: float = Field(0, description="how long the oldest of those has been waiting")


class Freshness(BaseModel):
    sources: list[SourceFreshness]
