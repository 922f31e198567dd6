"""The analytics service layer on in-memory fakes: what a sales director would notice of runs,
schedules and trainings, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
from services.analytics.service_layer import classification, schedules, win_probability
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
