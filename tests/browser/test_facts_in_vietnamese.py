"""In Vietnamese, what the system writes into timelines and the bell is Vietnamese: the services
store facts (kind + parameters) and the UI says them from its own catalogue."""

from __future__ import annotations

from datetime import UTC, date, datetime

from playwright.sync_api import Page, expect

from services.deals.service_layer import reminders
from tests.browser.conftest import LiveSuite, in_vietnamese, screenshot

# The English sentences the services used to write, and still write into `title` for old clients.
ENGLISH = (
    "Deal opened",
    "Deal won",
    "Deal lost",
    "Task:",
    "Task done",
    "by the process",
    "Due ",
    "Overdue",
    "E-mail",
    "Birthday",
    "Order ",
    "Invoice ",
    "posted",
)


def english_in(text: str) -> list[str]:
    return [phrase for phrase in ENGLISH if phrase in text]


def test_in_vietnamese_no_english_system_text_in_timelines_or_notifications(
    page: Page, live: LiveSuite
) -> None:
    buyer = live.api("POST", "/counterparties", {"name": "Công ty Cổ phần Thép Việt Á"})
    stages = [{"name": "Tiếp cận", "probability": 10}, {"name": "Đàm phán", "probability": 60}]
    process = live.api("POST", "/pipelines", {"name": "Bán sỉ", "mode": "simple", "stages": stages})
    deal = live.api(
        "POST",
        "/deals",
        {
            "title": "Thép cuộn cho Việt Á",
            "pipeline_id": process["id"],
            "counterparty_id": buyer["id"],
            "amount": "350000000",
            "currency": "VND",
        },
    )
    live.api("POST", f"/deals/{deal['id']}/stage", {"stage_id": process["stages"][1]["id"]})
    task = {
        "title": "Gửi hợp đồng cho Việt Á",
        "assignee_id": live.suite.admin_id,
        "due_date": str(date.today()),
        "deal_id": deal["id"],
    }
    live.api("POST", "/tasks", task)
    live.api("POST", f"/deals/{deal['id']}/win")
    live.suite.deliver_events()
    reminders.scan(live.suite.deals.uow(), datetime.now(UTC))
    with in_vietnamese(page):
        page.goto(live.url + f"/#/deals/{deal['id']}")
        page.reload()
        timeline = page.locator(".card", has_text="Thắng thương vụ: Thép cuộn cho Việt Á")
        expect(timeline).to_contain_text("Mở thương vụ: Thép cuộn cho Việt Á")
        expect(timeline).to_contain_text("Thép cuộn cho Việt Á → Đàm phán")
        expect(timeline).to_contain_text("Công việc: Gửi hợp đồng cho Việt Á")
        assert english_in(timeline.inner_text()) == []
        screenshot(page, "deal-timeline-vi")

        page.goto(live.url + f"/#/counterparties/{buyer['id']}?tab=timeline")
        page.reload()
        history = page.locator("ol.cp-timeline")
        won = history.locator("li", has_text="Thắng thương vụ")
        expect(won.get_by_role("link", name="Thép cuộn cho Việt Á", exact=True)).to_be_visible()
        assert english_in(history.inner_text()) == []

        page.get_by_role("button", name="Thông báo").click()
        bell = page.locator(".popover.notifications")
        expect(bell).to_contain_text("Gửi hợp đồng cho Việt Á")
        expect(bell).to_contain_text("Đến hạn")
        assert english_in(bell.inner_text()) == []
        screenshot(page, "notifications-vi", full_page=False)
