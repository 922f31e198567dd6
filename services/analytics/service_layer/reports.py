"""Reports computed from the projections on request."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from crmkit.errors import InvalidInput
from services.analytics.adapters import orm
from services.analytics.adapters.facts import SqlAlchemyFacts
from services.analytics.domain import classification as rules
from services.analytics.service_layer.classification import PARAMETERS, check_window


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def day_end(day: date) -> datetime:
    """The day's last instant (a window's end, even on the last day a date can have)."""
    return datetime.combine(day, time.max, UTC)


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None (not a number) when there is nothing to divide by."""
    return part / whole if whole else None


def bcg(
    sessions: sessionmaker[Session], parameter: str, first: date, last: date
) -> list[dict[str, Any]]:
    """Each customer with a value in the window or in the equal window just before it."""
    if parameter not in PARAMETERS:
        raise InvalidInput.field("parameter", f"must be one of {', '.join(PARAMETERS)}")
    check_window(first, last)
    before_last = first - timedelta(days=1)
    before_first = before_last - (last - first)
    with sessions() as session:
        facts = SqlAlchemyFacts(session)
        now, then = (
            facts.totals(parameter, first, last),
            facts.totals(parameter, before_first, before_last),
        )
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
    sessions: sessionmaker[Session], group_by: str, first: date | None, last: date | None
) -> list[dict[str, Any]]:
    """Lost deals (closed in the window, when given) counted and summed per reason, stage,
    competitor or owner, largest first."""
    column = _group(LOST_GROUPS, group_by)
    d = orm.deals.c
    conditions = [d.status == "lost"]
    if first is not None:
        conditions.append(d.closed_at >= day_start(first))
    if last is not None:
        conditions.append(d.closed_at <= day_end(last))
    key = getattr(d, column)
    query = (
        select(key, func.count(), func.coalesce(func.sum(d.amount), 0))
        .where(and_(*conditions))
        .group_by(key)
    )
    with sessions() as session:
        rows = session.execute(query).all()
    found = [{"key": row[0], "deals": int(row[1]), "amount": str(row[2])} for row in rows]
    return sorted(found, key=lambda row: (-row["deals"], row["key"] or ""))


def failed_orders(
    sessions: sessionmaker[Session], group_by: str, first: date | None, last: date | None
) -> dict[str, Any]:
    """Failed orders per reason or counterparty, and how many internal orders there were."""
    column = _group(FAILURE_GROUPS, group_by)
    o = orm.orders.c
    window = [o.date >= first] if first else []
    window += [o.date <= last] if last else []
    key = getattr(o, column)
    failed = (
        select(key, func.count())
        .where(o.status == "failed", o.kind == "customer", *window)
        .group_by(key)
    )
    internal = select(func.count()).select_from(orm.orders).where(o.kind == "internal", *window)
    with sessions() as session:
        rows = session.execute(failed).all()
        internal_orders = int(session.scalar(internal) or 0)
    items = sorted(
        ({"key": row[0], "orders": int(row[1])} for row in rows),
        key=lambda row: (-row["orders"], row["key"] or ""),
    )
    return {"items": items, "internal_orders": internal_orders}


def _group(allowed: dict[str, str], group_by: str) -> str:
    if group_by not in allowed:
        raise InvalidInput.field("group_by", f"must be one of {', '.join(allowed)}")
    return allowed[group_by]
