"""The analytics service layer on in-memory fakes: what a sales director would notice of runs,
schedules and trainings, without a database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crmkit.errors import Forbidden, InvalidInput
from crmkit.identity import SYSTEM, Identity
from crmkit.paging import Page
from services.analytics.domain.commands import (
    ComputeClassification,
    ComputeWinModel,
    RunClassification,
    ScheduleClassification,
    TrainWinModel,
)
from services.analytics.domain.events import ClassificationCompleted
from services.analytics.service_layer import classification, freshness, schedules, win_probability
from tests.analytics.unit.fakes import FakeUnitOfWork

DIRECTOR = Identity("u-1", frozenset({"director"}))
VIEWER = Identity("v-1", frozenset({"viewer"}))
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
HALF_YEAR = RunClassification("revenue", date(2026, 1, 1), date(2026, 6, 30))


def test_a_requested_run_is_queued_then_done_with_the_classes_of_every_customer() -> None:
    uow = FakeUnitOfWork()
    uow.facts.periods = {"big": [1000.0] * 6, "small": [0, 0, 0, 0, 0, 50.0]}
    run = classification.start_run(HALF_YEAR, uow, DIRECTOR, NOW)
    assert run is not None and classification.get_run(uow, run.id).status == "queued"
    classification.execute_run(ComputeClassification(run.id), uow, NOW)
    done = classification.get_run(uow, run.id)
    assert (done.status, done.customers, done.finished_at) == ("done", 2, NOW)
    found, total = classification.results(uow, run.id, Page(1, 50))
    assert total == 2
    assert {r.counterparty_id: (r.abc, r.status) for r, _ in found} == {
        "big": ("A", "regular"),
        "small": ("C", "one_time"),
    }


def test_a_finished_run_tells_contacts_each_customer_once() -> None:
    uow = FakeUnitOfWork()
    uow.facts.periods = {"big": [1000.0] * 6, "mid": [300.0, 0, 300, 0, 300, 0]}
    run = classification.start_run(HALF_YEAR, uow, DIRECTOR, NOW)
    assert run is not None
    classification.execute_run(ComputeClassification(run.id), uow, NOW)
    [told] = uow.published
    assert isinstance(told, ClassificationCompleted) and told.run_id == run.id
    assert sorted(c.counterparty_id for c in told.classes) == ["big", "mid"]


def test_a_run_delivered_twice_is_computed_once() -> None:
    uow = FakeUnitOfWork()
    uow.facts.periods = {"big": [1000.0] * 6}
    run = classification.start_run(HALF_YEAR, uow, DIRECTOR, NOW)
    assert run is not None
    for _ in range(2):
        classification.execute_run(ComputeClassification(run.id), uow, NOW)
    assert len(uow.published) == 1 and len(uow.classification_runs.stored) == 1


def test_a_run_with_no_customers_still_says_it_completed() -> None:
    uow = FakeUnitOfWork()
    run = classification.start_run(HALF_YEAR, uow, DIRECTOR, NOW)
    assert run is not None
    classification.execute_run(ComputeClassification(run.id), uow, NOW)
    [told] = uow.published
    assert isinstance(told, ClassificationCompleted) and told.classes == ()


def test_a_viewer_cannot_start_a_run_and_a_bad_window_is_refused_by_field() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Forbidden):
        classification.start_run(HALF_YEAR, uow, VIEWER, NOW)
    backwards = RunClassification("revenue", date(2026, 6, 1), date(2026, 1, 1))
    with pytest.raises(InvalidInput) as refused:
        classification.start_run(backwards, uow, DIRECTOR, NOW)
    assert refused.value.errors[0].field == "period_to"
    assert uow.classification_runs.items == {}


def test_a_schedule_with_a_bad_cron_is_refused_naming_the_field() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput) as refused:
        schedules.put_schedule(ScheduleClassification("every monday"), uow, DIRECTOR, NOW)
    assert refused.value.errors[0].field == "cron"
    assert uow.schedules.classification() is None


def test_a_due_schedule_starts_one_run_only_however_often_the_beat_asks() -> None:
    uow = FakeUnitOfWork()
    schedules.put_schedule(ScheduleClassification("0 3 * * *"), uow, DIRECTOR, NOW)
    dispatched: list[str] = []
    tick = NOW.replace(hour=3, minute=0) + timedelta(days=1, seconds=20)
    started = [schedules.dispatch_due(uow, dispatched.append, tick) for _ in range(3)]
    assert started[0] is not None and started[1:] == [None, None]
    assert dispatched == [started[0]]
    run = classification.get_run(uow, started[0])
    assert (run.run_key, run.period_from, run.period_to) == (
        "classification@2026-07-02T03:00",
        date(2025, 7, 1),
        date(2026, 6, 30),
    )


def test_a_switched_off_schedule_starts_nothing() -> None:
    uow = FakeUnitOfWork()
    off = ScheduleClassification("* * * * *", enabled=False)
    schedules.put_schedule(off, uow, DIRECTOR, NOW)
    assert schedules.dispatch_due(uow, print, NOW + timedelta(minutes=5)) is None


def test_training_records_a_new_model_version_each_time_it_is_asked() -> None:
    uow = FakeUnitOfWork()
    first = win_probability.request_training(TrainWinModel(12), uow, DIRECTOR, NOW)
    second = win_probability.request_training(TrainWinModel(), uow, DIRECTOR, NOW)
    assert (first, second) == (1, 2)
    queued = win_probability.get_training(uow, 1)
    assert (queued.status, queued.window_to) == ("queued", NOW.date())
    assert (queued.window_to - queued.window_from).days in range(360, 370)


def test_a_scheduled_training_tick_trains_once() -> None:
    uow = FakeUnitOfWork()
    command = TrainWinModel(run_key="win_model@2026-07-01T09:00")
    assert win_probability.request_training(command, uow, SYSTEM, NOW) == 1
    assert win_probability.request_training(command, uow, SYSTEM, NOW) is None


def test_a_training_window_beyond_ten_years_is_refused_by_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        win_probability.request_training(TrainWinModel(121), FakeUnitOfWork(), DIRECTOR, NOW)
    assert refused.value.errors[0].field == "window_months"


def test_a_training_that_fails_is_recorded_with_its_reason() -> None:
    uow = FakeUnitOfWork()
    version = win_probability.request_training(TrainWinModel(), uow, DIRECTOR, NOW)
    assert version is not None

    class Broken:
        def closed(self, first: date, last: date) -> None:
            raise RuntimeError("the projections are away")

    uow.win_features = Broken()
    with pytest.raises(RuntimeError):
        win_probability.execute_training(ComputeWinModel(version), uow, NOW)
    failed = win_probability.get_training(uow, version)
    assert (failed.status, failed.reason) == ("failed", "the projections are away")


# -- a run waits for what its sources had published when it was asked for -----------------
INVOICES = "deals.invoice.posted"


class FakeClock(freshness.Clock):
    """Seconds that move only when the run pauses: a wait of minutes takes no time here."""

    def __init__(self, on_pause: Callable[[float], None] = lambda now: None) -> None:
        self.now = 0.0
        self.paused = 0
        self.on_pause = on_pause
        super().__init__(seconds=lambda: self.now, sleep=self._pause)

    def _pause(self, seconds: float) -> None:
        self.now += seconds
        self.paused += 1
        self.on_pause(self.now)


def a_run_awaiting(uow: FakeUnitOfWork, number: int, **asked: Any) -> str:
    uow.facts.periods = {"big": [1000.0] * 6}
    wanted = replace(HALF_YEAR, **asked)
    run = classification.start_run(wanted, uow, DIRECTOR, NOW, {INVOICES: number})
    assert run is not None
    return run.id


def test_a_run_waits_until_the_invoices_published_before_it_are_applied_then_computes() -> None:
    uow = FakeUnitOfWork()
    run_id = a_run_awaiting(uow, 40)
    uow.watermarks.applied_up_to[("deals", INVOICES)] = 10

    def consumer_catches_up(now: float) -> None:
        if now >= 3:
            uow.watermarks.applied_up_to[("deals", INVOICES)] = 40

    classification.execute_run(
        ComputeClassification(run_id), uow, NOW, FakeClock(consumer_catches_up)
    )
    done = classification.get_run(uow, run_id)
    assert (done.status, done.partial, done.waited_seconds) == ("done", False, 3.0)
    assert done.awaited == {INVOICES: 40}


def test_a_run_whose_sources_stay_behind_fails_after_its_wait_naming_the_lag() -> None:
    uow = FakeUnitOfWork()
    run_id = a_run_awaiting(uow, 40, wait_seconds=5)
    uow.watermarks.applied_up_to[("deals", INVOICES)] = 25
    classification.execute_run(ComputeClassification(run_id), uow, NOW, FakeClock())
    failed = classification.get_run(uow, run_id)
    assert failed.status == "failed" and failed.reason is not None
    assert "15 deals.invoice.posted" in failed.reason and "5 s" in failed.reason
    assert (failed.waited_seconds, failed.partial) == (5.0, False)  # how long it waited
    assert uow.classification_runs.stored == []


def test_a_run_that_may_be_partial_computes_after_its_wait_and_says_it_is_partial() -> None:
    uow = FakeUnitOfWork()
    run_id = a_run_awaiting(uow, 40, wait_seconds=5, partial_allowed=True)
    classification.execute_run(ComputeClassification(run_id), uow, NOW, FakeClock())
    done = classification.get_run(uow, run_id)
    assert (done.status, done.partial, done.waited_seconds) == ("done", True, 5.0)


def test_a_run_asks_for_a_wait_of_at_most_an_hour() -> None:
    with pytest.raises(InvalidInput) as refused:
        classification.start_run(
            replace(HALF_YEAR, wait_seconds=7200), FakeUnitOfWork(), DIRECTOR, NOW
        )
    assert refused.value.errors[0].field == "wait_seconds"


def test_a_training_waits_for_its_sources_like_a_run_and_fails_naming_the_lag() -> None:
    uow = FakeUnitOfWork()
    asked = replace(TrainWinModel(), wait_seconds=5)
    version = win_probability.request_training(asked, uow, DIRECTOR, NOW, {INVOICES: 9})
    assert version is not None
    uow.watermarks.applied_up_to[("deals", INVOICES)] = 4
    win_probability.execute_training(ComputeWinModel(version), uow, NOW, FakeClock())
    failed = win_probability.get_training(uow, version)
    assert failed.status == "failed" and failed.reason is not None
    assert "5 deals.invoice.posted" in failed.reason
    assert failed.awaited == {INVOICES: 9}
