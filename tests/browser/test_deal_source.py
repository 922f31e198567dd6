"""Where a deal came from, in the browser and in Vietnamese: chosen on the deal card, shown in
its facts, filtered on the board and in the funnel, and counted in the deal outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, screenshot

SOURCES = ["Triển lãm", "Khách hàng giới thiệu", "Website"]


@pytest.fixture(scope="module")
def sales(live: LiveSuite) -> dict[str, Any]:
    """Three sources and a pipeline with three deals: one from the exhibition (won), one from a
    referral, one whose source nobody gave yet."""
    sources = {name: live.api("POST", "/deal-sources", {"name": name})["id"] for name in SOURCES}
    stages = [{"name": "Tiếp cận", "probability": 10}, {"name": "Báo giá", "probability": 40}]
    pipeline = live.api("POST", "/pipelines", {"name": "Dự án nguồn", "stages": stages})
    buyer = live.api("POST", "/counterparties", {"name": "Công ty CP Xây dựng Hòa Bình"})

    def open_deal(title: str, source: str | None) -> dict[str, Any]:
        body = {"title": title, "pipeline_id": pipeline["id"], "counterparty_id": buyer["id"]}
        body |= {"amount": "150000000", "currency": "VND"}
        return live.api("POST", "/deals", body | ({"source_id": sources[source]} if source else {}))

    fair = open_deal("Thép cho nhà xưởng", "Triển lãm")
    live.api("POST", f"/deals/{fair['id']}/win", {})
    referral = open_deal("Ống thép cho cầu", "Khách hàng giới thiệu")
    unknown = open_deal("Tôn lợp mái", None)
    live.suite.deliver_events()
    return {
        "pipeline": pipeline,
        "sources": sources,
        "fair": fair,
        "referral": referral,
        "unknown": unknown,
    }


def test_a_source_chosen_on_the_deal_card_is_shown_in_its_facts(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    with in_vietnamese(page):
        page.goto(f"{live.url}/#/deals/{sales['unknown']['id']}")
        page.reload()
        facts = page.locator("dl.facts")
        expect(facts.locator("dt", has_text="Nguồn")).to_be_visible()
        page.get_by_role("button", name="Sửa").click()
        page.locator("dialog select[name=source_id]").select_option(label="Website")
        page.locator("dialog").get_by_role("button", name="Lưu").click()
        expect(facts).to_contain_text("Website")
        screenshot(page, "deal-source-on-the-card")
    assert (
        live.api("GET", f"/deals/{sales['unknown']['id']}")["source_id"]
        == sales["sources"]["Website"]
    )


def test_the_board_shows_only_the_deals_of_the_source_picked(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    with in_vietnamese(page):
        page.goto(f"{live.url}/#/board/{sales['pipeline']['id']}")
        page.reload()
        expect(page.locator("article.deal-card")).to_have_count(2)  # the won one is off the board
        page.locator("select[name=source_id]").select_option(label="Khách hàng giới thiệu")
        expect(page.locator("article.deal-card")).to_have_count(1)
        expect(page.locator(f"article[data-deal='{sales['referral']['id']}']")).to_be_visible()
        assert "source_id=" in page.url


def test_the_deal_outcomes_by_source_count_deals_wins_and_revenue(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    with in_vietnamese(page):
        route = f"outcomes?by=source&pipeline_id={sales['pipeline']['id']}"
        page.goto(f"{live.url}/#/analytics/{route}")
        page.reload()
        fair = page.locator("table.outcomes tr[data-key='Triển lãm']")
        expect(fair.locator("td.deals")).to_have_text("1")
        expect(fair.locator("td.won")).to_have_text("1")
        expect(fair.locator("td.win-rate")).to_have_text("100%")
        expect(fair.locator("td.revenue")).to_contain_text("150.000.000")
        expect(
            page.locator("table.outcomes tr[data-key='Khách hàng giới thiệu'] td.deals")
        ).to_have_text("1")
        screenshot(page, "deal-outcomes-by-source")


def test_the_funnel_of_one_source_counts_only_its_deals(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    page.goto(f"{live.url}/#/analytics/funnel?pipeline_id={sales['pipeline']['id']}")
    page.reload()
    page.locator("table.funnel").wait_for()
    expect(page.locator(".stat .stat-value").first).to_have_text("3")
    page.locator("select[name=source_id]").select_option(label="Triển lãm")
    expect(page.locator(".stat .stat-value").first).to_have_text("1")
    assert "source_id=" in page.url
