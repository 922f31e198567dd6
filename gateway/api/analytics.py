"""Analytics: classification runs, their results and each customer's history of classes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from crm.analytics.v1 import analytics_pb2 as pb
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request
from gateway.api.csv_export import as_csv
from gateway.context import gateway
from gateway.openapi import render
from gateway.schemas import analytics as s
from gateway.schemas.common import PageQuery

bp = Blueprint("analytics", __name__)
AREA = "analytics"


def _analytics() -> Any:
    return gateway().clients.analytics


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
    )
    run = _analytics().call("StartClassification", request)
    response = render(s.RunStarted(run_id=run.id), 202)
    response.headers["Location"] = f"/api/v1/analytics/classifications/{run.id}"
    return response


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
    return page_of(s.Result, _analytics().call("ClassificationHistory", request), query)


@spec.route(
    bp,
    "/analytics/classifications/<run_id>",
    "GET",
    summary="A classification run: queued, running, done or failed (with the reason)",
    response=s.Run,
    area=AREA,
)
def get_run(run_id: str) -> s.Run:
    return from_message(s.Run, _analytics().call("GetClassificationRun", pb.RunRequest(id=run_id)))


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
    return page_of(s.Result, _analytics().call("ListClassificationResults", request), query)


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
    return from_message(s.Schedule, _analytics().call("PutClassificationSchedule", message))


@spec.route(
    bp,
    "/analytics/schedules/classification",
    "GET",
    summary="The classification schedule",
    response=s.Schedule,
    area=AREA,
)
def get_schedule() -> s.Schedule:
    return from_message(s.Schedule, _analytics().call("GetClassificationSchedule", pb.Empty()))


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
    report = from_message(s.BcgReport, _analytics().call("GetBcg", request))
    if query.format == "csv":
        return as_csv([row.model_dump() for row in report.items], "bcg.csv")
    return report


def _grouped(
    method: str, query: s.GroupedQuery, group_by: str, filename: str
) -> Response | s.GroupedReport:
    request = pb.GroupedRequest(group_by=group_by)
    if query.date_from:
        request.date_from = query.date_from.isoformat()
    if query.date_to:
        request.date_to = query.date_to.isoformat()
    report = from_message(s.GroupedReport, _analytics().call(method, request))
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
    return _grouped("GetLostDeals", query, query.group_by, "lost-deals.csv")


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
    return _grouped("GetFailedOrders", query, query.group_by, "failed-orders.csv")
