"""Query adapter of how a pipeline is doing: funnel and forecast, bottlenecks, unfinished deals
and the plan of closes (ANALYTICS.md, "Funnel and forecast" and "Bottlenecks"). Each is a few aggregate queries
over the projections; the per-deal work was done when the events were applied."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from crmkit.paging import Page, paginate_rows
from services.analytics.adapters import orm
from services.analytics.domain.reports import (
    DealOutcome,
    DealSlice,
    day_end,
    day_start,
    ratio,
)

d, st, stay, e = orm.deals.c, orm.stages.c, orm.stay_days.c, orm.stage_entries.c
ZERO = Decimal(0)
CENT = Decimal("0.01")


def _stages(session: Session, pipeline_id: str) -> list[Any]:
    rows = session.execute(
        select(st.id, st.name, st.position, st.probability, st.stall_after_days)
        .where(st.pipeline_id == pipeline_id, st.archived.is_(False))
        .order_by(st.position)
    ).all()
    return list(rows)


def _created_in(first: date | None, last: date | None) -> list[Any]:
    """The deals opened in the window, but for those archived (opened by mistake or twice)."""
    window = [d.status != orm.ARCHIVED, *([d.created_at >= day_start(first)] if first else [])]
    return window + ([d.created_at <= day_end(last)] if last else [])


def _dimension(name: str) -> ColumnElement[str]:
    """The deal's value of a dimension, as deals sent it (NULL when it sent none)."""
    return d.dimensions[name].as_string()


def _matching(where: Mapping[str, str]) -> list[ColumnElement[bool]]:
    return [_dimension(name) == value for name, value in where.items()]


def _cents(total: Decimal | float | None) -> Decimal:
    return Decimal(str(total or 0)).quantize(CENT)


def deal_outcomes(session: Session, group_by: str, wanted: DealSlice) -> list[DealOutcome]:
    """The deals of the slice by their value of one dimension: how many, open, won and lost,
    and the amounts of the won ones; most deals first."""
    pipeline = [d.pipeline_id == wanted.pipeline_id] if wanted.pipeline_id else []
    deals = (
        select(_dimension(group_by).label("key"), d.status, d.amount)
        .where(*_created_in(wanted.first, wanted.last), *pipeline, *_matching(wanted.where))
        .subquery()
    )

    def counted(status: str) -> ColumnElement[int]:
        return func.sum(case((deals.c.status == status, 1), else_=0))

    won_amount = func.sum(case((deals.c.status == "won", deals.c.amount), else_=0))
    query = select(
        deals.c.key, func.count(), counted("open"), counted("won"), counted("lost"), won_amount
    ).group_by(deals.c.key)
    rows = [
        DealOutcome(key, count, opened or 0, won or 0, lost or 0, _cents(revenue))
        for key, count, opened, won, lost, revenue in session.execute(query)
    ]
    return sorted(rows, key=lambda row: (-row.deals, row.key is None, row.key or ""))


def _month(index: int | None) -> str | None:
    return None if index is None else f"{index // 12:04d}-{index % 12 + 1:02d}"


def funnel(session: Session, pipeline_id: str, wanted: DealSlice) -> dict[str, Any] | None:
    """Deals created in the window: how many reached each stage (or a later one), conversion to
    the next, what the open ones are worth now, and the weighted forecast by month of close."""
    open_month = case((d.status == "open", d.close_month))
    query = (
        select(
            d.furthest_position,
            d.status,
            d.stage_id,
            open_month,
            func.count(),
            func.sum(d.amount),
            func.sum(d.weighted_amount),
        )
        .where(
            d.pipeline_id == pipeline_id,
            *_created_in(wanted.first, wanted.last),
            *_matching(wanted.where),
        )
        .group_by(d.furthest_position, d.status, d.stage_id, open_month)
    )
    stages = _stages(session, pipeline_id)
    if not stages:
        return None
    tally = Tally.of(session.execute(query).all())
    reaching = [sum(n for pos, n in tally.reached.items() if pos >= s.position) for s in stages]
    following = [*reaching[1:], tally.outcome["won"]]
    report_stages = [
        {
            "stage_id": s.id,
            "name": s.name,
            "count": reaching[i],
            "open": tally.open_deals[s.id],
            "amount": str(tally.open_amount[s.id]),
            "weighted_amount": str(tally.open_weighted[s.id]),
            "conversion": ratio(following[i], reaching[i]),
        }
        for i, s in enumerate(stages)
    ]
    months = sorted(tally.forecast, key=lambda m: (m is None, m or 0))
    won, lost = tally.outcome["won"], tally.outcome["lost"]
    return {
        "stages": report_stages,
        "forecast": [
            {"month": _month(m), "weighted_amount": str(tally.forecast[m])} for m in months
        ],
        "deals": sum(tally.outcome.values()),
        "won": won,
        "lost": lost,
        "win_rate": ratio(won, won + lost),
    }


@dataclass
class Tally:
    """The funnel's grouped rows added up: deals by furthest stage and by outcome, the open ones
    by current stage and by month of expected close."""

    reached: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    outcome: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    open_deals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    open_amount: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    open_weighted: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    forecast: dict[int | None, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    @classmethod
    def of(cls, rows: Any) -> Tally:
        tally = cls()
        for furthest, status, stage_id, month, count, amount, weighted in rows:
            tally.reached[-1 if furthest is None else furthest] += count
            tally.outcome[status] += count
            if status == "open":
                tally.open_deals[stage_id] += count
                tally.open_amount[stage_id] += amount or ZERO
                tally.open_weighted[stage_id] += weighted or ZERO
                tally.forecast[month] += weighted or ZERO
        return tally


@dataclass(frozen=True)
class Stays:
    """Finished stays in one stage, by whole day of their length."""

    by_day: list[tuple[int, int]]  # (day, stays), days ascending
    total_days: float

    @property
    def count(self) -> int:
        return sum(n for _, n in self.by_day)


def _stays(session: Session, stage_ids: list[str]) -> dict[str, Stays]:
    rows = session.execute(
        select(stay.stage_id, stay.day, stay.stays, stay.total_days)
        .where(stay.stage_id.in_(stage_ids), stay.stays > 0)
        .order_by(stay.stage_id, stay.day)
    ).all()
    found: dict[str, tuple[list[tuple[int, int]], float]] = defaultdict(lambda: ([], 0.0))
    for stage_id, day, stays, total in rows:
        by_day, so_far = found[stage_id]
        by_day.append((day, stays))
        found[stage_id] = (by_day, so_far + total)
    return {stage: Stays(by_day, total) for stage, (by_day, total) in found.items()}


def percentile(session: Session, stage_id: str, stays: Stays, q: float) -> float:
    """Linear interpolation between the two closest ranks (as numpy and percentile_cont do):
    the day holding the lower rank is found in the counts, the values read from that day on."""
    rank = (stays.count - 1) * q
    low = math.floor(rank)
    before, day = 0, stays.by_day[0][0]
    for day, count in stays.by_day:  # noqa: B007 - the day holding the rank is wanted
        if before + count > low:
            break
        before += count
    values = session.scalars(
        select(e.days)
        .where(e.stage_id == stage_id, e.days >= day, e.archived.is_(False))
        .order_by(e.days)
        .offset(low - before)
        .limit(2)
    ).all()
    first, second = values[0], values[-1]
    return float(first + (rank - low) * (second - first))


def bottlenecks(session: Session, pipeline_id: str, now: datetime) -> dict[str, Any] | None:
    """Per stage: time in it (average, median, p90 of finished stays, in days), the share of
    deals that entered it and were lost there, and the open deals stuck in it longer than its
    own limit (when the pipeline sets one) or else its p90."""
    stages = _stages(session, pipeline_id)
    if not stages:
        return None
    ids = [s.id for s in stages]
    stays = _stays(session, ids)
    reach = orm.stage_reach.c
    entered = _counts(session, select(reach.stage_id, reach.deals).where(reach.stage_id.in_(ids)))
    lost = _counts(
        session,
        select(d.stage_id, func.count())
        .where(d.pipeline_id == pipeline_id, d.status == "lost")
        .group_by(d.stage_id),
    )
    rows = [_bottleneck(session, pipeline_id, s, stays.get(s.id), now) for s in stages]
    for row in rows:
        row["entered"] = entered.get(row["stage_id"], 0)
        row["lost"] = lost.get(row["stage_id"], 0)
        row["drop_off_rate"] = ratio(row["lost"], row["entered"])
    return {"stages": rows}


def _counts(session: Session, query: Any) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in session.execute(query)}


def _bottleneck(
    session: Session, pipeline_id: str, stage: Any, stays: Stays | None, now: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {"stage_id": stage.id, "name": stage.name, "finished_stays": 0}
    row |= {"avg_days": None, "median_days": None, "p90_days": None, "stalled": 0}
    current = [d.pipeline_id == pipeline_id, d.status == "open", d.stage_id == stage.id]
    row["open"] = session.scalar(select(func.count()).where(*current))
    if stays is not None and stays.count:
        row |= {
            "finished_stays": stays.count,
            "avg_days": stays.total_days / stays.count,
            "median_days": percentile(session, stage.id, stays, 0.5),
            "p90_days": percentile(session, stage.id, stays, 0.9),
        }
    limit = stage.stall_after_days or row["p90_days"]
    if limit is not None:
        since = now - timedelta(days=limit)
        stalled = select(func.count()).where(*current, d.stage_entered_at < since)
        row["stalled"] = session.scalar(stalled)
    return row


UNFINISHED_GROUPS = {"stage": d.stage_id, "owner": d.owner_id, "pipeline": d.pipeline_id}


def unfinished(
    session: Session, group_by: str, pipeline_id: str | None, today: date
) -> list[dict[str, Any]]:
    """Open deals per stage, owner or pipeline: how many, their amount and weighted amount, and
    how many are past their expected close date."""
    key = UNFINISHED_GROUPS[group_by]
    late = func.sum(case((d.expected_close_date < today, 1), else_=0))
    where = [d.status == "open"] + ([d.pipeline_id == pipeline_id] if pipeline_id else [])
    query = (
        select(key, func.count(), func.sum(d.amount), func.sum(d.weighted_amount), late)
        .where(*where)
        .group_by(key)
    )
    rows = session.execute(query).all()
    found = [
        {
            "key": row[0],
            "deals": int(row[1]),
            "amount": str(row[2] or ZERO),
            "weighted_amount": str(row[3] or ZERO),
            "overdue": int(row[4] or 0),
        }
        for row in rows
    ]
    return sorted(found, key=lambda row: (-row["deals"], row["key"] or ""))


def closing_plan(
    session: Session,
    first: date,
    last: date,
    pipeline_id: str | None,
    owner_id: str | None,
    page: Page,
) -> tuple[list[dict[str, Any]], int]:
    """Open deals expected to close in the window, soonest first: the plan of closes."""
    where = [d.status == "open", d.expected_close_date.between(first, last)]
    where += [d.pipeline_id == pipeline_id] if pipeline_id else []
    where += [d.owner_id == owner_id] if owner_id else []
    query = (
        select(
            d.id,
            d.title,
            d.pipeline_id,
            d.stage_id,
            d.counterparty_id,
            d.owner_id,
            d.expected_close_date,
            d.amount,
            d.probability,
            d.weighted_amount,
        )
        .where(*where)
        .order_by(d.expected_close_date, d.id)
    )
    rows, total = paginate_rows(session, query, page)
    return [
        {
            "deal_id": row.id,
            "title": row.title or "",
            "pipeline_id": row.pipeline_id,
            "stage_id": row.stage_id,
            "counterparty_id": row.counterparty_id,
            "owner_id": row.owner_id,
            "expected_close_date": row.expected_close_date.isoformat(),
            "amount": None if row.amount is None else str(row.amount),
            "probability": row.probability,
            "weighted_amount": None if row.weighted_amount is None else str(row.weighted_amount),
        }
        for row in rows
    ], total


class SqlAlchemyPipelineReports:
    """The reports above on one session; a pipeline with no stage is unknown (None)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def funnel(self, pipeline_id: str, wanted: DealSlice) -> dict[str, Any] | None:
        return funnel(self.session, pipeline_id, wanted)

    def deal_outcomes(self, group_by: str, wanted: DealSlice) -> list[DealOutcome]:
        return deal_outcomes(self.session, group_by, wanted)

    def bottlenecks(self, pipeline_id: str, now: datetime) -> dict[str, Any] | None:
        return bottlenecks(self.session, pipeline_id, now)

    def unfinished(
        self, group_by: str, pipeline_id: str | None, today: date
    ) -> list[dict[str, Any]]:
        return unfinished(self.session, group_by, pipeline_id, today)

    def closing_plan(
        self,
        first: date,
        last: date,
        pipeline_id: str | None,
        owner_id: str | None,
        page: Page,
    ) -> tuple[list[dict[str, Any]], int]:
        return closing_plan(self.session, first, last, pipeline_id, owner_id, page)
