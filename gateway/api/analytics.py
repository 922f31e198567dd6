"""Analytics: classification runs, their results and each customer's history of classes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import grpc
from flask import Blueprint, Response, request
from pydantic import BaseModel

from crm.analytics.v1 import analytics_pb2 as pb
from crm.analytics.v1.analytics_pb2_grpc import AnalyticsStub
from gateway.api import spec
from gateway.api.convert import as_dict, from_message, page_of, page_request, set_present
from gateway.api.csv_export import as_csv
from gateway.context import gateway
from gateway.openapi import render
from gateway.schemas import analytics as s
from gateway.schemas.common import PageQuery

bp = Blueprint("analytics", __name__)
AREA = "analytics"
NOT_DATA = ("/freshness", "/schedules/")  # answers about the analytics, not of their data


def _analytics() -> AnalyticsStub:
    return gateway().clients.analytics


@bp.after_request
def _say_how_fresh(response: Response) -> Response:
    """Every answer of analytics data says how fresh it is: `as_of` and `lag_seconds` in its
    JSON, and as X-Data-As-Of and X-Data-Lag-Seconds headers (a CSV export has only those)."""
    if request.method != "GET" or response.status_code != 200:
        return response
    if any(part in request.path for part in NOT_DATA):
        return response
    as_of, lag = _data_freshness()
    if as_of is not None:
        response.headers["X-Data-As-Of"] = as_of
    if lag is not None:
        response.headers["X-Data-Lag-Seconds"] = f"{lag:.3f}"
    if response.mimetype == "application/json":
        body = json.loads(response.get_data())
        if isinstance(body, dict):
            body |= {"as_of": as_of, "lag_seconds": lag}
            response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def _data_freshness() -> tuple[str | None, float | None]:
    """The moment up to which analytics reflect every event of their sources (when behind, when
    the oldest event not applied yet happened) and the lag; unknown when a source is down."""
    try:
        found = from_message(s.Freshness, _analytics().GetFreshness(pb.Empty()))
    except grpc.RpcError:
        return None, None
    lag = max((source.lag_seconds for source in found.sources), default=0.0)
    if lag > 0:
        return (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=lag)).isoformat(), lag
    newest = [source.last_event_at for source in found.sources if source.last_event_at]
    return (max(newest).isoformat() if newest else None), 0.0


@spec.route(
    bp,
    "/analytics/classifications",
    "POST",
    summary="Start an ABC/XYZ/status classification; 202 with the run id",
    body=s.ClassificationIn,
    response=s.RunStarted,
    status=202,
    area=AREA,
    write=True,
    idempotent=True,
)
def start(body: s.ClassificationIn) -> Response:
    request = pb.ClassificationRequest(
        parameter=body.parameter,
        period_from=body.period_from.isoformat(),
        period_to=body.period_to.isoformat(),
        abc_limits=body.abc_limits,
        xyz_limits=body.xyz_limits,
        xyz_period=body.xyz_period,
        wait_seconds=body.wait_seconds,
        partial_allowed=body.partial_allowed,
    )
    run = _analytics().StartClassification(request)
    response = render(s.RunStarted(run_id=run.id), 202)
    response.headers["Location"] = f"/api/v1/analytics/classifications/{run.id}"
    return response


@spec.route(
    bp,
    "/analytics/classifications",
    "GET",
    summary="Classification runs, newest first",
    query=PageQuery,
    response=s.RunPage,
    area=AREA,
)
def list_runs(query: PageQuery) -> dict[str, Any]:
    reply = _analytics().ListClassificationRuns(page_request(query, pb.PageRequest))
    return page_of(s.Run, reply, query)


@spec.route(
    bp,
    "/analytics/classifications/history",
    "GET",
    summary="Every class a customer had, newest first",
    query=s.HistoryQuery,
    response=s.ResultPage,
    area=AREA,
)
def history(query: s.HistoryQuery) -> dict[str, Any]:
    request = pb.HistoryRequest(
        counterparty_id=query.counterparty_id, page=page_request(query, pb.PageRequest)
    )
    return page_of(s.Result, _analytics().ClassificationHistory(request), query)


@spec.route(
    bp,
    "/analytics/classifications/<run_id>",
    "GET",
    summary="A classification run: queued, running, done or failed (with the reason)",
    response=s.Run,
    area=AREA,
)
def get_run(run_id: str) -> s.Run:
    return from_message(s.Run, _analytics().GetClassificationRun(pb.RunRequest(id=run_id)))


@spec.route(
    bp,
    "/analytics/classifications/<run_id>/results",
    "GET",
    summary="One row per customer: value, share, cumulative share, ABC, CV, XYZ, status",
    query=PageQuery,
    response=s.ResultPage,
    area=AREA,
)
def results(run_id: str, query: PageQuery) -> dict[str, Any]:
    request = pb.ResultsRequest(run_id=run_id, page=page_request(query, pb.PageRequest))
    return page_of(s.Result, _analytics().ListClassificationResults(request), query)


@spec.route(
    bp,
    "/analytics/schedules/classification",
    "PUT",
    summary="Set when classification runs by itself (cron, UTC) and over how many months",
    body=s.ScheduleIn,
    response=s.Schedule,
    area=AREA,
    write=True,
)
def put_schedule(body: s.ScheduleIn) -> s.Schedule:
    message = pb.ClassificationSchedule(**body.model_dump())
    return from_message(s.Schedule, _analytics().PutClassificationSchedule(message))


@spec.route(
    bp,
    "/analytics/schedules/classification",
    "GET",
    summary="The classification schedule",
    response=s.Schedule,
    area=AREA,
)
def get_schedule() -> s.Schedule:
    return from_message(s.Schedule, _analytics().GetClassificationSchedule(pb.Empty()))


@spec.route(
    bp,
    "/analytics/bcg",
    "GET",
    summary="BCG of the customer base: share and growth against the equal window before (?format=csv for a spreadsheet)",
    query=s.BcgQuery,
    response=s.BcgReport,
    area=AREA,
)
def bcg(query: s.BcgQuery) -> Response | s.BcgReport:
    request = pb.BcgRequest(
        parameter=query.parameter,
        period_from=query.period_from.isoformat(),
        period_to=query.period_to.isoformat(),
    )
    report = from_message(s.BcgReport, _analytics().GetBcg(request))
    if query.format == "csv":
        return as_csv([row.model_dump() for row in report.items], "bcg.csv")
    return report


def _grouped(
    report_of: Callable[[pb.GroupedRequest], pb.GroupedReport],
    query: s.GroupedQuery,
    group_by: str,
    filename: str,
) -> Response | s.GroupedReport:
    request = pb.GroupedRequest(group_by=group_by)
    if query.date_from:
        request.date_from = query.date_from.isoformat()
    if query.date_to:
        request.date_to = query.date_to.isoformat()
    report = from_message(s.GroupedReport, report_of(request))
    if query.format == "csv":
        return as_csv([row.model_dump() for row in report.items], filename)
    return report


@spec.route(
    bp,
    "/analytics/lost-deals",
    "GET",
    summary="Lost deals counted and summed by reason, stage, competitor or owner",
    query=s.LostDealsQuery,
    response=s.GroupedReport,
    area=AREA,
)
def lost_deals(query: s.LostDealsQuery) -> Response | s.GroupedReport:
    return _grouped(_analytics().GetLostDeals, query, query.group_by, "lost-deals.csv")


@spec.route(
    bp,
    "/analytics/orders/failures",
    "GET",
    summary="Failed customer orders by reason or counterparty, and the number of internal orders",
    query=s.FailedOrdersQuery,
    response=s.GroupedReport,
    area=AREA,
)
def failed_orders(query: s.FailedOrdersQuery) -> Response | s.GroupedReport:
    return _grouped(_analytics().GetFailedOrders, query, query.group_by, "failed-orders.csv")


def _table(rows: list[BaseModel], filename: str, report: Any, format: str) -> Any:
    """The report as it is, or its rows as CSV."""
    if format == "csv":
        return as_csv([row.model_dump(mode="json") for row in rows], filename)
    return report


@spec.route(
    bp,
    "/analytics/funnel",
    "GET",
    summary="Funnel of a pipeline (deals created in the window): reached, conversion, open amounts, weighted forecast by month",
    query=s.FunnelQuery,
    response=s.Funnel,
    area=AREA,
)
def funnel(query: s.FunnelQuery) -> Any:
    request = pb.FunnelRequest(pipeline_id=query.pipeline_id, where=query.dimension_values())
    set_present(request, {"date_from": query.date_from, "date_to": query.date_to})
    report = from_message(s.Funnel, _analytics().GetFunnel(request))
    return _table(list(report.stages), "funnel.csv", report, query.format)


@spec.route(
    bp,
    "/analytics/deal-outcomes",
    "GET",
    summary="Deals created in a window by owner, campaign or another of their dimensions: open, won, lost, win rate and revenue won",
    query=s.DealOutcomesQuery,
    response=s.DealOutcomesReport,
    area=AREA,
)
def deal_outcomes(query: s.DealOutcomesQuery) -> Any:
    request = pb.DealOutcomesRequest(group_by=query.group_by, where=query.dimension_values())
    window = {"date_from": query.date_from, "date_to": query.date_to}
    set_present(request, {**window, "pipeline_id": query.pipeline_id})
    report = from_message(s.DealOutcomesReport, _analytics().GetDealOutcomes(request))
    filename = f"deal-outcomes-by-{query.group_by}.csv"
    return _table(list(report.items), filename, report, query.format)


@spec.route(
    bp,
    "/analytics/freshness",
    "GET",
    summary="How far the analytics have applied what each source published: its last event, how many are applied, and the lag in events and seconds",
    response=s.Freshness,
    area=AREA,
)
def freshness() -> s.Freshness:
    return from_message(s.Freshness, _analytics().GetFreshness(pb.Empty()))


@spec.route(
    bp,
    "/analytics/bottlenecks",
    "GET",
    summary="Time in each stage (avg, median, p90 days), drop-off and stalled deals of a pipeline",
    query=s.BottlenecksQuery,
    response=s.Bottlenecks,
    area=AREA,
)
def bottlenecks(query: s.BottlenecksQuery) -> Any:
    request = pb.PipelineRequest(pipeline_id=query.pipeline_id)
    report = from_message(s.Bottlenecks, _analytics().GetBottlenecks(request))
    return _table(list(report.stages), "bottlenecks.csv", report, query.format)


@spec.route(
    bp,
    "/analytics/unfinished-deals",
    "GET",
    summary="Open deals by stage, owner or pipeline: count, amount, weighted amount, overdue",
    query=s.UnfinishedQuery,
    response=s.UnfinishedReport,
    area=AREA,
)
def unfinished_deals(query: s.UnfinishedQuery) -> Any:
    request = pb.UnfinishedRequest(group_by=query.group_by)
    set_present(request, {"pipeline_id": query.pipeline_id})
    report = from_message(s.UnfinishedReport, _analytics().GetUnfinishedDeals(request))
    return _table(list(report.items), "unfinished-deals.csv", report, query.format)


@spec.route(
    bp,
    "/analytics/closing-plan",
    "GET",
    summary="The plan of closes: open deals expected to close in the window, soonest first (CSV: all pages)",
    query=s.ClosingPlanQuery,
    response=s.ClosingPlanPage,
    area=AREA,
)
def closing_plan(query: s.ClosingPlanQuery) -> Any:
    first = query.date_from or dt.date.today()
    ahead = dt.timedelta(days=90)
    last = query.date_to or min(first, dt.date.max - ahead) + ahead
    request = pb.ClosingPlanRequest(date_from=first.isoformat(), date_to=last.isoformat())
    set_present(request, {"pipeline_id": query.pipeline_id, "owner_id": query.owner_id})
    if query.format == "csv":
        rows = [s.PlannedClose.model_validate(row) for row in _all_pages(request)]
        return as_csv([row.model_dump(mode="json") for row in rows], "closing-plan.csv")
    request.page.CopyFrom(page_request(query, pb.PageRequest))
    return page_of(s.PlannedClose, _analytics().GetClosingPlan(request), query)


def _all_pages(request: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    number = 1
    while True:
        request.page.CopyFrom(pb.PageRequest(page=number, page_size=500))
        reply = _analytics().GetClosingPlan(request)
        rows += [as_dict(item) for item in reply.items]
        if not reply.items or len(rows) >= reply.total:
            return rows
        number += 1


@spec.route(
    bp,
    "/analytics/managers",
    "GET",
    summary="Manager KPIs over the window: sales, discounts, orders, contacts, completeness, wins",
    query=s.ManagersQuery,
    response=s.ManagerReport,
    area=AREA,
)
def managers(query: s.ManagersQuery) -> Any:
    request = pb.WindowRequest(
        date_from=query.date_from.isoformat(), date_to=query.date_to.isoformat()
    )
    report = from_message(s.ManagerReport, _analytics().GetManagers(request))
    return _table(list(report.items), "managers.csv", report, query.format)


@spec.route(
    bp,
    "/analytics/campaigns",
    "GET",
    summary="Campaign effectiveness: responses, deals, won, revenue, cost, ROI, acquisition rate",
    query=s.CsvQuery,
    response=s.CampaignReport,
    area=AREA,
)
def campaign_effectiveness(query: s.CsvQuery) -> Any:
    report = from_message(s.CampaignReport, _analytics().GetCampaigns(pb.Empty()))
    return _table(list(report.items), "campaigns.csv", report, query.format)


@spec.route(
    bp,
    "/analytics/win-model/train",
    "POST",
    summary="Train the win model on the closed deals of the last months; 202 with its version",
    body=s.TrainIn,
    body_optional=True,
    response=s.WinModel,
    status=202,
    area=AREA,
    write=True,
    idempotent=True,
)
def train_win_model(body: s.TrainIn) -> Response:
    request = pb.TrainRequest(
        window_months=body.window_months,
        wait_seconds=body.wait_seconds,
        partial_allowed=body.partial_allowed,
    )
    model = from_message(s.WinModel, _analytics().TrainWinModel(request))
    response = render(model, 202)
    response.headers["Location"] = f"/api/v1/analytics/win-model?version={model.version}"
    return response


@spec.route(
    bp,
    "/analytics/win-model",
    "GET",
    summary="The promoted win model (or a version): metrics against the baseline, features, window",
    query=s.WinModelQuery,
    response=s.WinModel,
    area=AREA,
)
def win_model(query: s.WinModelQuery) -> s.WinModel:
    request = set_present(pb.WinModelRequest(), {"version": query.version})
    return from_message(s.WinModel, _analytics().GetWinModel(request))


@spec.route(
    bp,
    "/deals/<deal_id>/win-probability",
    "GET",
    summary="The chance the deal is won, from the promoted model (or the stage baseline), with the factors that moved it",
    response=s.WinProbability,
    area="deals",
)
def win_probability(deal_id: str) -> s.WinProbability:
    reply = _analytics().GetWinProbability(pb.DealRequest(deal_id=deal_id))
    return from_message(s.WinProbability, reply)


@spec.route(
    bp,
    "/analytics/schedules/win-model",
    "PUT",
    summary="Set when the win model is trained again by itself (cron, UTC) and on how many months",
    body=s.TrainingScheduleIn,
    response=s.TrainingSchedule,
    area=AREA,
    write=True,
)
def put_training_schedule(body: s.TrainingScheduleIn) -> s.TrainingSchedule:
    message = pb.WinModelSchedule(**body.model_dump())
    return from_message(s.TrainingSchedule, _analytics().PutWinModelSchedule(message))


@spec.route(
    bp,
    "/analytics/schedules/win-model",
    "GET",
    summary="The win model's training schedule",
    response=s.TrainingSchedule,
    area=AREA,
)
def get_training_schedule() -> s.TrainingSchedule:
    return from_message(s.TrainingSchedule, _analytics().GetWinModelSchedule(pb.Empty()))
