"""The day of a salesperson, end to end in the browser: log in, register a buyer, open a deal, move
it on the board, lose it with a reason, and watch the funnel count it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveSuite, funnel_counts, new_tab, screenshot, sign_in

STAGES = ["Qualification", "Proposal", "Negotiation"]


@pytest.fixture(scope="module")
def pipeline(live: LiveSuite) -> dict[str, Any]:
    stages = [{"name": name, "probability": 20 + 30 * i} for i, name in enumerate(STAGES)]
    live.api("POST", "/lost-reasons", {"name": "Price too high"})
    return live.api("POST", "/pipelines", {"name": "Wholesale", "mode": "simple", "stages": stages})


@pytest.fixture()
def tab(browser: Browser, live: LiveSuite) -> Iterator[Page]:
    """A tab of its own, not yet signed in."""
    opened = new_tab(browser, live)
    yield opened
    opened.context.close()


def funnel_now(page: Page, live: LiveSuite, pipeline_id: str) -> dict[str, str]:
    """The funnel's counts once the analytics have heard of every change so far."""
    live.suite.deliver_events()
    page.goto(f"{live.url}/#/analytics/funnel?pipeline_id={pipeline_id}")
    page.reload()
    return funnel_counts(page)


def test_a_salesperson_opens_moves_and_loses_a_deal_and_the_funnel_counts_it(
    tab: Page, live: LiveSuite, pipeline: dict[str, Any]
) -> None:
    page = tab
    sign_in(page)
    before = funnel_now(page, live, pipeline["id"])

    page.goto(f"{live.url}/#/counterparties")
    page.locator(".page-header").get_by_role("button", name="New counterparty").click()
    form = page.locator("dialog form")
    form.get_by_label("Name").fill("Công ty CP Thép Việt Nhật")
    form.get_by_label("Tax ID").fill("0101234567")
    form.get_by_label("Customer").check()
    form.get_by_role("button", name="Create counterparty").click()
    expect(page.locator(".cp-card h1")).to_have_text("Công ty CP Thép Việt Nhật")
    [buyer] = live.api("GET", "/counterparties?q=thep viet nhat")["items"]

    page.goto(f"{live.url}/#/board/{pipeline['id']}")
    page.get_by_role("button", name="New deal").first.click()
    form = page.locator("dialog form")
    form.get_by_label("Title").fill("Thép cuộn cho nhà máy Bình Dương")
    form.get_by_label("Counterparty").fill("thep viet nhat")
    form.locator(".matches button", has_text=buyer["name"]).click()
    form.get_by_label("Amount").fill("480000000")
    form.get_by_role("button", name="Create deal").click()
    card = page.locator("article.deal-card", has_text="Thép cuộn cho nhà máy Bình Dương")
    expect(
        page.locator('section.column[data-stage="Qualification"]').locator("article")
    ).to_contain_text(["Thép cuộn"])
    screenshot(page, "board")

    card.drag_to(page.locator('section.column[data-stage="Proposal"]'))
    expect(page.locator('section.column[data-stage="Proposal"] article.deal-card')).to_have_count(1)
    expect(page.locator(".toast")).to_contain_text(["moved to Proposal"])
    deal_id = card.get_attribute("data-deal")
    assert live.api("GET", f"/deals/{deal_id}")["stage_id"] == pipeline["stages"][1]["id"]

    moved = funnel_now(page, live, pipeline["id"])
    assert moved["Qualification"] == str(int(before.get("Qualification", "0")) + 1)
    assert moved["Proposal"] == str(int(before.get("Proposal", "0")) + 1)
    assert moved["Negotiation"] == before.get("Negotiation", "0")

    page.goto(f"{live.url}/#/deals/{deal_id}")
    page.get_by_role("button", name="Lost").click()
    dialog = page.locator("dialog")
    dialog.get_by_role("button", name="Lost").click()
    expect(dialog.locator('[data-field="reason_id"]')).to_be_visible()
    screenshot(page, "deal-lose-needs-reason", full_page=False)
    dialog.get_by_label("Reason").select_option(label="Price too high")
    dialog.get_by_label("Comment").fill("Đối thủ chào giá thấp hơn 8%")
    dialog.get_by_role("button", name="Lost").click()
    expect(page.locator(".page-header .badge")).to_have_text("Lost")
    assert live.api("GET", f"/deals/{deal_id}")["status"] == "lost"
    screenshot(page, "deal-card")

    page.goto(f"{live.url}/#/board/{pipeline['id']}")
    expect(page.locator("article.deal-card", has_text="Thép cuộn")).to_have_count(0)
    after = funnel_now(page, live, pipeline["id"])
    assert after["Proposal"] == moved["Proposal"]
    screenshot(page, "funnel-after-loss")
