"""Reminders from a real celery worker on the real broker (a vhost of this run) and a real
PostgreSQL database: each notification once, also across a worker restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crmkit.settings import Settings
from services.deals.entrypoints import tasks
from tests.deals.integration.helpers import API, counterparty, ok
from tests.support import Suite

pytestmark = pytest.mark.integration


def notifications(suite: Suite, headers: dict[str, str], kind: str) -> list[dict[str, Any]]:
    items = ok(
        suite.client.get(f"{API}/notifications", query_string={"page_size": 500}, headers=headers)
    )["items"]
    return [n for n in items if n["kind"] == kind]


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not do it in time"
        time.sleep(0.3)


def test_a_birthday_notification_appears_once_on_the_day_even_after_a_worker_restart(
    postgres_suite: Suite, amqp_url: str
) -> None:
    suite, admin = postgres_suite, postgres_suite.headers()
    today = datetime.now(UTC).date()
    client = counterparty(suite, admin, owner_id=suite.admin_id)
    person = {
        "full_name": "Phạm Thu Dung",
        "birthday": str(
            today.replace(year=1980) if (today.month, today.day) != (2, 29) else date(1980, 2, 29)
        ),
    }
    ok(
        suite.client.post(
            f"{API}/counterparties/{client['id']}/contacts", json=person, headers=admin
        ),
        201,
    )
    suite.deliver_events()
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(suite.settings.data_dir),
        "CRM_DEALS_DB_URL": suite.settings.db_url("deals"),
        "CRM_AMQP_URL": amqp_url,
        "CRM_LOG_LEVEL": "WARNING",
    }
    sender = tasks.create_celery(Settings.from_env(env))
    for round_number in range(2):
        marker = ok(
            suite.client.post(
                f"{API}/tasks",
                json={
                    "title": f"Round {round_number}",
                    "assignee_id": suite.admin_id,
                    "due_date": str(today),
                },
                headers=admin,
            ),
            201,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "services.deals", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            sender.send_task("deals.scan_reminders")
            wait_for(
                lambda marker=marker: (
                    marker["id"] in [n["ref_id"] for n in notifications(suite, admin, "task_due")]
                )
            )  # type: ignore[misc]
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    birthdays = [
        n for n in notifications(suite, admin, "birthday") if "Phạm Thu Dung" in n["title"]
    ]
    assert len(birthdays) == 1
    read = ok(suite.client.post(f"{API}/notifications/{birthdays[0]['id']}/read", headers=admin))
    assert read["read_at"] is not None
    unread = ok(
        suite.client.get(
            f"{API}/notifications",
            query_string={"unread_only": "true", "page_size": 500},
            headers=admin,
        )
    )["items"]
    assert birthdays[0]["id"] not in [n["id"] for n in unread]
    assert timedelta(0) <= datetime.fromisoformat(read["read_at"]) - datetime.fromisoformat(
        birthdays[0]["created_at"]
    )


def test_someone_elses_notification_cannot_be_marked_read(postgres_suite: Suite) -> None:
    suite = postgres_suite
    other = suite.user("other-" + str(time.time_ns())[-6:], ["manager"])
    mine = ok(suite.client.get(f"{API}/notifications", headers=suite.headers()))["items"]
    assert mine, "the test before leaves the admin some notifications"
    assert (
        suite.client.post(f"{API}/notifications/{mine[0]['id']}/read", headers=other).status_code
        == 404
    )
