"""The company counts its days in its time zone (Vietnam's unless an admin says otherwise) and
each user reads in her own; the machine's clock and the database keep UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.deals.service_layer import reminders
from tests.deals.integration.helpers import API, counterparty, ok
from tests.support import Suite, running_suite, settings_for

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# 17:30 UTC on 4 December is half past midnight on 5 December in Vietnam.
MEETING = datetime(2026, 12, 5, 0, 30, tzinfo=VIETNAM)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """A company nobody set a time zone for."""
    with running_suite(settings_for(tmp_path_factory.mktemp("var")), None) as suite:
        yield suite


@pytest.fixture
def admin(fresh: Suite) -> dict[str, str]:
    return fresh.headers()


def notifications(suite: Suite, headers: dict[str, str]) -> list[dict[str, Any]]:
    query = {"page_size": 500}
    return ok(suite.client.get(f"{API}/notifications", query_string=query, headers=headers))[
        "items"
    ]


def test_a_new_company_counts_its_days_in_vietnam_and_so_does_everyone_who_chose_none(
    fresh: Suite, admin: dict[str, str]
) -> None:
    setting = ok(fresh.client.get(f"{API}/settings/time-zone", headers=admin))
    assert setting["time_zone"] == "Asia/Ho_Chi_Minh"
    me = ok(fresh.client.get(f"{API}/me", headers=admin))
    assert (me["time_zone"], me["company_time_zone"]) == (None, "Asia/Ho_Chi_Minh")


def test_a_user_reads_in_her_own_time_zone_and_an_unknown_one_is_refused_by_name(
    fresh: Suite, admin: dict[str, str]
) -> None:
    headers = fresh.user("lan.tz", ["manager"])
    mine = ok(fresh.client.patch(f"{API}/me", json={"time_zone": "Europe/Berlin"}, headers=headers))
    assert (mine["time_zone"], mine["company_time_zone"]) == ("Europe/Berlin", "Asia/Ho_Chi_Minh")
    wrong = fresh.client.patch(f"{API}/me", json={"time_zone": "Sài Gòn"}, headers=headers)
    assert wrong.status_code == 422
    assert [(e["field"], e["code"]) for e in wrong.get_json()["errors"]] == [
        ("time_zone", "not_a_time_zone")
    ]
    back = ok(fresh.client.patch(f"{API}/me", json={"time_zone": None}, headers=headers))
    assert back["time_zone"] is None


def test_only_an_admin_sets_the_company_time_zone_and_a_stale_change_is_refused(
    fresh: Suite, admin: dict[str, str]
) -> None:
    manager = fresh.user("minh.tz", ["manager"])
    body = {"time_zone": "Asia/Bangkok"}
    refused = fresh.client.put(f"{API}/settings/time-zone", json=body, headers=manager)
    assert refused.status_code == 403
    before = ok(fresh.client.get(f"{API}/settings/time-zone", headers=admin))
    changed = ok(fresh.client.put(f"{API}/settings/time-zone", json=body, headers=admin))
    assert (changed["time_zone"], changed["version"]) == ("Asia/Bangkok", before["version"] + 1)
    stale = {"If-Match": f'"{before["version"]}"', **admin}
    again = {"time_zone": "Asia/Ho_Chi_Minh"}
    assert (
        fresh.client.put(f"{API}/settings/time-zone", json=again, headers=stale).status_code == 412
    )
    ok(fresh.client.put(f"{API}/settings/time-zone", json=again, headers=admin))
    wrong = fresh.client.put(
        f"{API}/settings/time-zone", json={"time_zone": "GMT+7"}, headers=admin
    )
    assert wrong.get_json()["errors"][0]["code"] == "not_a_time_zone"


def test_a_meeting_at_half_past_midnight_is_on_that_vietnamese_day_in_the_planner(
    fresh: Suite, admin: dict[str, str]
) -> None:
    client = counterparty(fresh, admin, owner_id=fresh.admin_id)
    planned = {
        "counterparty_id": client["id"],
        "kind": "meeting",
        "subject": "Họp đầu ngày",
        "planned_at": MEETING.astimezone(UTC).isoformat(),
        "owner_id": fresh.admin_id,
    }
    ok(fresh.client.post(f"{API}/interactions", json=planned, headers=admin), 201)
    fresh.deliver_events()
    query = {"from": "2026-12-04", "to": "2026-12-05"}
    days = ok(fresh.client.get(f"{API}/planner", query_string=query, headers=admin))["days"]
    assert [(d["date"], [i["subject"] for i in d["interactions"]]) for d in days] == [
        ("2026-12-05", ["Họp đầu ngày"])
    ]
    # its reminder, a day ahead: the time as Vietnam's clock reads it
    reminders.scan(fresh.deals.uow(), MEETING - timedelta(hours=3))
    [reminder] = [n for n in notifications(fresh, admin) if n["ref_id"] and "Họp đầu" in n["title"]]
    assert reminder["kind"] == "interaction_upcoming"
    assert "2026-12-05 00:30 (Asia/Ho_Chi_Minh)" in reminder["title"]
    assert reminder["params"]["at"] == MEETING.astimezone(UTC).isoformat()


def test_at_midnight_in_vietnam_yesterdays_task_is_overdue_and_todays_birthday_comes_while_utc_is_still_on_the_day_before(
    fresh: Suite, admin: dict[str, str]
) -> None:
    vietnams_midnight = datetime.combine(date(2026, 12, 5), time(0, 5), VIETNAM)  # 17:05 UTC, 4th
    client = counterparty(fresh, admin, owner_id=fresh.admin_id)
    task = {"title": "Gửi báo giá tz", "assignee_id": fresh.admin_id, "due_date": "2026-12-04"}
    made = ok(fresh.client.post(f"{API}/tasks", json=task, headers=admin), 201)
    person = {"full_name": "Đỗ Ngày Sinh", "birthday": "1985-12-05"}
    ok(
        fresh.client.post(
            f"{API}/counterparties/{client['id']}/contacts", json=person, headers=admin
        ),
        201,
    )
    fresh.deliver_events()
    reminders.scan(fresh.deals.uow(), vietnams_midnight)
    found = notifications(fresh, admin)
    assert [n["kind"] for n in found if n["ref_id"] == made["id"]] == ["task_overdue"]
    assert any(n["kind"] == "birthday" and n["params"]["name"] == "Đỗ Ngày Sinh" for n in found)


def test_a_user_in_berlin_sees_the_same_meeting_on_the_evening_before_in_her_planner(
    fresh: Suite, admin: dict[str, str]
) -> None:
    headers = fresh.user("hoa.berlin", ["manager"])
    me = ok(fresh.client.patch(f"{API}/me", json={"time_zone": "Europe/Berlin"}, headers=headers))
    client = counterparty(fresh, admin, owner_id=me["id"])
    planned = {
        "counterparty_id": client["id"],
        "kind": "call",
        "subject": "Gọi từ Berlin",
        "planned_at": MEETING.astimezone(UTC).isoformat(),
        "owner_id": me["id"],
    }
    ok(fresh.client.post(f"{API}/interactions", json=planned, headers=admin), 201)
    fresh.deliver_events()
    query = {"from": "2026-12-04", "to": "2026-12-05"}
    days = ok(fresh.client.get(f"{API}/planner", query_string=query, headers=headers))["days"]
    assert [(d["date"], [i["subject"] for i in d["interactions"]]) for d in days] == [
        ("2026-12-04", ["Gọi từ Berlin"])  # 18:30 in Berlin
    ]
