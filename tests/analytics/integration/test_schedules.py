"""Classification schedules: set through the API, dispatched once per tick however many
beats ask, including two real celery beat processes on the real broker."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crmkit.identity import SYSTEM
from services.analytics.adapters import orm
from services.analytics.domain.commands import ScheduleClassification
from services.analytics.service_layer import schedules
from tests.deals.integration.helpers import API, ok
from tests.support import Suite


def runs(suite: Suite) -> list[tuple[str, str]]:
    with suite.analytics.sessions() as session:
        rows = session.execute(
            select(orm.classification_runs.c.run_key, orm.classification_runs.c.status)
        ).all()
    return [(row.run_key, row.status) for row in rows if row.run_key]


def test_a_schedule_is_set_and_read_through_the_api_and_a_bad_cron_is_named(suite: Suite) -> None:
    admin = suite.headers()
    bad = suite.client.put(
        f"{API}/analytics/schedules/classification", json={"cron": "every monday"}, headers=admin
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "cron"
    body = {"cron": "0 3 * * 1", "parameter": "gross_profit", "window_months": 6, "enabled": True}
    stored = ok(
        suite.client.put(f"{API}/analytics/schedules/classification", json=body, headers=admin)
    )
    assert (stored["cron"], stored["parameter"], stored["window_months"], stored["enabled"]) == (
        "0 3 * * 1",
        "gross_profit",
        6,
        True,
    )
    assert (
        ok(suite.client.get(f"{API}/analytics/schedules/classification", headers=admin)) == stored
    )


def test_each_tick_is_run_once_however_many_beats_ask_at_the_same_moment(suite: Suite) -> None:
    set_at = datetime(2026, 3, 2, 2, 59, tzinfo=UTC)
    schedules.put_schedule(
        ScheduleClassification(cron="*/5 * * * *", window_months=3),
        suite.analytics.uow(),
        SYSTEM,
        set_at,
    )
    started: list[str | None] = []
    moment = datetime(2026, 3, 2, 3, 1, tzinfo=UTC)

    def beat() -> None:
        started.append(schedules.dispatch_due(suite.analytics.uow(), lambda run_id: None, moment))

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([run for run in started if run]) == 1
    assert (
        schedules.dispatch_due(
            suite.analytics.uow(), lambda run_id: None, moment + timedelta(minutes=3)
        )
        is None
    )
    assert (
        schedules.dispatch_due(
            suite.analytics.uow(), lambda run_id: None, moment + timedelta(minutes=4)
        )
        is not None
    )
    keys = sorted(key for key, _ in runs(suite) if key.startswith("classification@2026-03-02"))
    assert keys == ["classification@2026-03-02T03:00", "classification@2026-03-02T03:05"]


def test_a_scheduled_run_covers_the_last_whole_months() -> None:
    assert schedules.window_before(datetime(2026, 3, 2, 3, tzinfo=UTC), 3) == (
        date(2025, 12, 1),
        date(2026, 2, 28),
    )
    assert schedules.window_before(datetime(2026, 1, 31, 3, tzinfo=UTC), 12) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )


@pytest.mark.integration
def test_a_schedule_every_minute_runs_once_a_minute_with_two_beat_processes(
    postgres_suite: Suite, amqp_url: str
) -> None:
    suite = postgres_suite
    schedules.put_schedule(
        ScheduleClassification(cron="* * * * *", window_months=1),
        suite.analytics.uow(),
        SYSTEM,
        datetime.now(UTC),
    )
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(suite.settings.data_dir),
        "CRM_ANALYTICS_DB_URL": suite.settings.db_url("analytics"),
        "CRM_AMQP_URL": amqp_url,
        "CRM_LOG_LEVEL": "WARNING",
        **suite.addresses,  # a scheduled run asks contacts and deals how far they published
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "services.analytics", verb],
            env={**env, "CRM_DATA_DIR": str(suite.settings.data_dir / f"beat{n}")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n, verb in enumerate(["beat", "beat", "worker"])
    ]
    began = datetime.now(UTC)
    try:
        deadline = time.monotonic() + 150
        while (
            time.monotonic() < deadline
            and len({key for key, status in runs(suite) if status == "done"}) < 2
        ):
            time.sleep(2)
        time.sleep(20)  # both beats ask again in the meantime
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    ended = datetime.now(UTC)
    keys = [key for key, _ in runs(suite)]
    assert len(keys) == len(set(keys)) >= 2, keys  # once per tick
    ticks = {
        f"classification@{began.replace(second=0, microsecond=0) + timedelta(minutes=m):%Y-%m-%dT%H:%M}"
        for m in range(1, 5)
    }
    passed = {tick for tick in ticks if tick.split("@")[1] <= f"{ended:%Y-%m-%dT%H:%M}"}
    assert passed <= set(keys) | {
        f"classification@{ended:%Y-%m-%dT%H:%M}"
    }  # every minute that passed has its run
