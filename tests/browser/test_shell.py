from __future__ import annotations

from playwright.sync_api import Page, expect

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
