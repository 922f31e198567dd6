"""The analytics gRPC service: classification runs and history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import grpc
from google.protobuf.json_format import ParseDict

from crm.analytics.v1 import analytics_pb2 as pb
from crm.analytics.v1 import analytics_pb2_grpc as pb_grpc
from crmkit.identity import current_identity
from crmkit.paging import Page
from crmkit.protobuf import parse_date
from services.analytics.bootstrap import Analytics
from services.analytics.service_layer import (
    classification,
    pipeline_reports,
    reports,
    schedules,
    team_reports,
    win_probability,
)


def _run_message(run: Any) -> pb.ClassificationRun:
    parameters = pb.ClassificationRequest(
        parameter=run.parameter,
        period_from=run.period_from.isoformat(),
        period_to=run.period_to.isoformat(),
        abc_limits=run.abc_limits,
        xyz_limits=run.xyz_limits,
        xyz_period=run.xyz_period,
    )
    message = pb.ClassificationRun(
        id=run.id,
        status=run.status,
        parameters=parameters,
        created_at=run.created_at.isoformat(),
        customers=run.customers,
        negative=run.negative,
    )
    if run.reason:
        message.reason = run.reason
    if run.finished_at:
        message.finished_at = run.finished_at.isoformat()
    return message


def _result_message(row: Any, run: Any) -> pb.Result:
    message = pb.Result(
        run_id=row.run_id,
        counterparty_id=row.counterparty_id,
        value=str(row.value),
        share=row.share,
        cumulative_share=row.cumulative_share,
        abc=row.abc,
        status=row.status,
        period_from=run.period_from.isoformat(),
        period_to=run.period_to.isoformat(),
        parameter=run.parameter,
        computed_at=(run.finished_at or run.created_at).isoformat(),
    )
    if row.cv is not None:
        message.cv = row.cv
    if row.xyz:
        message.xyz = row.xyz
    return message


class AnalyticsServicer(pb_grpc.AnalyticsServicer):
    def __init__(self, app: Analytics) -> None:
        self.app = app

    def StartClassification(
        self, request: pb.ClassificationRequest, context: Any
    ) -> pb.ClassificationRun:
        wanted = classification.RunRequest(
            parameter=request.parameter,
            period_from=parse_date(request.period_from, "period_from"),  # type: ignore[arg-type]
            period_to=parse_date(request.period_to, "period_to"),  # type: ignore[arg-type]
            abc_limits=tuple(request.abc_limits) or (80, 95),  # type: ignore[arg-type]
            xyz_limits=tuple(request.xyz_limits) or (10, 25),  # type: ignore[arg-type]
            xyz_period=request.xyz_period or "month",
        )
        started = classification.start_run(
            self.app.sessions, wanted, current_identity(), classification.now()
        )
        assert started is not None  # no run key: always a new run
        self.app.dispatch(started["id"])
        return _run_message(classification.get_run(self.app.sessions, started["id"]))

    def GetClassificationRun(self, request: pb.RunRequest, context: Any) -> pb.ClassificationRun:
        return _run_message(classification.get_run(self.app.sessions, request.id))

    def ListClassificationRuns(self, request: pb.PageRequest, context: Any) -> pb.RunPage:
        page = Page.of(request.page, request.page_size)
        rows, total = classification.list_runs(self.app.sessions, page)
        return pb.RunPage(items=[_run_message(row) for row in rows], total=total)

    def ListClassificationResults(self, request: pb.ResultsRequest, context: Any) -> pb.ResultPage:
        rows, total = classification.results(
            self.app.sessions, request.run_id, Page.of(request.page.page, request.page.page_size)
        )
        return pb.ResultPage(items=[_result_message(row, run) for row, run in rows], total=total)

    def PutClassificationSchedule(
        self, request: pb.ClassificationSchedule, context: Any
    ) -> pb.ClassificationSchedule:
        wanted = schedules.Schedule(
            cron=request.cron,
            parameter=request.parameter or "revenue",
            window_months=request.window_months or 12,
            abc_limits=tuple(request.abc_limits) or (80, 95),  # type: ignore[arg-type]
            xyz_limits=tuple(request.xyz_limits) or (10, 25),  # type: ignore[arg-type]
            xyz_period=request.xyz_period or "month",
            enabled=request.enabled,
        )
        schedules.put_schedule(self.app.sessions, wanted, current_identity(), classification.now())
        return _schedule_message(schedules.get_schedule(self.app.sessions))

    def GetClassificationSchedule(
        self, request: pb.Empty, context: Any
    ) -> pb.ClassificationSchedule:
        return _schedule_message(schedules.get_schedule(self.app.sessions))

    def GetBcg(self, request: pb.BcgRequest, context: Any) -> pb.BcgReport:
        first = parse_date(request.period_from, "period_from")
        last = parse_date(request.period_to, "period_to")
        rows = reports.bcg(self.app.sessions, request.parameter or "revenue", first, last)  # type: ignore[arg-type]
        return pb.BcgReport(items=[pb.BcgRow(**row) for row in rows])

    def GetLostDeals(self, request: pb.GroupedRequest, context: Any) -> pb.GroupedReport:
        first, last = _window(request)
        rows = reports.lost_deals(self.app.sessions, request.group_by, first, last)
        return pb.GroupedReport(
            items=[_grouped(row["key"], row["deals"], row["amount"]) for row in rows]
        )

    def GetFailedOrders(self, request: pb.GroupedRequest, context: Any) -> pb.GroupedReport:
        first, last = _window(request)
        found = reports.failed_orders(self.app.sessions, request.group_by, first, last)
        items = [_grouped(row["key"], row["orders"], None) for row in found["items"]]
        return pb.GroupedReport(items=items, internal_orders=found["internal_orders"])

    def GetFunnel(self, request: pb.FunnelRequest, context: Any) -> pb.Funnel:
        first, last = _window(request)
        found = pipeline_reports.funnel(self.app.sessions, request.pipeline_id, first, last)
        return ParseDict(found, pb.Funnel())

    def GetBottlenecks(self, request: pb.PipelineRequest, context: Any) -> pb.Bottlenecks:
        now = classification.now()
        found = pipeline_reports.bottlenecks(self.app.sessions, request.pipeline_id, now)
        return ParseDict(found, pb.Bottlenecks())

    def GetUnfinishedDeals(
        self, request: pb.UnfinishedRequest, context: Any
    ) -> pb.UnfinishedReport:
        pipeline_id = request.pipeline_id if request.HasField("pipeline_id") else None
        today = classification.now().date()
        rows = pipeline_reports.unfinished(self.app.sessions, request.group_by, pipeline_id, today)
        return ParseDict({"items": rows}, pb.UnfinishedReport())

    def GetClosingPlan(self, request: pb.ClosingPlanRequest, context: Any) -> pb.ClosingPlan:
        rows, total = pipeline_reports.closing_plan(
            self.app.sessions,
            parse_date(request.date_from, "from"),  # type: ignore[arg-type]
            parse_date(request.date_to, "to"),  # type: ignore[arg-type]
            request.pipeline_id if request.HasField("pipeline_id") else None,
            request.owner_id if request.HasField("owner_id") else None,
            Page.of(request.page.page, request.page.page_size),
        )
        return ParseDict({"items": rows, "total": total}, pb.ClosingPlan())

    def GetManagers(self, request: pb.WindowRequest, context: Any) -> pb.ManagerReport:
        first = parse_date(request.date_from, "from")
        last = parse_date(request.date_to, "to")
        rows = team_reports.managers(self.app.sessions, first, last)  # type: ignore[arg-type]
        return ParseDict({"items": rows}, pb.ManagerReport())

    def GetCampaigns(self, request: pb.Empty, context: Any) -> pb.CampaignReport:
        return ParseDict({"items": team_reports.campaigns(self.app.sessions)}, pb.CampaignReport())

    def TrainWinModel(self, request: pb.TrainRequest, context: Any) -> pb.WinModel:
        at = win_probability.now()
        version = win_probability.request_training(
            self.app.sessions, current_identity(), at, request.window_months or 24
        )
        assert version is not None  # no run key: always a new version
        self.app.train(str(version))
        return _win_model(win_probability.get_training(self.app.sessions, version))

    def GetWinModel(self, request: pb.WinModelRequest, context: Any) -> pb.WinModel:
        version = request.version if request.HasField("version") else None
        return _win_model(win_probability.get_training(self.app.sessions, version))

    def GetWinProbability(self, request: pb.DealRequest, context: Any) -> pb.WinProbability:
        found = win_probability.win_probability(
            self.app.sessions, request.deal_id, win_probability.now()
        )
        message = pb.WinProbability(probability=found.probability, answered_by=found.answered_by)
        if found.model_version is not None:
            message.model_version = found.model_version
        for name, effect in found.factors:
            message.factors.add(name=name, effect=effect)
        return message

    def PutWinModelSchedule(
        self, request: pb.WinModelSchedule, context: Any
    ) -> pb.WinModelSchedule:
        wanted = schedules.TrainingSchedule(
            request.cron, request.window_months or 24, request.enabled
        )
        row = schedules.put_training_schedule(
            self.app.sessions, wanted, current_identity(), win_probability.now()
        )
        return _training_schedule(row)

    def GetWinModelSchedule(self, request: pb.Empty, context: Any) -> pb.WinModelSchedule:
        return _training_schedule(schedules.get_training_schedule(self.app.sessions))

    def ClassificationHistory(self, request: pb.HistoryRequest, context: Any) -> pb.ResultPage:
        rows, total = classification.history(
            self.app.sessions,
            request.counterparty_id,
            Page.of(request.page.page, request.page.page_size),
        )
        return pb.ResultPage(items=[_result_message(row, run) for row, run in rows], total=total)


def _win_model(row: Any) -> pb.WinModel:
    found = row.metrics or {}
    message = {
        "version": row.version,
        "status": row.status,
        "reason": row.reason,
        "trained_at": row.trained_at.isoformat() if row.trained_at else None,
        "n_deals": row.deals,
        "held_out": found.get("held_out", 0),
        "metrics": found.get("model"),
        "baseline_metrics": found.get("baseline"),
        "previous_metrics": found.get("current"),
        "promoted": row.promoted,
        "features": row.features or [],
        "window_from": row.window_from.isoformat() if row.window_from else None,
        "window_to": row.window_to.isoformat() if row.window_to else None,
        "created_at": row.created_at.isoformat(),
    }
    return ParseDict(message, pb.WinModel())


def _training_schedule(row: Any) -> pb.WinModelSchedule:
    return pb.WinModelSchedule(
        cron=row.cron,
        window_months=row.window_months,
        enabled=row.enabled,
        updated_at=row.updated_at.isoformat(),
    )


def _schedule_message(row: Any) -> pb.ClassificationSchedule:
    return pb.ClassificationSchedule(
        cron=row.cron,
        parameter=row.parameter,
        window_months=row.window_months,
        abc_limits=row.abc_limits,
        xyz_limits=row.xyz_limits,
        xyz_period=row.xyz_period,
        enabled=row.enabled,
        updated_at=row.updated_at.isoformat(),
    )


def _window(request: pb.GroupedRequest | pb.FunnelRequest) -> tuple[Any, Any]:
    first = parse_date(request.date_from if request.HasField("date_from") else None, "from")
    last = parse_date(request.date_to if request.HasField("date_to") else None, "to")
    return first, last


def _grouped(key: str | None, count: int, amount: str | None) -> pb.GroupedRow:
    row = pb.GroupedRow(count=count)
    if key is not None:
        row.key = key
    if amount is not None:
        row.amount = amount
    return row


def registrar(app: Analytics) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_AnalyticsServicer_to_server(AnalyticsServicer(app), server)
        return [pb.DESCRIPTOR.services_by_name["Analytics"].full_name]

    return register
