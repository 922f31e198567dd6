"""User-defined schedules of classification runs and win model trainings. One beat task
dispatches the due job with a run key made of the schedule's tick, so a tick is run once
however many beats ask."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

from croniter import croniter

from crmkit.errors import InvalidInput, NotFound
from crmkit.identity import SYSTEM, Identity
from services.analytics.domain import model
from services.analytics.domain.commands import (
    RunClassification,
    ScheduleClassification,
    ScheduleWinModelTraining,
    TrainWinModel,
)
from services.analytics.domain.model import AREA, ClassificationSchedule, TrainingSchedule
from services.analytics.service_layer import win_probability
from services.analytics.service_layer.classification import start_run
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork

Dispatch = Callable[[str], None]  # hands a run id (or a version) to whoever computes it
NAME, WIN_MODEL = "classification", "win_model"  # the prefixes of the run keys


def _check_cron(cron: str) -> None:
    if not croniter.is_valid(cron):
        raise InvalidInput.field(
            "cron", f"is not a cron expression such as '0 3 * * 1'; got {cron!r}"
        )


def put_schedule(
    command: ScheduleClassification, uow: AnalyticsUnitOfWork, actor: Identity, at: datetime
) -> ClassificationSchedule:
    actor.require_writer(AREA)
    _check_cron(command.cron)
    model.check_parameter(command.parameter)
    model.check_window_months(command.window_months)
    model.check_limits(command.abc_limits, command.xyz_limits, command.xyz_period)
    schedule = ClassificationSchedule(
        command.cron, command.parameter, command.window_months, command.abc_limits,
        command.xyz_limits, command.xyz_period, command.enabled, at,
    )  # fmt: skip
    with uow:
        uow.schedules.put_classification(schedule)
        uow.commit()
    return schedule


def get_schedule(uow: AnalyticsUnitOfWork) -> ClassificationSchedule:
    with uow:
        schedule = uow.schedules.classification()
    if schedule is None:
        raise NotFound("no classification schedule has been set")
    return schedule


def window_before(tick: datetime, months: int) -> tuple[date, date]:
    """The last `months` whole calendar months before the tick."""
    first_of_tick_month = tick.date().replace(day=1)
    last = first_of_tick_month - timedelta(days=1)
    year, month = first_of_tick_month.year, first_of_tick_month.month - months
    while month <= 0:
        year, month = year - 1, month + 12
    return date(year, month, 1), last


def _due_tick(schedule: ClassificationSchedule | TrainingSchedule, at: datetime) -> datetime | None:
    """The schedule's latest tick up to now, unless it is off or the tick came before it was set."""
    if not schedule.enabled:
        return None
    # cron has minute resolution: a tick at 03:05 is due from 03:05:00 on
    tick: datetime = croniter(
        schedule.cron, at.replace(second=0, microsecond=0) + timedelta(seconds=1)
    ).get_prev(datetime)
    if tick < schedule.updated_at.replace(second=0, microsecond=0):
        return None  # ticks from before the schedule was set are not owed
    return tick


def dispatch_due(
    uow: AnalyticsUnitOfWork,
    dispatch: Dispatch,
    at: datetime,
    awaited: Callable[[], Mapping[str, int]] = dict,
) -> str | None:
    """Starts the run of the latest tick not yet run, waiting like any run for what the sources
    had published by then (`awaited`, asked only when a tick is due); returns its id, or None."""
    with uow:
        schedule = uow.schedules.classification()
    tick = None if schedule is None else _due_tick(schedule, at)
    if schedule is None or tick is None:
        return None
    first, last = window_before(tick, schedule.window_months)
    command = RunClassification(
        schedule.parameter, first, last, schedule.abc_limits, schedule.xyz_limits,
        schedule.xyz_period, run_key=f"{NAME}@{tick:%Y-%m-%dT%H:%M}",
    )  # fmt: skip
    started = start_run(command, uow, SYSTEM, at, awaited())
    if started is None:
        return None
    dispatch(started.id)
    return started.id


def put_training_schedule(
    command: ScheduleWinModelTraining, uow: AnalyticsUnitOfWork, actor: Identity, at: datetime
) -> TrainingSchedule:
    actor.require_writer(AREA)
    _check_cron(command.cron)
    model.check_window_months(command.window_months)
    schedule = TrainingSchedule(command.cron, command.window_months, command.enabled, at)
    with uow:
        uow.schedules.put_training(schedule)
        uow.commit()
    return get_training_schedule(uow)


def get_training_schedule(uow: AnalyticsUnitOfWork) -> TrainingSchedule:
    with uow:
        schedule = uow.schedules.training()
    if schedule is None:
        raise NotFound("no win model training schedule has been set")
    return schedule


def dispatch_due_training(
    uow: AnalyticsUnitOfWork,
    train: Dispatch,
    at: datetime,
    awaited: Callable[[], Mapping[str, int]] = dict,
) -> int | None:
    """Queues the training of the latest tick not yet trained, waiting like any training for
    what the sources had published by then; returns its version, or None."""
    with uow:
        schedule = uow.schedules.training()
    tick = None if schedule is None else _due_tick(schedule, at)
    if schedule is None or tick is None:
        return None
    command = TrainWinModel(schedule.window_months, run_key=f"{WIN_MODEL}@{tick:%Y-%m-%dT%H:%M}")
    version = win_probability.request_training(command, uow, SYSTEM, at, awaited())
    if version is not None:
        train(str(version))
    return version
