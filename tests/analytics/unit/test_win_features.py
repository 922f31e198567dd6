"""What the win model sees of a deal at a moment of its life is only what was known then
(ANALYTICS.md "Win probability", issue #6). Facts are written straight into the projections, as
the consumer leaves them: some before the moment a closed deal is looked at, some after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, Table
from sqlalchemy.orm import Session

from services.analytics.adapters import orm
from services.analytics.adapters.win_features import SqlAlchemyWinFeatures, moment_in_life
from services.analytics.domain.win_model import Examples
from tests.analytics.unit.test_projections import fresh_database

DAY = timedelta(days=1)
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LIFE = 120 * DAY  # the looked-at deal's, from creation to closing
WINDOW = (date(2024, 1, 1), date(2026, 12, 31))
PIPELINE = "p-main"
STAGES = ("s-lead", "s-offer", "s-contract")  # positions 0, 1, 2
# A deal whose moment falls well inside its life, so facts fit on both sides of it.
TARGET = next(f"d-target-{n}" for n in range(100) if 0.35 < moment_in_life(f"d-target-{n}") < 0.65)


def moment(deal_id: str, created: datetime, closed: datetime) -> datetime:
    """The moment the training looks at a closed deal (win_features.ClosedDeals)."""
    first, last = int(created.timestamp()), int(closed.timestamp())
    return datetime.fromtimestamp(first + int((last - first) * moment_in_life(deal_id)), UTC)


AT = moment(TARGET, T0, T0 + LIFE)
NOW = AT + 20 * DAY  # when the open deal is scored


def deal(
    deal_id: str,
    counterparty: str,
    created: datetime,
    *,
    closed: datetime | None = None,
    status: str = "open",
    owner: str | None = "u-ann",
    stage: str = STAGES[0],
    furthest: int = 0,
    amount: float | None = None,
    campaign: str | None = None,
) -> dict[str, Any]:
    return {
        "id": deal_id,
        "pipeline_id": PIPELINE,
        "counterparty_id": counterparty,
        "owner_id": owner,
        "stage_id": stage,
        "campaign_id": campaign,
        "status": status,
        "amount": amount,
        "currency": "VND" if amount is not None else None,
        "probability": 50,
        "created_at": created,
        "closed_at": closed,
        "version": closed or created,
        "title": deal_id,
        "furthest_position": furthest,
        "stage_entered_at": created,
    }


def stays(deal_id: str, *visits: tuple[str, datetime]) -> list[dict[str, Any]]:
    """One row per entry into a stage; each stay ends when the next one begins."""
    rows = []
    for n, (stage, entered) in enumerate(visits):
        left = visits[n + 1][1] if n + 1 < len(visits) else None
        days = (left - entered) / DAY if left else None
        rows.append(
            {
                "event_id": f"{deal_id}-{n}",
                "deal_id": deal_id,
                "stage_id": stage,
                "entered_at": entered,
                "left_at": left,
                "days": days,
            }
        )
    return rows


def participant(pid: str, deal_id: str, role: str, attitude: str, added: datetime) -> dict:
    return {
        "id": pid,
        "deal_id": deal_id,
        "role": role,
        "attitude": attitude,
        "influence": 3,
        "added_at": added,
    }


def task(tid: str, deal_id: str, due: datetime, completed: datetime | None) -> dict[str, Any]:
    return {
        "id": tid,
        "deal_id": deal_id,
        "due_date": due.date(),
        "completed_at": completed,
        "version": completed or due,
    }


def invoice(iid: str, counterparty: str, day: datetime, status: str) -> dict[str, Any]:
    return {
        "id": iid,
        "counterparty_id": counterparty,
        "deal_id": None,
        "date": day.date(),
        "status": status,
        "paid_at": None,
        "version": day,
    }


def run(rid: str, finished: datetime, status: str = "done") -> dict[str, Any]:
    return {
        "id": rid,
        "parameter": "revenue",
        "period_from": (finished - 365 * DAY).date(),
        "period_to": finished.date(),
        "abc_limits": [80, 95],
        "xyz_limits": [10, 25],
        "xyz_period": "month",
        "status": status,
        "customers": 1,
        "negative": 0,
        "created_at": finished - DAY,
        "finished_at": finished,
    }


def result(rid: str, counterparty: str, abc: str, xyz: str, status: str) -> dict[str, Any]:
    return {
        "run_id": rid,
        "counterparty_id": counterparty,
        "value": 100,
        "share": 1.0,
        "cumulative_share": 1.0,
        "abc": abc,
        "cv": 0.1,
        "xyz": xyz,
        "status": status,
    }


def the_history(later: bool = True) -> dict[Table, list[dict[str, Any]]]:
    """The looked-at deal (won, of "cp-buyer", owned by Ann) and what surrounds it; `later`:
    with what happened after its moment (without it: the projections as they stood then)."""
    return {
        orm.stages: [
            {
                "id": stage,
                "pipeline_id": PIPELINE,
                "name": stage,
                "position": position,
                "probability": 10 + 40 * position,
                "archived": False,
                "version": T0 - 400 * DAY,
            }
            for position, stage in enumerate(STAGES)
        ],
        orm.deals: [
            deal(
                TARGET,
                "cp-buyer",
                T0,
                closed=T0 + LIFE,
                status="won",
                stage=STAGES[2] if later else STAGES[1],
                furthest=2 if later else 1,
                amount=1000.0,
                campaign="c-spring",
            ),
            # The buyer's other deals: won before, lost before, and (later) won after.
            deal("d-earlier-win", "cp-buyer", AT - 60 * DAY, closed=AT - 30 * DAY, status="won"),
            deal("d-earlier-loss", "cp-buyer", AT - 40 * DAY, closed=AT - 15 * DAY, status="lost"),
            *[deal("d-later-win", "cp-buyer", AT - 5 * DAY, closed=AT + 10 * DAY, status="won")]
            * later,
            # Another customer's deal Ann won before: her record, not the buyer's.
            deal("d-other-win", "cp-other", AT - 50 * DAY, closed=AT - 20 * DAY, status="won"),
            # Bob's open deal with the buyer, scored at NOW.
            deal("d-open", "cp-buyer", NOW - 40 * DAY, owner="u-bob", stage=STAGES[1], furthest=1),
        ],
        orm.stage_entries: [
            *stays(
                TARGET,
                (STAGES[0], T0),
                (STAGES[1], AT - 10 * DAY),
                *[(STAGES[2], AT + 5 * DAY)] * later,
            ),
            *stays("d-open", (STAGES[0], NOW - 40 * DAY), (STAGES[1], NOW - 4 * DAY)),
        ],
        orm.participants: [
            participant("pa-champion", TARGET, "decision_maker", "positive", T0 + DAY),
            participant("pa-rival-open", "d-open", "competitor", "neutral", NOW - DAY),
            *[
                participant("pa-rival", TARGET, "competitor", "negative", AT + DAY),
                participant("pa-sceptic-open", "d-open", "user", "negative", NOW + DAY),
            ]
            * later,
        ],
        orm.interactions: [
            {"id": f"i-{n}", "counterparty_id": "cp-buyer", "owner_id": "u-ann", "kind": "call"}
            | {"done_at": when}
            for n, when in enumerate(
                (AT - 40 * DAY, AT - 20 * DAY, AT - 5 * DAY)
                + (AT + DAY, AT + 12 * DAY, NOW + DAY) * later
            )
        ],
        orm.invoices: [
            invoice("inv-old", "cp-buyer", AT - 60 * DAY, "posted"),
            invoice("inv-paid", "cp-buyer", AT - 10 * DAY, "paid"),
            invoice("inv-cancelled", "cp-buyer", AT - 20 * DAY, "cancelled"),
            *[
                invoice("inv-later", "cp-buyer", AT + 3 * DAY, "posted"),
                invoice("inv-after-now", "cp-buyer", NOW + 5 * DAY, "posted"),
            ]
            * later,
        ],
        orm.tasks: [
            task("t-late-open", TARGET, AT - 3 * DAY, None),
            task("t-done-late-after", TARGET, AT - 5 * DAY, AT + 2 * DAY if later else None),
            task("t-done-in-time", TARGET, AT - 10 * DAY, AT - 12 * DAY),
            task("t-done-late-before", TARGET, AT - 10 * DAY, AT - 2 * DAY),
            task("t-due-that-day", TARGET, AT, None),
            task("t-due-later", TARGET, AT + 3 * DAY, None),
            task("t-open-late", "d-open", NOW - 2 * DAY, None),
            task("t-open-later", "d-open", NOW + 2 * DAY, None),
        ],
        orm.classification_runs: [
            run("r-early", AT - 50 * DAY),
            run("r-failed", AT - DAY, "failed"),
            *[run("r-later", AT + 2 * DAY)] * later,
        ],
        orm.classification_results: [
            result("r-early", "cp-buyer", "B", "Y", "regular"),
            result("r-failed", "cp-buyer", "C", "Z", "lost"),
            *[result("r-later", "cp-buyer", "A", "X", "regular")] * later,
        ],
    }


def written(engine: Engine, rows: dict[Table, list[dict[str, Any]]]) -> Engine:
    with engine.begin() as connection:
        for table, values in rows.items():
            connection.execute(table.insert(), values)
    return engine


@dataclass(frozen=True)
class Seen:
    """One deal as the win model sees it."""

    numeric: dict[str, float]
    categorical: dict[str, str]


def seen(examples: Examples, ids: np.ndarray, deal_id: str) -> Seen:
    [row] = np.flatnonzero(ids == deal_id)
    return Seen(
        {name: float(values[row]) for name, values in examples.numeric.items()},
        {name: str(values[row]) for name, values in examples.categorical.items()},
    )


def closed_deal(engine: Engine, window: tuple[date, date] = WINDOW) -> Seen:
    """The looked-at deal as the training sees it, among the deals closed in `window`."""
    with Session(engine) as session:
        closed = SqlAlchemyWinFeatures(session).closed(*window)
    return seen(closed.examples, closed.ids, TARGET)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return written(fresh_database(tmp_path_factory.mktemp("win")), the_history())


@pytest.fixture(scope="module")
def target(history: Engine) -> Seen:
    return closed_deal(history)


def test_the_moment_a_closed_deal_is_looked_at_falls_inside_its_open_life() -> None:
    assert T0 + 40 * DAY < AT < T0 + LIFE - 40 * DAY


def test_a_competitor_who_joined_after_the_moment_is_not_yet_in_the_deal(target: Seen) -> None:
    assert target.numeric["competitor_present"] == 0
    assert target.numeric["influencer_attitude"] == 1.0  # only the champion was there


def test_only_interactions_before_the_moment_make_recent_contact(target: Seen) -> None:
    assert target.numeric["interactions_30d"] == 2  # 20 and 5 days before, not 40 nor after
    assert target.numeric["days_since_interaction"] == pytest.approx(5.0)


def test_invoices_dated_after_the_moment_and_cancelled_ones_are_not_counted(
    target: Seen,
) -> None:
    assert target.numeric["invoices_before"] == 2


def test_the_customers_other_deals_count_only_once_they_closed_before_the_moment(
    target: Seen,
) -> None:
    assert (target.numeric["won_before"], target.numeric["lost_before"]) == (1, 1)
    # Ann won two and lost one before (another customer's deal included); Laplace-smoothed.
    assert target.numeric["owner_win_rate"] == pytest.approx((2 + 1) / (3 + 2))


def test_a_task_is_overdue_at_the_moment_when_its_day_passed_and_it_was_still_open(
    target: Seen,
) -> None:
    # Late and open, late and completed only after the moment; not the one done in time, the one
    # done late but before the moment, the one due that same day, nor the one due later.
    assert target.numeric["overdue_tasks"] == 2


def test_the_customers_classes_come_from_the_last_run_finished_before_the_moment(
    target: Seen,
) -> None:
    classes = {name: target.categorical[name] for name in ("abc", "xyz", "client_status")}
    assert classes == {"abc": "B", "xyz": "Y", "client_status": "regular"}


def test_the_stage_is_the_one_the_deal_stood_in_at_the_moment(target: Seen) -> None:
    assert target.categorical["stage"] == f"{PIPELINE}:s-offer"
    assert target.numeric["stage_progress"] == 0.5
    assert target.numeric["days_in_stage"] == pytest.approx(10.0)
    assert target.numeric["days_open"] == pytest.approx((AT - T0) / DAY)
    assert target.numeric["log_amount"] == pytest.approx(np.log1p(1000.0))
    assert target.numeric["from_campaign"] == 1


def test_what_happened_after_the_moment_changes_nothing_in_how_the_deal_is_seen(
    history: Engine, target: Seen, tmp_path: Path
) -> None:
    without_later = written(fresh_database(tmp_path), the_history(later=False))
    assert closed_deal(without_later) == target


def test_the_outcome_and_closing_date_are_not_among_what_the_model_sees(history: Engine) -> None:
    with Session(history) as session:
        closed = SqlAlchemyWinFeatures(session).closed(*WINDOW)
    names = set(closed.examples.numeric) | set(closed.examples.categorical)
    assert not names & {"closed_at", "status", "won", "lost_reason_id", "days_to_close"}
    assert sorted(closed.ids) == list(closed.ids)
    expected = ["d-earlier-loss", "d-earlier-win", "d-later-win", "d-other-win", TARGET]
    assert list(closed.ids) == expected
    assert list(closed.won) == [False, True, True, True, True]


def test_an_open_deal_is_seen_as_it_stands_at_the_given_now(history: Engine) -> None:
    with Session(history) as session:
        features = SqlAlchemyWinFeatures(session)
        deals = features.open_now(["d-open", TARGET], NOW)
        assert list(deals.ids) == ["d-open"]  # a closed deal is not scored
        open_deal = seen(features.examples(deals), deals.ids, "d-open")
    n = open_deal.numeric
    assert open_deal.categorical["stage"] == f"{PIPELINE}:s-offer"
    assert (n["days_open"], n["days_in_stage"], n["stage_progress"]) == (40, 4, 0.5)
    assert (n["competitor_present"], n["influencer_attitude"]) == (1, 0)  # not the later sceptic
    assert (n["won_before"], n["lost_before"]) == (2, 1)  # the later win too; the target is open
    assert n["owner_win_rate"] == 0.5  # Bob has no record yet
    assert n["invoices_before"] == 3  # not the cancelled one nor the one after now
    # 20 and 5 days before the moment are 40 and 25 before now; then AT+1 and AT+12; not NOW+1.
    assert n["interactions_30d"] == 3
    assert n["days_since_interaction"] == pytest.approx(8.0)
    assert n["overdue_tasks"] == 1
    assert open_deal.categorical["abc"] == "A"  # the run finished after the moment, before now
    assert (n["log_amount"], n["from_campaign"]) == (0, 0)


def many_lost_deals(counterparty: str, owner: str | None, count: int = 501) -> list[dict]:
    """Enough closed deals that the features read every row rather than those of a short list."""
    return [
        deal(f"d-lost-{n:03}", counterparty, T0, closed=T0 + LIFE, status="lost", owner=owner)
        for n in range(count)
    ]


def test_a_customer_whose_id_starts_like_another_ones_does_not_inherit_its_wins(
    tmp_path: Path,
) -> None:
    rows = {
        orm.stages: the_history()[orm.stages],
        orm.deals: [
            *many_lost_deals("cp-1", "u-ann"),
            # Another customer, "cp-10", won before any of cp-1's deals was created.
            deal("d-namesake-win", "cp-10", T0 - 60 * DAY, closed=T0 - 30 * DAY, status="won"),
        ],
    }
    with Session(written(fresh_database(tmp_path), rows)) as session:
        closed = SqlAlchemyWinFeatures(session).closed(T0.date(), WINDOW[1])
    assert len(closed.ids) == 501
    assert closed.examples.numeric["owner_win_rate"].min() > 0.5  # Ann's win counts for her
    assert closed.examples.numeric["won_before"].max() == 0  # but cp-1 never won anything


def test_a_deal_without_an_owner_has_no_owners_record_to_go_by(tmp_path: Path) -> None:
    rows = {
        orm.stages: the_history()[orm.stages],
        orm.deals: [
            deal("d-unowned", "cp-buyer", T0, closed=T0 + LIFE, status="won", owner=None),
            # Other unowned deals, lost before d-unowned was created.
            *(
                {**lost, "created_at": T0 - 60 * DAY, "closed_at": T0 - DAY}
                for lost in many_lost_deals("cp-other", None)
            ),
        ],
    }
    with Session(written(fresh_database(tmp_path), rows)) as session:
        closed = SqlAlchemyWinFeatures(session).closed(*WINDOW)
    seen_then = seen(closed.examples, closed.ids, "d-unowned")
    assert seen_then.numeric["owner_win_rate"] == 0.5


def test_the_invoice_of_a_win_dated_the_closing_day_is_not_seen_earlier_that_day(
    tmp_path: Path,
) -> None:
    late = next(f"d-late-{n}" for n in range(1000) if moment_in_life(f"d-late-{n}") > 0.95)
    closed = T0 + timedelta(days=10, hours=11)  # 20:00
    assert moment(late, T0, closed).date() == closed.date()  # looked at that morning
    rows = {
        orm.stages: the_history()[orm.stages],
        orm.deals: [deal(late, "cp-buyer", T0, closed=closed, status="won")],
        orm.stage_entries: stays(late, (STAGES[0], T0)),
        orm.invoices: [invoice("inv-for-the-win", "cp-buyer", closed, "posted")],
    }
    with Session(written(fresh_database(tmp_path), rows)) as session:
        closed_deals = SqlAlchemyWinFeatures(session).closed(*WINDOW)
    assert seen(closed_deals.examples, closed_deals.ids, late).numeric["invoices_before"] == 0
