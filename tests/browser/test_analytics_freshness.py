"""The analytics say when they are behind their sources, in the browser: a notice over every tab
while events wait to be applied, none once the consumer has caught up."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, screenshot


def test_the_analytics_say_they_are_behind_while_events_wait_and_not_after(
    page: Page, live: LiveSuite
) -> None:
    stages = [{"name": "Tiếp cận", "probability": 10}]
    pipeline = live.api("POST", "/pipelines", {"name": "Dự án chậm", "stages": stages})
    live.suite.deliver_events()
    buyer = live.api("POST", "/counterparties", {"name": "Công ty TNHH Thép Miền Nam"})
    body = {"title": "Thép hình", "pipeline_id": pipeline["id"], "counterparty_id": buyer["id"]}
    live.api("POST", "/deals", body)  # its events wait: no consumer runs here
    time.sleep(1.2)
    with in_vietnamese(page):
        for tab in ("funnel", "outcomes", "lost"):
            page.goto(f"{live.url}/#/analytics/{tab}?pipeline_id={pipeline['id']}")
            page.reload()
            notice = page.locator(".an-behind")
            expect(notice).to_contain_text("Dữ liệu tính đến")
            expect(notice).to_contain_text("chậm")
        screenshot(page, "analytics-behind")
        live.suite.deliver_events()
        with page.expect_response(lambda reply: "/analytics/freshness" in reply.url) as asked:
            page.reload()
        assert asked.value.json()["sources"][0]["lag_events"] == 0
        page.locator(".analytics-body > :not(.loading)").first.wait_for()
        expect(page.locator(".an-behind")).to_have_count(0)
