"""User-defined schedules of classification runs. One beat task dispatches the due run with a
run key made of the schedule's tick, so a tick is run once however many beats ask."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crmkit.errors import InvalidInput, NotFound
from crmkit.identity import SYSTEM, Identity
from services.analytics.adapters import orm
from services.analytics.bootstrap import Dispatch
from services.analytics.service_layer import win_probability
from services.analytics.service_layer.classification import AREA, PARAMETERS, RunRequest, start_run

NAME = "classification"
s = orm.classification_schedules.c


@dataclass(frozen=True)
class Schedule:
    cron: str
    parameter: str = "revenue"
    window_months: int = 12
    abc_limits: tuple[float, float] = (80, 95)
    xyz_limits: tuple[float, float] = (10, 25)
    xyz_period: str = "month"
    enabled: bool = True

    def check(self) -> None:
        _check_cron(self.cron)
        if self.parameter not in PARAMETERS:
            raise InvalidInput.field("parameter", f"must be one of {', '.join(PARAMETERS)}")
        if not 1 <= self.window_months <= 120:
            raise InvalidInput.field("window_months", "must be between 1 and 120")
        RunRequest(
            self.parameter,
            date(2000, 1, 1),
            date(2000, 1, 2),
            self.abc_limits,
            self.xyz_limits,
            self.xyz_period,
        ).check()


def put_schedule(
    sessions: sessionmaker[Session], schedule: Schedule, actor: Identity, now: datetime
) -> Schedule:
    actor.require_writer(AREA)
    schedule.check()
    values = {
        **asdict(schedule),
        "abc_limits": list(schedule.abc_limits),
        "xyz_limits": list(schedule.xyz_limits),
        "updated_at": now,
    }
    with sessions.begin() as session:
        if session.scalar(select(s.name).where(s.name == NAME)) is None:
            session.execute(orm.classification_schedules.insert().values(name=NAME, **values))
        else:
            session.execute(
                orm.classification_schedules.update().where(s.name == NAME).values(**values)
            )
    return schedule


def get_schedule(sessions: sessionmaker[Session]) -> Any:
    with sessions() as session:
        row = session.execute(select(orm.classification_schedules).where(s.name == NAME)).first()
    if row is None:
        raise NotFound("no classification schedule has been set")
    return row


def window_before(tick: datetime, months: int) -> tuple[date, date]:
    """The last `months` whole calendar months before the tick."""
    first_of_tick_month = tick.date().replace(day=1)
    last = first_of_tick_month - timedelta(days=1)
    year, month = first_of_tick_month.year, first_of_tick_month.month - months
    while month <= 0:
        year, month = year - 1, month + 12
    return date(year, month, 1), last


def _due_tick(schedule: Any, now: datetime) -> datetime | None:
    """The schedule's latest tick up to now, unless it is off or the tick came before it was set."""
    if not schedule.enabled:
        return None
    # cron has minute resolution: a tick at 03:05 is due from 03:05:00 on
    tick: datetime = croniter(
        schedule.cron, now.replace(second=0, microsecond=0) + timedelta(seconds=1)
    ).get_prev(datetime)
    if tick < schedule.updated_at.replace(second=0, microsecond=0):
        return None  # ticks from before the schedule was set are not owed
    return tick


def _check_cron(cron: str) -> None:
    if not croniter.is_valid(cron):
        raise InvalidInput.field(
            "cron", f"is not a cron expression such as '0 3 * * 1'; got {cron!r}"
        )


def dispatch_due(sessions: sessionmaker[Session], dispatch: Dispatch, now: datetime) -> str | None:
    """Starts the run of the latest tick not yet run; returns its id, or None."""
    try:
        schedule = get_schedule(sessions)
    except NotFound:
        return None
    tick = _due_tick(schedule, now)
    if tick is None:
        return None
    first, last = window_before(tick, schedule.window_months)
    request = RunRequest(
        schedule.parameter, first, last, tuple(schedule.abc_limits), tuple(schedule.xyz_limits), schedule.xyz_period,  # type: ignore[arg-type]
        run_key=f"{NAME}@{tick:%Y-%m-%dT%H:%M}",
    )  # fmt: skip
    started = start_run(sessions, request, SYSTEM, now)
    if started is None:
        return None
    dispatch(started["id"])
    return str(started["id"])


# -- training the win model by itself --------------------------------------------------------
ws = orm.win_model_schedule.c
WIN_MODEL = "win_model"


@dataclass(frozen=True)
class TrainingSchedule:
    cron: str
    window_months: int = 24
    enabled: bool = True

    def check(self) -> None:
        _check_cron(self.cron)
        if not 1 <= self.window_months <= 120:
            raise InvalidInput.field("window_months", "must be between 1 and 120")


def put_training_schedule(
    sessions: sessionmaker[Session], schedule: TrainingSchedule, actor: Identity, now: datetime
) -> Any:
    actor.require_writer(AREA)
    schedule.check()
    values = {**asdict(schedule), "updated_at": now}
    with sessions.begin() as session:
        table = orm.win_model_schedule
        if session.scalar(select(ws.name).where(ws.name == WIN_MODEL)) is None:
            session.execute(table.insert().values(name=WIN_MODEL, **values))
        else:
            session.execute(table.update().where(ws.name == WIN_MODEL).values(**values))
    return get_training_schedule(sessions)


def get_training_schedule(sessions: sessionmaker[Session]) -> Any:
    with sessions() as session:
        row = session.execute(select(orm.win_model_schedule).where(ws.name == WIN_MODEL)).first()
    if row is None:
        raise NotFound("no win model training schedule has been set")
    return row


def dispatch_due_training(
    sessions: sessionmaker[Session], train: Dispatch, now: datetime
) -> int | None:
    """Queues the training of the latest tick not yet trained; returns its version, or None."""
    try:
        schedule = get_training_schedule(sessions)
    except NotFound:
        return None
    tick = _due_tick(schedule, now)
    if tick is None:
        return None
    key = f"{WIN_MODEL}@{tick:%Y-%m-%dT%H:%M}"
    version = win_probability.request_training(
        sessions, SYSTEM, now, schedule.window_months, run_key=key
    )
    if version is not None:
        train(str(version))
    return version
