"""The win model's training schedule: a tick trains once however many beats ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crmkit.db import make_engine, make_session_factory, migrate
from crmkit.errors import InvalidInput
from crmkit.identity import SYSTEM
from services.analytics import bootstrap
from services.analytics.adapters.unit_of_work import SqlAlchemyUnitOfWork
from services.analytics.domain.commands import ScheduleWinModelTraining
from services.analytics.service_layer import schedules, win_probability

SET_AT = datetime(2026, 11, 26, 9, 0, 30, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    migrate(url, bootstrap.MIGRATIONS)
    return make_session_factory(make_engine(url))


def test_each_minute_of_a_schedule_trains_once_however_many_beats_ask(sessions: Any) -> None:
    wanted = ScheduleWinModelTraining("* * * * *", window_months=6)
    schedules.put_training_schedule(wanted, SqlAlchemyUnitOfWork(sessions), SYSTEM, SET_AT)
    trained: list[str] = []
    first_tick = SET_AT + timedelta(seconds=40)  # 09:01:10
    started = [
        schedules.dispatch_due_training(SqlAlchemyUnitOfWork(sessions), trained.append, first_tick)
        for _ in "ab"
    ]
    assert started[0] is not None and started[1] is None and trained == [str(started[0])]
    later = schedules.dispatch_due_training(
        SqlAlchemyUnitOfWork(sessions), trained.append, first_tick + timedelta(minutes=1)
    )
    assert later is not None and len(trained) == 2
    row = win_probability.get_training(SqlAlchemyUnitOfWork(sessions), later)
    assert (row.status, row.run_key) == ("queued", "win_model@2026-11-26T09:02")
    assert (row.window_to - row.window_from).days in range(180, 186)


def test_a_switched_off_or_wrong_schedule_trains_nothing(sessions: Any) -> None:
    with pytest.raises(InvalidInput, match="cron"):
        schedules.put_training_schedule(
            ScheduleWinModelTraining("often"), SqlAlchemyUnitOfWork(sessions), SYSTEM, SET_AT
        )
    off = ScheduleWinModelTraining("* * * * *", enabled=False)
    schedules.put_training_schedule(off, SqlAlchemyUnitOfWork(sessions), SYSTEM, SET_AT)
    assert (
        schedules.dispatch_due_training(
            SqlAlchemyUnitOfWork(sessions), print, SET_AT + timedelta(minutes=5)
        )
        is None
    )
