"""The one place where analytics' wire (protobuf) and its domain meet, both directions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from google.protobuf.json_format import ParseDict

from crm.analytics.v1 import analytics_pb2 as pb
from crm.events.v1 import analytics_pb2 as events_pb
from crmkit.domain import Event
from crmkit.errors import InvalidInput
from crmkit.protobuf import parse_date
from crmkit.unit_of_work import OutboundEvent
from services.analytics.domain import commands, events
from services.analytics.domain.freshness import SourceFreshness
from services.analytics.domain.model import (
    ClassificationResult,
    ClassificationRun,
    ClassificationSchedule,
    Limits,
    Score,
    TrainingSchedule,
    WinModelVersion,
)
from services.analytics.domain.reports import DealOutcome, DealSlice

# -- events out ------------------------------------------------------------------------------


def to_outbound(event: Event) -> OutboundEvent:
    if isinstance(event, events.ClassificationCompleted):
        return OutboundEvent(
            "analytics.classification.completed", event.run_id, _classification_completed(event)
        )
    if isinstance(event, events.DealScored):
        return OutboundEvent("analytics.deal.scored", event.deal_id, _deal_scored(event))
    raise TypeError(f"analytics does not publish {type(event).__name__}")


def _classification_completed(
    event: events.ClassificationCompleted,
) -> events_pb.ClassificationCompleted:
    return events_pb.ClassificationCompleted(
        run_id=event.run_id,
        classes=[
            events_pb.CounterpartyClass(
                counterparty_id=c.counterparty_id, abc=c.abc, xyz=c.xyz or "", status=c.status
            )
            for c in event.classes
        ],
    )


def _deal_scored(event: events.DealScored) -> events_pb.DealScored:
    message = events_pb.DealScored(
        deal_id=event.deal_id,
        probability=event.probability,
        factors=[events_pb.Factor(name=name, effect=effect) for name, effect in event.factors],
        scored_at=event.scored_at.isoformat(),
    )
    if event.model_version is not None:
        message.model_version = event.model_version
    return message


# -- requests in -----------------------------------------------------------------------------


def required_date(value: str, field: str) -> date:
    found = parse_date(value, field)
    if found is None:
        raise InvalidInput.field(field, "is required, a date YYYY-MM-DD")
    return found


def optional_date(message: Any, name: str, field: str) -> date | None:
    return parse_date(getattr(message, name) if message.HasField(name) else None, field)


def _limits(values: Sequence[float], default: Limits, field: str) -> Limits:
    """Two numbers; none given: the default."""
    if not values:
        return default
    if len(values) != 2:
        raise InvalidInput.field(field, f"two increasing percentages; got {len(values)} numbers")
    return values[0], values[1]


def run_classification(request: pb.ClassificationRequest) -> commands.RunClassification:
    return commands.RunClassification(
        parameter=request.parameter,
        period_from=required_date(request.period_from, "period_from"),
        period_to=required_date(request.period_to, "period_to"),
        abc_limits=_limits(request.abc_limits, (80, 95), "abc_limits"),
        xyz_limits=_limits(request.xyz_limits, (10, 25), "xyz_limits"),
        xyz_period=request.xyz_period or "month",
        wait_seconds=request.wait_seconds if request.HasField("wait_seconds") else 300,
        partial_allowed=request.partial_allowed,
    )


def schedule_classification(
    request: pb.ClassificationSchedule,
) -> commands.ScheduleClassification:
    return commands.ScheduleClassification(
        cron=request.cron,
        parameter=request.parameter or "revenue",
        window_months=request.window_months or 12,
        abc_limits=_limits(request.abc_limits, (80, 95), "abc_limits"),
        xyz_limits=_limits(request.xyz_limits, (10, 25), "xyz_limits"),
        xyz_period=request.xyz_period or "month",
        enabled=request.enabled,
    )


def schedule_training(request: pb.WinModelSchedule) -> commands.ScheduleWinModelTraining:
    return commands.ScheduleWinModelTraining(
        request.cron, request.window_months or 24, request.enabled
    )


# -- answers out -----------------------------------------------------------------------------


def run_message(run: ClassificationRun) -> pb.ClassificationRun:
    parameters = pb.ClassificationRequest(
        parameter=run.parameter,
        period_from=run.period_from.isoformat(),
        period_to=run.period_to.isoformat(),
        abc_limits=run.abc_limits,
        xyz_limits=run.xyz_limits,
        xyz_period=run.xyz_period,
        wait_seconds=run.wait_seconds,
        partial_allowed=run.partial_allowed,
    )
    message = pb.ClassificationRun(
        id=run.id,
        status=run.status,
        parameters=parameters,
        created_at=run.created_at.isoformat(),
        customers=run.customers,
        negative=run.negative,
        awaited=run.awaited,
        waited_seconds=run.waited_seconds,
        partial=run.partial,
    )
    if run.reason:
        message.reason = run.reason
    if run.finished_at:
        message.finished_at = run.finished_at.isoformat()
    return message


def result_message(result: ClassificationResult, run: ClassificationRun) -> pb.Result:
    message = pb.Result(
        run_id=result.run_id,
        counterparty_id=result.counterparty_id,
        value=str(result.value),
        share=result.share,
        cumulative_share=result.cumulative_share,
        abc=result.abc,
        status=result.status,
        period_from=run.period_from.isoformat(),
        period_to=run.period_to.isoformat(),
        parameter=run.parameter,
        computed_at=(run.finished_at or run.created_at).isoformat(),
    )
    if result.cv is not None:
        message.cv = result.cv
    if result.xyz:
        message.xyz = result.xyz
    return message


def schedule_message(schedule: ClassificationSchedule) -> pb.ClassificationSchedule:
    return pb.ClassificationSchedule(
        cron=schedule.cron,
        parameter=schedule.parameter,
        window_months=schedule.window_months,
        abc_limits=schedule.abc_limits,
        xyz_limits=schedule.xyz_limits,
        xyz_period=schedule.xyz_period,
        enabled=schedule.enabled,
        updated_at=schedule.updated_at.isoformat(),
    )


def training_schedule_message(schedule: TrainingSchedule) -> pb.WinModelSchedule:
    return pb.WinModelSchedule(
        cron=schedule.cron,
        window_months=schedule.window_months,
        enabled=schedule.enabled,
        updated_at=schedule.updated_at.isoformat(),
    )


def _metrics(found: dict[str, Any] | None) -> pb.Metrics | None:
    return None if found is None else pb.Metrics(auc=found["auc"], brier=found["brier"])


def train_win_model(request: pb.TrainRequest) -> commands.TrainWinModel:
    return commands.TrainWinModel(
        window_months=request.window_months or 24,
        wait_seconds=request.wait_seconds if request.HasField("wait_seconds") else 300,
        partial_allowed=request.partial_allowed,
    )


def win_model_message(trained: WinModelVersion) -> pb.WinModel:
    found = trained.metrics or {}
    message = pb.WinModel(
        version=trained.version,
        status=trained.status,
        n_deals=trained.deals,
        held_out=found.get("held_out", 0),
        metrics=_metrics(found.get("model")),
        baseline_metrics=_metrics(found.get("baseline")),
        previous_metrics=_metrics(found.get("current")),
        promoted=trained.promoted,
        features=trained.features or [],
        created_at=trained.created_at.isoformat(),
        awaited=trained.awaited,
        waited_seconds=trained.waited_seconds,
        partial=trained.partial,
    )
    if trained.reason is not None:
        message.reason = trained.reason
    if trained.trained_at:
        message.trained_at = trained.trained_at.isoformat()
    if trained.window_from:
        message.window_from = trained.window_from.isoformat()
    if trained.window_to:
        message.window_to = trained.window_to.isoformat()
    return message


def win_probability_message(score: Score) -> pb.WinProbability:
    message = pb.WinProbability(
        probability=score.probability,
        answered_by=score.answered_by,
        factors=[pb.WinFactor(name=name, effect=effect) for name, effect in score.factors],
    )
    if score.model_version is not None:
        message.model_version = score.model_version
    return message


def bcg_report(rows: list[dict[str, Any]]) -> pb.BcgReport:
    return pb.BcgReport(
        items=[
            pb.BcgRow(
                counterparty_id=row["counterparty_id"],
                value=row["value"],
                previous_value=row["previous_value"],
                share=row["share"],
                growth=row["growth"],
                quadrant=row["quadrant"],
            )
            for row in rows
        ]
    )


def grouped_row(key: str | None, count: int, amount: str | None) -> pb.GroupedRow:
    row = pb.GroupedRow(count=count)
    if key is not None:
        row.key = key
    if amount is not None:
        row.amount = amount
    return row


def lost_deals_report(rows: list[dict[str, Any]]) -> pb.GroupedReport:
    return pb.GroupedReport(
        items=[grouped_row(row["key"], row["deals"], row["amount"]) for row in rows]
    )


def failed_orders_report(rows: list[dict[str, Any]], internal_orders: int) -> pb.GroupedReport:
    items = [grouped_row(row["key"], row["orders"], None) for row in rows]
    return pb.GroupedReport(items=items, internal_orders=internal_orders)


def freshness_message(sources: list[SourceFreshness]) -> pb.Freshness:
    return pb.Freshness(
        sources=[
            pb.SourceFreshness(
                producer=s.producer,
                last_event_at=s.last_event_at.isoformat() if s.last_event_at else None,
                applied_up_to=s.applied_up_to,
                lag_events=s.lag_events,
                lag_seconds=s.lag_seconds,
            )
            for s in sources
        ]
    )


def funnel_slice(request: pb.FunnelRequest) -> DealSlice:
    """The funnel's deals: its window and dimension filters (the pipeline is the funnel's own)."""
    first = optional_date(request, "date_from", "from")
    last = optional_date(request, "date_to", "to")
    return DealSlice(first, last, None, dict(request.where))


def outcomes_slice(request: pb.DealOutcomesRequest) -> DealSlice:
    first = optional_date(request, "date_from", "from")
    last = optional_date(request, "date_to", "to")
    pipeline_id = request.pipeline_id if request.HasField("pipeline_id") else None
    return DealSlice(first, last, pipeline_id, dict(request.where))


def deal_outcomes_report(rows: list[DealOutcome]) -> pb.DealOutcomesReport:
    return pb.DealOutcomesReport(
        items=[
            pb.DealOutcome(
                key=row.key,
                deals=row.deals,
                open=row.open,
                won=row.won,
                lost=row.lost,
                win_rate=row.win_rate,
                revenue=str(row.revenue),
            )
            for row in rows
        ]
    )


def funnel_message(found: dict[str, Any]) -> pb.Funnel:
    return ParseDict(found, pb.Funnel())


def bottlenecks_message(found: dict[str, Any]) -> pb.Bottlenecks:
    return ParseDict(found, pb.Bottlenecks())


def unfinished_message(rows: list[dict[str, Any]]) -> pb.UnfinishedReport:
    return ParseDict({"items": rows}, pb.UnfinishedReport())


def closing_plan_message(rows: list[dict[str, Any]], total: int) -> pb.ClosingPlan:
    return ParseDict({"items": rows, "total": total}, pb.ClosingPlan())


def managers_message(rows: list[dict[str, Any]]) -> pb.ManagerReport:
    return ParseDict({"items": rows}, pb.ManagerReport())


def campaigns_message(rows: list[dict[str, Any]]) -> pb.CampaignReport:
    return ParseDict({"items": rows}, pb.CampaignReport())
