"""A Vietnamese team on a machine whose clock is in UTC: its days are Vietnam's days."""

from __future__ import annotations

import os
import time as clock
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from services.deals.service_layer import reminders
from tests.browser.conftest import LiveSuite, new_tab, screenshot, sign_in, visit

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SUBJECT = "Họp với anh Tuấn trước giờ mở cửa"


@pytest.fixture(scope="module", autouse=True)
def machine_clock_in_utc() -> Iterator[None]:
    """The test process keeps UTC, as servers do (the other browser tests keep a daytime zone)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    clock.tzset()
    yield
    if before is not None:
        os.environ["TZ"] = before
    clock.tzset()


@pytest.fixture(scope="module")
def meeting(live: LiveSuite) -> datetime:
    """A meeting at 00:30 today in Vietnam (17:30 UTC yesterday), and its reminder made a day
    ahead, as the scheduled scan makes it."""
    live.api("PUT", "/settings/time-zone", {"time_zone": "Asia/Ho_Chi_Minh"})
    at = datetime.combine(datetime.now(VIETNAM).date(), time(0, 30), VIETNAM)
    party = live.api(
        "POST",
        "/counterparties",
        {"name": "Công ty Bình Minh", "force": True, "owner_id": live.suite.admin_id},
    )
    planned = {
        "counterparty_id": party["id"],
        "kind": "meeting",
        "subject": SUBJECT,
        "planned_at": at.isoformat(),
        "owner_id": live.suite.admin_id,
    }
    live.api("POST", "/interactions", planned)
    live.suite.deliver_events()
    reminders.scan(live.suite.deals.uow(), at - timedelta(hours=2))
    return at


@pytest.fixture(scope="module")
def utc_tab(browser: Browser, live: LiveSuite) -> Iterator[Page]:
    opened = new_tab(browser, live, timezone_id="UTC")
    sign_in(opened)
    opened.evaluate("localStorage.setItem('crm.language', 'vi')")
    yield opened
    opened.context.close()


def test_a_meeting_at_half_past_midnight_in_vietnam_is_on_that_day_in_my_day(
    utc_tab: Page, live: LiveSuite, meeting: datetime
) -> None:
    visit(utc_tab, f"{live.url}/#/my-day")
    today = utc_tab.locator(f"section.day[data-day='{meeting.date().isoformat()}']")
    item = today.locator("li.contact", has_text=SUBJECT)
    expect(item).to_be_visible()
    expect(item).to_contain_text("00:30")
    expect(utc_tab.locator("li.contact", has_text=SUBJECT)).to_have_count(1)
    screenshot(utc_tab, "time-zone-my-day", full_page=False)


def test_its_reminder_in_the_bell_says_half_past_midnight_not_the_utc_time(
    utc_tab: Page, live: LiveSuite, meeting: datetime
) -> None:
    visit(utc_tab, f"{live.url}/#/my-day")
    utc_tab.get_by_role("button", name="Thông báo").click()
    item = utc_tab.locator(".notification", has_text=SUBJECT)
    expect(item).to_contain_text("00:30")
    expect(item).not_to_contain_text("17:30")
    expect(item).to_contain_text(f"{meeting.day}")
    screenshot(utc_tab, "time-zone-bell", full_page=False)


def test_the_api_says_the_company_counts_in_vietnam(live: LiveSuite, meeting: datetime) -> None:
    me: dict[str, Any] = live.api("GET", "/me")
    assert me["company_time_zone"] == "Asia/Ho_Chi_Minh"


def test_an_admin_sets_the_companys_time_zone_in_setup(utc_tab: Page, live: LiveSuite) -> None:
    visit(utc_tab, f"{live.url}/#/setup?tab=company")
    card = utc_tab.locator(".company-settings")
    expect(card.get_by_label("Múi giờ")).to_have_value("Asia/Ho_Chi_Minh")
    card.get_by_label("Múi giờ").select_option("Asia/Bangkok")
    card.get_by_role("button", name="Lưu").click()
    expect(utc_tab.locator(".toast")).to_contain_text(["Đã lưu múi giờ Asia/Bangkok"])
    assert live.api("GET", "/settings/time-zone")["time_zone"] == "Asia/Bangkok"
    screenshot(utc_tab, "time-zone-setup", full_page=False)
    live.api("PUT", "/settings/time-zone", {"time_zone": "Asia/Ho_Chi_Minh"})
