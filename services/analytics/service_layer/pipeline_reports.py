"""How a pipeline is doing: funnel and forecast, bottlenecks, unfinished deals and the plan of
closes (ANALYTICS.md, "Funnel and forecast" and "Bottlenecks"). Each is a few aggregate queries
over the projections (adapters.pipeline_views); the per-deal work was done when the events
were applied."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from crmkit.errors import InvalidInput, NotFound
from crmkit.paging import Page
from services.analytics.domain.reports import DealOutcome, DealSlice, check_dimension
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork, Report

UNFINISHED_GROUPS = ("stage", "owner", "pipeline")


def funnel(uow: AnalyticsUnitOfWork, pipeline_id: str, wanted: DealSlice) -> dict[str, Any]:
    """Deals of the slice (created in its window, with its dimension values) in the pipeline:
    how many reached each stage (or a later one), conversion to the next, what the open ones are
    worth now, and the weighted forecast by month of close."""
    with uow:
        found = uow.pipelines.funnel(pipeline_id, wanted)
    if found is None:
        raise NotFound.of("pipeline", pipeline_id)
    return found


def deal_outcomes(uow: AnalyticsUnitOfWork, group_by: str, wanted: DealSlice) -> list[DealOutcome]:
    """The deals of the slice by one of their dimensions (owner, campaign, ...): how many, how
    many still open, won and lost, the win rate and the amounts won."""
    check_dimension(group_by, "group_by")
    with uow:
        return uow.pipelines.deal_outcomes(group_by, wanted)


def bottlenecks(uow: AnalyticsUnitOfWork, pipeline_id: str, now: datetime) -> dict[str, Any]:
    """Per stage: time in it (average, median, p90 of finished stays, in days), the share of
    deals that entered it and were lost there, and the open deals stuck in it longer than its
    own limit (when the pipeline sets one) or else its p90."""
    with uow:
        found = uow.pipelines.bottlenecks(pipeline_id, now)
    if found is None:
        raise NotFound.of("pipeline", pipeline_id)
    return found


def unfinished(
    uow: AnalyticsUnitOfWork, group_by: str, pipeline_id: str | None, today: date
) -> Report:
    """Open deals per stage, owner or pipeline: how many, their amount and weighted amount, and
    how many are past their expected close date."""
    if group_by not in UNFINISHED_GROUPS:
        raise InvalidInput.field(
            "group_by",
            f"must be one of {', '.join(UNFINISHED_GROUPS)}",
            "not_one_of",
            expected=", ".join(UNFINISHED_GROUPS),
        )
    with uow:
        return uow.pipelines.unfinished(group_by, pipeline_id, today)


def closing_plan(
    uow: AnalyticsUnitOfWork,
    first: date,
    last: date,
    pipeline_id: str | None,
    owner_id: str | None,
    page: Page,
) -> tuple[Report, int]:
    """Open deals expected to close in the window, soonest first: the plan of closes."""
    if last < first:
        raise InvalidInput.field("to", "comes before from", "before_period_from")
    with uow:
        return uow.pipelines.closing_plan(first, last, pipeline_id, owner_id, page)
