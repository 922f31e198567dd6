"""The analytics gRPC service: each call one command or query, translated by adapters.proto."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import grpc

from crm.analytics.v1 import analytics_pb2 as pb
from crm.analytics.v1 import analytics_pb2_grpc as pb_grpc
from crmkit.event_log import register_event_log
from crmkit.identity import current_identity
from crmkit.paging import Page
from services.analytics.adapters import orm, proto
from services.analytics.bootstrap import Analytics
from services.analytics.entrypoints.consumer import QUEUE, ROUTES
from services.analytics.service_layer import (
    classification,
    freshness,
    pipeline_reports,
    reports,
    schedules,
    team_reports,
    win_probability,
)

Context = grpc.ServicerContext


class AnalyticsServicer(pb_grpc.AnalyticsServicer):
    def __init__(self, app: Analytics) -> None:
        self.app = app

    def StartClassification(
        self, request: pb.ClassificationRequest, context: Context
    ) -> pb.ClassificationRun:
        command = proto.run_classification(request)
        awaited = freshness.awaited(self.app.sources, ROUTES.event_types)
        started = classification.start_run(
            command, self.app.uow(), current_identity(), classification.now(), awaited
        )
        assert started is not None  # no run key: always a new run
        self.app.dispatch(started.id)
        return proto.run_message(classification.get_run(self.app.uow(), started.id))

    def GetClassificationRun(
        self, request: pb.RunRequest, context: Context
    ) -> pb.ClassificationRun:
        return proto.run_message(classification.get_run(self.app.uow(), request.id))

    def ListClassificationRuns(self, request: pb.PageRequest, context: Context) -> pb.RunPage:
        page = Page.of(request.page, request.page_size)
        runs, total = classification.list_runs(self.app.uow(), page)
        return pb.RunPage(items=[proto.run_message(run) for run in runs], total=total)

    def ListClassificationResults(
        self, request: pb.ResultsRequest, context: Context
    ) -> pb.ResultPage:
        page = Page.of(request.page.page, request.page.page_size)
        found, total = classification.results(self.app.uow(), request.run_id, page)
        items = [proto.result_message(result, run) for result, run in found]
        return pb.ResultPage(items=items, total=total)

    def ClassificationHistory(self, request: pb.HistoryRequest, context: Context) -> pb.ResultPage:
        page = Page.of(request.page.page, request.page.page_size)
        found, total = classification.history(self.app.uow(), request.counterparty_id, page)
        items = [proto.result_message(result, run) for result, run in found]
        return pb.ResultPage(items=items, total=total)

    def PutClassificationSchedule(
        self, request: pb.ClassificationSchedule, context: Context
    ) -> pb.ClassificationSchedule:
        command = proto.schedule_classification(request)
        schedules.put_schedule(command, self.app.uow(), current_identity(), classification.now())
        return proto.schedule_message(schedules.get_schedule(self.app.uow()))

    def GetClassificationSchedule(
        self, request: pb.Empty, context: Context
    ) -> pb.ClassificationSchedule:
        return proto.schedule_message(schedules.get_schedule(self.app.uow()))

    def GetBcg(self, request: pb.BcgRequest, context: Context) -> pb.BcgReport:
        first = proto.required_date(request.period_from, "period_from")
        last = proto.required_date(request.period_to, "period_to")
        parameter = request.parameter or "revenue"
        return proto.bcg_report(reports.bcg(self.app.uow(), parameter, first, last))

    def GetLostDeals(self, request: pb.GroupedRequest, context: Context) -> pb.GroupedReport:
        first, last = _window(request)
        rows = reports.lost_deals(self.app.uow(), request.group_by, first, last)
        return proto.lost_deals_report(rows)

    def GetFailedOrders(self, request: pb.GroupedRequest, context: Context) -> pb.GroupedReport:
        first, last = _window(request)
        found = reports.failed_orders(self.app.uow(), request.group_by, first, last)
        return proto.failed_orders_report(found["items"], found["internal_orders"])

    def GetFunnel(self, request: pb.FunnelRequest, context: Context) -> pb.Funnel:
        wanted = proto.funnel_slice(request)
        found = pipeline_reports.funnel(self.app.uow(), request.pipeline_id, wanted)
        return proto.funnel_message(found)

    def GetFreshness(self, request: pb.Empty, context: Context) -> pb.Freshness:
        now = classification.now()
        found = freshness.freshness(self.app.uow(), self.app.sources, ROUTES.event_types, now)
        return proto.freshness_message(found)

    def GetDealOutcomes(
        self, request: pb.DealOutcomesRequest, context: Context
    ) -> pb.DealOutcomesReport:
        wanted = proto.outcomes_slice(request)
        rows = pipeline_reports.deal_outcomes(self.app.uow(), request.group_by, wanted)
        return proto.deal_outcomes_report(rows)

    def GetBottlenecks(self, request: pb.PipelineRequest, context: Context) -> pb.Bottlenecks:
        now = classification.now()
        found = pipeline_reports.bottlenecks(self.app.uow(), request.pipeline_id, now)
        return proto.bottlenecks_message(found)

    def GetUnfinishedDeals(
        self, request: pb.UnfinishedRequest, context: Context
    ) -> pb.UnfinishedReport:
        pipeline_id = request.pipeline_id if request.HasField("pipeline_id") else None
        today = classification.now().date()
        rows = pipeline_reports.unfinished(self.app.uow(), request.group_by, pipeline_id, today)
        return proto.unfinished_message(rows)

    def GetClosingPlan(self, request: pb.ClosingPlanRequest, context: Context) -> pb.ClosingPlan:
        rows, total = pipeline_reports.closing_plan(
            self.app.uow(),
            proto.required_date(request.date_from, "from"),
            proto.required_date(request.date_to, "to"),
            request.pipeline_id if request.HasField("pipeline_id") else None,
            request.owner_id if request.HasField("owner_id") else None,
            Page.of(request.page.page, request.page.page_size),
        )
        return proto.closing_plan_message(rows, total)

    def GetManagers(self, request: pb.WindowRequest, context: Context) -> pb.ManagerReport:
        first = proto.required_date(request.date_from, "from")
        last = proto.required_date(request.date_to, "to")
        return proto.managers_message(team_reports.managers(self.app.uow(), first, last))

    def GetCampaigns(self, request: pb.Empty, context: Context) -> pb.CampaignReport:
        return proto.campaigns_message(team_reports.campaigns(self.app.uow()))

    def TrainWinModel(self, request: pb.TrainRequest, context: Context) -> pb.WinModel:
        command = proto.train_win_model(request)
        at = win_probability.now()
        awaited = freshness.awaited(self.app.sources, ROUTES.event_types)
        version = win_probability.request_training(
            command, self.app.uow(), current_identity(), at, awaited
        )
        assert version is not None  # no run key: always a new version
        self.app.train(str(version))
        return proto.win_model_message(win_probability.get_training(self.app.uow(), version))

    def GetWinModel(self, request: pb.WinModelRequest, context: Context) -> pb.WinModel:
        version = request.version if request.HasField("version") else None
        return proto.win_model_message(win_probability.get_training(self.app.uow(), version))

    def GetWinProbability(self, request: pb.DealRequest, context: Context) -> pb.WinProbability:
        found = win_probability.win_probability(
            self.app.uow(), request.deal_id, win_probability.now()
        )
        return proto.win_probability_message(found)

    def PutWinModelSchedule(
        self, request: pb.WinModelSchedule, context: Context
    ) -> pb.WinModelSchedule:
        command = proto.schedule_training(request)
        stored = schedules.put_training_schedule(
            command, self.app.uow(), current_identity(), win_probability.now()
        )
        return proto.training_schedule_message(stored)

    def GetWinModelSchedule(self, request: pb.Empty, context: Context) -> pb.WinModelSchedule:
        return proto.training_schedule_message(schedules.get_training_schedule(self.app.uow()))


def _window(request: pb.GroupedRequest) -> tuple[date | None, date | None]:
    return (
        proto.optional_date(request, "date_from", "from"),
        proto.optional_date(request, "date_to", "to"),
    )


def registrar(app: Analytics) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_AnalyticsServicer_to_server(AnalyticsServicer(app), server)
        log = register_event_log(server, app.engine, orm.outbox, QUEUE.bindings)
        return [pb.DESCRIPTOR.services_by_name["Analytics"].full_name, log]

    return register
