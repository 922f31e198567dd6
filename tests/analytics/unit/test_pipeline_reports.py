"""Funnel and bottlenecks from a generated pipeline history, checked against figures computed
here independently (numpy percentiles over every finished stay), whatever order the events
arrive in."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from crm.deals.v1 import deals_pb2
from crm.events.v1 import deals_pb2 as deal_events
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import make_session_factory
from crmkit.errors import InvalidInput, NotFound
from services.analytics.adapters import orm
from services.analytics.adapters.unit_of_work import SqlAlchemyUnitOfWork
from services.analytics.domain.reports import DealSlice
from services.analytics.service_layer import pipeline_reports
from tests.analytics.unit.test_projections import envelope, fresh_database, replay

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=120)
STAGES = ["lead", "offer", "contract"]
PROBABILITY = {"lead": 10, "offer": 40, "contract": 80}
EVERY_DEAL = DealSlice(None, None, None, {})


def pipeline_event(at: datetime, stall_after_days: dict[str, int] | None = None) -> Envelope:
    pipeline = deals_pb2.Pipeline(id="p-1", name="Wholesale", mode="simple")
    limits = stall_after_days or {}
    for position, stage in enumerate(STAGES):
        added = pipeline.stages.add(
            id=stage, name=stage.title(), probability=PROBABILITY[stage], position=position
        )
        if stage in limits:
            added.stall_after_days = limits[stage]
    return envelope("deals.pipeline.created", deal_events.PipelineChanged(pipeline=pipeline), at)


def a_deal(number: int, stage: str, status: str, at: datetime, amount: str) -> deals_pb2.Deal:
    deal = deals_pb2.Deal(
        id=f"d-{number:03d}",
        title=f"Deal {number}",
        pipeline_id="p-1",
        counterparty_id="cp-1",
        stage_id=stage,
        status=status,
        probability=PROBABILITY[stage],
        created_at=T0.isoformat(),
        updated_at=at.isoformat(),
        amount=amount,
        currency="VND",
        expected_close_date=(T0 + timedelta(days=30 * (number % 4))).date().isoformat(),
    )
    if status != "open":
        deal.closed_at = at.isoformat()
    return deal


def a_history(seed: int = 7, deals: int = 60) -> tuple[list[Envelope], list[dict[str, Any]]]:
    """Deals wandering through the stages (sometimes back), some won or lost; returns the events
    and, for the independent computation, each deal's visits and outcome."""
    rng = random.Random(seed)
    events, truth = [pipeline_event(T0)], []
    for number in range(deals):
        at = T0 + timedelta(hours=rng.randint(0, 200))
        amount = f"{rng.randint(1, 90) * 100}.00"
        visits = [("lead", at)]
        while rng.random() < 0.7 and len(visits) < 5:
            at += timedelta(hours=rng.randint(1, 24 * 20), minutes=rng.randint(0, 59))
            here = STAGES.index(visits[-1][0])
            step = rng.choice([1, 1, 1, -1]) if 0 < here < 2 else (1 if here == 0 else -1)
            visits.append((STAGES[here + step], at))
        status = rng.choice(["open", "open", "won", "lost"])
        for stage, entered in visits:
            deal = a_deal(number, stage, "open", entered, amount)
            changed = deal_events.DealStageChanged(
                deal=deal, to_stage_id=stage, at=entered.isoformat()
            )
            events.append(envelope("deals.deal.stage_changed", changed, entered))
        if status != "open":
            closed = at + timedelta(hours=5)
            deal = a_deal(number, visits[-1][0], status, closed, amount)
            events.append(
                envelope(f"deals.deal.{status}", deal_events.DealChanged(deal=deal), closed)
            )
        truth.append({"visits": visits, "status": status, "amount": float(amount)})
    return events, truth


def expected_bottlenecks(truth: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    stays: dict[str, list[float]] = defaultdict(list)
    entered: dict[str, set[int]] = defaultdict(set)
    for number, deal in enumerate(truth):
        visits = deal["visits"]
        for (stage, start), (_, end) in pairwise(visits):
            stays[stage].append((end - start).total_seconds() / 86400)
        for stage, _ in visits:
            entered[stage].add(number)
    found = {}
    for stage in STAGES:
        days = np.array(stays[stage])
        p90 = float(np.percentile(days, 90))
        current = [d for d in truth if d["visits"][-1][0] == stage]
        stalled = [
            d
            for d in current
            if d["status"] == "open" and (NOW - d["visits"][-1][1]) > timedelta(days=p90)
        ]
        lost = sum(1 for d in current if d["status"] == "lost")
        found[stage] = {
            "finished_stays": len(days),
            "avg_days": pytest.approx(float(days.mean())),
            "median_days": pytest.approx(float(np.percentile(days, 50))),
            "p90_days": pytest.approx(p90),
            "entered": len(entered[stage]),
            "lost": lost,
            "drop_off_rate": pytest.approx(lost / len(entered[stage])),
            "open": sum(1 for d in current if d["status"] == "open"),
            "stalled": len(stalled),
        }
    return found


def sessions_after(tmp_path: Path, events: list[Envelope]) -> Any:
    engine = fresh_database(tmp_path)
    replay(engine, events)
    return make_session_factory(engine)


def uow_after(tmp_path: Path, events: list[Envelope]) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(sessions_after(tmp_path, events))


def test_time_in_stage_drop_off_and_stalled_deals_match_every_stay_counted_by_hand(
    tmp_path: Path,
) -> None:
    events, truth = a_history()
    random.Random(1).shuffle(events)  # late and early events alike
    report = pipeline_reports.bottlenecks(uow_after(tmp_path, events), "p-1", NOW)
    expected = expected_bottlenecks(truth)
    assert [row["stage_id"] for row in report["stages"]] == STAGES
    for row in report["stages"]:
        assert {k: row[k] for k in expected[row["stage_id"]]} == expected[row["stage_id"]]


def test_funnel_counts_deals_that_reached_a_stage_or_went_beyond_it(tmp_path: Path) -> None:
    events, truth = a_history(seed=11)
    random.Random(2).shuffle(events)
    report = pipeline_reports.funnel(uow_after(tmp_path, events), "p-1", EVERY_DEAL)
    furthest = [max(STAGES.index(stage) for stage, _ in d["visits"]) for d in truth]
    reached = [sum(1 for f in furthest if f >= position) for position in range(len(STAGES))]
    won = sum(1 for d in truth if d["status"] == "won")
    lost = sum(1 for d in truth if d["status"] == "lost")
    assert [row["count"] for row in report["stages"]] == reached
    conversions = [row["conversion"] for row in report["stages"]]
    assert conversions == pytest.approx(
        [reached[1] / reached[0], reached[2] / reached[1], won / reached[2]]
    )
    assert (report["won"], report["lost"]) == (won, lost)
    assert report["win_rate"] == pytest.approx(won / (won + lost))
    for position, stage in enumerate(STAGES):
        here = [d for d in truth if d["status"] == "open" and d["visits"][-1][0] == stage]
        row = report["stages"][position]
        assert row["open"] == len(here)
        assert float(row["amount"]) == pytest.approx(sum(d["amount"] for d in here))
        weighted = sum(d["amount"] * PROBABILITY[stage] / 100 for d in here)
        assert float(row["weighted_amount"]) == pytest.approx(weighted)
    forecast = sum(float(month["weighted_amount"]) for month in report["forecast"])
    assert forecast == pytest.approx(sum(float(r["weighted_amount"]) for r in report["stages"]))


def test_the_same_history_in_any_order_or_twice_gives_the_same_stays(tmp_path: Path) -> None:
    events, _ = a_history(seed=5, deals=25)
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    tables = (orm.deals, orm.stage_entries, orm.stay_days, orm.stage_reach)

    def state(sessions: Any) -> list[Any]:
        with sessions() as session:
            found = [sorted(tuple(row) for row in session.execute(select(t))) for t in tables]
        # a stay split by a late entry leaves its old day at zero, its sum at rounding noise
        found[2] = [(s, day, n, round(total, 9)) for s, day, n, total in found[2] if n]
        return found

    in_order = state(sessions_after(tmp_path, events))
    assert state(sessions_after(tmp_path, shuffled)) == in_order
    assert state(sessions_after(tmp_path, shuffled + events)) == in_order


def test_a_stage_with_its_own_limit_counts_deals_stalled_beyond_that_limit(
    tmp_path: Path,
) -> None:
    events, truth = a_history(seed=9)
    events[0] = pipeline_event(T0, stall_after_days={"offer": 3})
    report = pipeline_reports.bottlenecks(uow_after(tmp_path, events), "p-1", NOW)
    offer = report["stages"][1]
    beyond = [
        d
        for d in truth
        if d["status"] == "open"
        and d["visits"][-1][0] == "offer"
        and NOW - d["visits"][-1][1] > timedelta(days=3)
    ]
    assert offer["stalled"] == len(beyond) > 0


def test_a_stage_nobody_left_yet_has_no_times_and_an_unknown_pipeline_is_not_found(
    tmp_path: Path,
) -> None:
    deal = a_deal(1, "lead", "open", T0, "100.00")
    entry = deal_events.DealStageChanged(deal=deal, to_stage_id="lead", at=T0.isoformat())
    sessions = sessions_after(
        tmp_path, [pipeline_event(T0), envelope("deals.deal.stage_changed", entry, T0)]
    )
    lead = pipeline_reports.bottlenecks(SqlAlchemyUnitOfWork(sessions), "p-1", NOW)["stages"][0]
    assert (lead["finished_stays"], lead["median_days"], lead["open"]) == (0, None, 1)
    with pytest.raises(NotFound):
        pipeline_reports.funnel(SqlAlchemyUnitOfWork(sessions), "p-2", EVERY_DEAL)


def a_deal_of(number: int, status: str, amount: str, **dimensions: str | None) -> Envelope:
    deal = a_deal(number, "lead", status, T0, amount)
    given = {name: value for name, value in dimensions.items() if value is not None}
    kind = "created" if status == "open" else status
    return envelope(f"deals.deal.{kind}", deal_events.DealChanged(deal=deal, dimensions=given), T0)


def test_deals_are_counted_by_any_dimension_deals_sent_and_the_funnel_keeps_to_one_value(
    tmp_path: Path,
) -> None:
    sessions = sessions_after(
        tmp_path,
        [
            pipeline_event(T0),
            a_deal_of(1, "won", "100.00", owner="an", campaign="fair"),
            a_deal_of(2, "lost", "50.00", owner="an", campaign=None),
            a_deal_of(3, "open", "70.00", owner="binh", campaign="fair"),
            a_deal_of(4, "won", "30.50", owner="an", campaign="fair"),
        ],
    )

    def outcomes(group_by: str) -> list[tuple[Any, ...]]:
        rows = pipeline_reports.deal_outcomes(SqlAlchemyUnitOfWork(sessions), group_by, EVERY_DEAL)
        return [(r.key, r.deals, r.open, r.won, r.lost, r.revenue, r.win_rate) for r in rows]

    assert outcomes("owner") == [
        ("an", 3, 0, 2, 1, Decimal("130.50"), pytest.approx(2 / 3)),
        ("binh", 1, 1, 0, 0, Decimal("0.00"), None),
    ]
    assert outcomes("campaign") == [
        ("fair", 3, 1, 2, 0, Decimal("130.50"), 1.0),
        (None, 1, 0, 0, 1, Decimal("0.00"), 0.0),
    ]
    binh = DealSlice(None, None, None, {"owner": "binh"})
    funnel = pipeline_reports.funnel(SqlAlchemyUnitOfWork(sessions), "p-1", binh)
    assert (funnel["deals"], funnel["won"]) == (1, 0)
    with pytest.raises(InvalidInput) as refused:
        pipeline_reports.deal_outcomes(SqlAlchemyUnitOfWork(sessions), "owner; --", EVERY_DEAL)
    assert refused.value.errors[0].field == "group_by"
