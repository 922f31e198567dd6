"""Reports computed from the projections on request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from crmkit.errors import InvalidInput
from services.analytics.domain import classification as rules
from services.analytics.domain.model import check_parameter, check_window
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork, Report


def bcg(uow: AnalyticsUnitOfWork, parameter: str, first: date, last: date) -> Report:
    """Each customer with a value in the window or in the equal window just before it."""
    check_parameter(parameter)
    check_window(first, last)
    before_last = first - timedelta(days=1)
    before_first = before_last - (last - first)
    with uow:
        now = uow.facts.totals(parameter, first, last)
        then = uow.facts.totals(parameter, before_first, before_last)
    ids = sorted(set(now) | set(then))
    result = rules.bcg(
        np.array([now.get(i, 0.0) for i in ids]), np.array([then.get(i, 0.0) for i in ids])
    )
    return [
        {
            "counterparty_id": customer,
            "value": now.get(customer, 0.0),
            "previous_value": then.get(customer, 0.0),
            "share": float(result.share[n]),
            "growth": None if np.isnan(result.growth[n]) else float(result.growth[n]),
            "quadrant": str(result.quadrant[n]),
        }
        for n, customer in enumerate(ids)
    ]


LOST_GROUPS = {
    "reason": "lost_reason_id",
    "stage": "stage_id",
    "competitor": "lost_to_competitor_id",
    "owner": "owner_id",
}
FAILURE_GROUPS = {"reason": "failure_reason_id", "counterparty": "counterparty_id"}


def lost_deals(
    uow: AnalyticsUnitOfWork, group_by: str, first: date | None, last: date | None
) -> Report:
    """Lost deals (closed in the window, when given) counted and summed per reason, stage,
    competitor or owner, largest first."""
    column = _group(LOST_GROUPS, group_by)
    with uow:
        return uow.reports.lost_deals(column, first, last)


def failed_orders(
    uow: AnalyticsUnitOfWork, group_by: str, first: date | None, last: date | None
) -> dict[str, Any]:
    """Failed orders per reason or counterparty, and how many internal orders there were."""
    column = _group(FAILURE_GROUPS, group_by)
    with uow:
        items, internal_orders = uow.reports.failed_orders(column, first, last)
    return {"items": items, "internal_orders": internal_orders}


def _group(allowed: dict[str, str], group_by: str) -> str:
    if group_by not in allowed:
        raise InvalidInput.field(
            "group_by",
            f"must be one of {', '.join(allowed)}",
            "not_one_of",
            expected=", ".join(allowed),
        )
    return allowed[group_by]
