"""My day in the browser: today's tasks and planned contacts, what is overdue, marking a task
done, a new task with the API's messages, and a supervisor looking at a subordinate's day."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    LiveSuite,
    in_vietnamese,
    new_tab,
    screenshot,
    sign_in,
    visit,
)


def planned_later_today() -> str:
    """A moment still ahead today (so the contact is not late), at the latest 23:50."""
    now = dt.datetime.now().astimezone()
    latest = now.replace(hour=23, minute=50, second=0, microsecond=0)
    return min(now + dt.timedelta(hours=2), latest).isoformat()


@pytest.fixture(scope="module")
def deal(live: LiveSuite) -> dict[str, Any]:
    buyer = live.api(
        "POST",
        "/counterparties",
        {"name": "Công ty Thép An Phát", "legal_kind": "legal_entity", "force": True},
    )
    pipeline = live.api(
        "POST",
        "/pipelines",
        {
            "name": "Bán hàng",
            "mode": "simple",
            "stages": [
                {"name": "Báo giá", "probability": 30},
                {"name": "Đàm phán", "probability": 60},
            ],
        },
    )
    made = live.api(
        "POST",
        "/deals",
        {
            "title": "Thép cuộn cho nhà máy Bình Dương",
            "pipeline_id": pipeline["id"],
            "counterparty_id": buyer["id"],
            "amount": "850000000",
            "currency": "VND",
        },
    )
    return made | {"counterparty_name": buyer["name"]}


def task(
    live: LiveSuite, title: str, assignee_id: str, due: dt.date, **extra: Any
) -> dict[str, Any]:
    body = {"title": title, "assignee_id": assignee_id, "due_date": due.isoformat(), **extra}
    return live.api("POST", "/tasks", body)


def test_todays_task_is_on_my_day_and_leaves_the_open_list_when_marked_done(
    page: Page, live: LiveSuite, deal: dict[str, Any]
) -> None:
    admin, today = live.suite.admin_id, dt.date.today()
    quote = task(live, "Gửi báo giá thép cuộn", admin, today, deal_id=deal["id"])
    late = task(live, "Gọi lại về hợp đồng khung", admin, today - dt.timedelta(days=2))
    call = live.api(
        "POST",
        "/interactions",
        {
            "counterparty_id": deal["counterparty_id"],
            "deal_id": deal["id"],
            "kind": "call",
            "subject": "Thống nhất lịch giao hàng",
            "planned_at": planned_later_today(),
            "owner_id": admin,
        },
    )
    live.suite.deliver_events()

    page.goto(f"{live.url}/#/my-day")

    open_row = page.locator(".agenda.open li", has_text=quote["title"])
    expect(open_row).to_be_visible()
    expect(open_row.get_by_role("link", name=deal["title"])).to_have_attribute(
        "href", f"#/deals/{deal['id']}"
    )
    overdue = page.locator(".overdue-card")
    expect(overdue.locator("summary")).to_contain_text("1")  # folded under its count
    expect(overdue.locator("li", has_text=late["title"])).to_have_count(0)
    overdue.locator("summary").click()
    expect(overdue.locator("li", has_text=late["title"])).to_be_visible()
    contact = page.locator(".agenda li.contact", has_text=call["subject"])
    expect(contact.get_by_role("link", name=deal["counterparty_name"])).to_have_attribute(
        "href", f"#/counterparties/{deal['counterparty_id']}"
    )
    expect(page.get_by_label("Day of")).to_have_count(0)  # the admin supervises nobody
    screenshot(page, "myday")

    open_row.get_by_role("button", name="Done").click()

    expect(page.locator(".agenda.open li", has_text=quote["title"])).to_have_count(0)
    expect(page.locator(".agenda.done li", has_text=quote["title"])).to_have_count(1)
    assert live.api("GET", f"/tasks/{quote['id']}")["status"] == "done"


def test_the_week_shows_every_day_and_the_page_reads_in_vietnamese(
    page: Page, live: LiveSuite
) -> None:
    page.goto(f"{live.url}/#/my-day?range=week")
    expect(page.locator(".myday .day[data-day]")).to_have_count(7)
    expect(page.get_by_role("button", name="This week")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "myday-week")

    with in_vietnamese(page):
        page.goto(f"{live.url}/#/my-day")
        page.reload()
        expect(page.get_by_role("heading", name="Ngày của tôi")).to_be_visible()
        expect(page.get_by_role("button", name="Việc mới")).to_be_visible()
        screenshot(page, "myday-vi")


def test_a_new_task_shows_the_apis_message_next_to_the_field_then_joins_the_day(
    page: Page, live: LiveSuite, deal: dict[str, Any]
) -> None:
    page.goto(f"{live.url}/#/my-day")
    page.get_by_role("button", name="New task").first.click()
    dialog = page.locator("dialog")

    dialog.get_by_role("button", name="Create task").click()

    expect(dialog.locator(".error[data-field=title]")).to_be_visible()
    title = "Chuẩn bị hợp đồng mẫu"
    dialog.get_by_label("What needs doing").fill(title)
    dialog.get_by_label("Deal").select_option(label=deal["title"])
    dialog.get_by_role("button", name="Create task").click()

    expect(dialog).to_have_count(0)
    row = page.locator(".agenda.open li", has_text=title)
    expect(row.get_by_role("link", name=deal["title"])).to_be_visible()


@pytest.fixture
def supervisor_page(browser: Browser, live: LiveSuite) -> Iterator[Page]:
    """A tab of its own for the supervisor, not yet signed in."""
    opened = new_tab(browser, live)
    yield opened
    opened.context.close()


def test_a_supervisor_looks_at_a_subordinates_day(supervisor_page: Page, live: LiveSuite) -> None:
    name = uuid.uuid4().hex[:6]
    boss = live.api(
        "POST",
        "/users",
        {
            "username": f"lan.{name}",
            "password": "password-lan",
            "full_name": "Trần Thị Lan",
            "roles": ["manager"],
        },
    )
    minh = live.api(
        "POST",
        "/users",
        {
            "username": f"minh.{name}",
            "password": "password-minh",
            "full_name": "Nguyễn Văn Minh",
            "roles": ["manager"],
            "supervisor_id": boss["id"],
        },
    )
    visit = task(live, "Thăm kho hàng Long An", minh["id"], dt.date.today())
    page = supervisor_page
    sign_in(page, f"lan.{name}", "password-lan")
    page.goto(f"{live.url}/#/my-day")

    expect(page.get_by_text("Nothing planned for today")).to_be_visible()
    screenshot(page, "myday-empty")
    page.get_by_label("Day of").select_option(label="Nguyễn Văn Minh")

    expect(page.locator(".agenda.open li", has_text=visit["title"])).to_be_visible()
    expect(page.locator(".page-header .subtitle")).to_contain_text("Nguyễn Văn Minh")


def test_today_comes_before_what_is_overdue_and_overdue_tasks_are_done_or_moved_together(
    page: Page, live: LiveSuite
) -> None:
    admin, today = live.suite.admin_id, dt.date.today()
    first, second, third = (
        task(live, f"Việc cũ số {n}", admin, today - dt.timedelta(days=n + 3)) for n in (1, 2, 3)
    )
    task(live, "Việc của hôm nay", admin, today)
    visit(page, f"{live.url}/#/my-day")
    cards = page.locator(".myday .stack > .day")
    expect(cards.first).to_have_attribute("data-day", today.isoformat())
    overdue = page.locator(".overdue-card")
    overdue.locator("summary").click()
    overdue.get_by_label(f"Select task {first['title']}").check()
    overdue.get_by_label(f"Select task {second['title']}").check()
    overdue.get_by_role("button", name="Mark done (2)").click()
    expect(page.locator(".toast")).to_contain_text(["Tasks marked done: 2"])
    assert live.api("GET", f"/tasks/{first['id']}")["status"] == "done"
    assert live.api("GET", f"/tasks/{second['id']}")["status"] == "done"
    overdue.get_by_label(f"Select task {third['title']}").check()
    overdue.get_by_role("button", name="Move to today (1)").click()
    expect(page.locator(".toast")).to_contain_text(["Tasks moved to today: 1"])
    assert live.api("GET", f"/tasks/{third['id']}")["due_date"] == today.isoformat()
    today_card = page.locator(f".day[data-day='{today.isoformat()}']")
    expect(today_card.locator("li", has_text=third["title"])).to_be_visible()
    screenshot(page, "myday-overdue-bulk")
