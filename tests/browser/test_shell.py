from __future__ import annotations

import re
from datetime import UTC, date, datetime

from playwright.sync_api import Page, Route, expect

from services.deals.service_layer import reminders
from tests.browser.conftest import LiveSuite, screenshot


def test_the_ui_is_served_at_the_root_with_headers_that_keep_it_in_its_box(live: LiveSuite) -> None:
    reply = live.suite.client.get("/")
    assert reply.status_code == 200
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Frame-Options"] == "DENY"


def test_a_signed_in_user_sees_the_areas_of_the_crm_in_the_header(page: Page) -> None:
    for area in ("Pipeline", "Counterparties", "My day", "Mail", "Analytics"):
        expect(page.locator("nav.main").get_by_role("link", name=area)).to_be_visible()
    screenshot(page, "shell")


def test_the_header_search_finds_counterparties_and_deals_typed_without_diacritics(
    page: Page, live: LiveSuite
) -> None:
    buyer = live.api("POST", "/counterparties", {"name": "Công ty TNHH Điện máy Hưng Thịnh"})
    stages = [{"name": "Mới", "probability": 10}, {"name": "Chốt", "probability": 90}]
    process = live.api("POST", "/pipelines", {"name": "Dự án", "mode": "simple", "stages": stages})
    deal = live.api(
        "POST",
        "/deals",
        {
            "title": "Tủ lạnh Hưng Thịnh",
            "pipeline_id": process["id"],
            "counterparty_id": buyer["id"],
        },
    )
    page.get_by_placeholder("Search counterparties and deals").fill("hung thinh")
    results = page.locator(".search-results")
    expect(results.get_by_role("link", name=buyer["name"])).to_be_visible()
    expect(results.get_by_role("link", name=deal["title"])).to_be_visible()
    screenshot(page, "header-search", full_page=False)
    results.get_by_role("link", name=deal["title"]).click()
    expect(page.locator(".page-header h1")).to_have_text(deal["title"])


def test_a_due_task_rings_the_bell_until_it_is_marked_read(page: Page, live: LiveSuite) -> None:
    live.api(
        "POST",
        "/tasks",
        {
            "title": "Gọi lại cho chị Lan về báo giá",
            "assignee_id": live.suite.admin_id,
            "due_date": str(date.today()),
        },
    )
    reminders.scan(live.suite.deals.uow(), datetime.now(UTC))
    page.reload()
    bell = page.get_by_role("button", name="Notifications")
    expect(bell.locator(".count")).to_have_text("1")
    bell.click()
    item = page.locator(".notification", has_text="Gọi lại cho chị Lan")
    expect(item).to_be_visible()
    screenshot(page, "notifications", full_page=False)
    item.get_by_role("button", name="Mark read").click()
    expect(page.get_by_text("You are all caught up")).to_be_visible()
    expect(bell.locator(".count")).to_have_count(0)


def test_in_vietnamese_the_labels_dates_and_money_follow_the_language(
    page: Page, live: LiveSuite
) -> None:
    page.goto(live.url + "/#/board")
    page.get_by_role("button", name="Administrator").click()
    page.get_by_label("Language").select_option("vi")
    try:
        expect(page.locator("nav.main")).to_contain_text("Phễu bán hàng")
        expect(page.locator("nav.main")).to_contain_text("Đối tác")
        expect(page.locator(".page-header")).to_contain_text("Thương vụ đang mở")
        expect(page.locator(".page-header")).to_contain_text("₫")
        screenshot(page, "board-vi")
    finally:
        page.evaluate("localStorage.setItem('crm.language', 'en')")
        page.reload()


DEALS_LIST = re.compile(r".*/api/v1/deals\?.*")


def test_a_screen_that_answers_late_does_not_draw_over_the_one_opened_after_it(
    page: Page, live: LiveSuite
) -> None:
    stages = [{"name": "Mới", "probability": 10}]
    live.api("POST", "/pipelines", {"name": "Chậm", "mode": "simple", "stages": stages})
    held: list[Route] = []

    def hold(route: Route) -> None:  # the board's deals wait until the test lets them go
        held.append(route)

    page.route(DEALS_LIST, hold)
    try:
        page.evaluate("location.hash = '#/board'")
        for _ in range(150):  # until the board has asked for its deals (slow on a busy machine)
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "the board asked for its deals"
        page.evaluate("location.hash = '#/my-day'")
        expect(page.locator(".page-header h1")).to_have_text("My day")
        for route in held:
            route.continue_()
        page.wait_for_timeout(1000)
        expect(page.locator(".page-header h1")).to_have_text("My day")
        expect(page.locator(".board")).to_have_count(0)
    finally:
        page.unroute(DEALS_LIST, hold)
