"""An admin looks after people in the browser: she creates a colleague, resets her password so
that it must be changed, and deactivates her; the colleague's own tab follows each step."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveSuite, new_tab, screenshot


def test_a_reset_password_must_be_changed_first_and_a_deactivated_users_tab_is_signed_out(
    page: Page, browser: Browser, live: LiveSuite
) -> None:
    name = f"hoa-{uuid.uuid4().hex[:6]}"
    page.goto(live.url + "/#/admin")
    page.get_by_role("button", name="New user").click()
    form = page.locator("dialog")
    form.get_by_label("Username").fill(name)
    form.get_by_label("Password").fill("Mật-khẩu-đầu")
    form.get_by_label("Full name").fill("Nguyễn Thị Hoa")
    form.get_by_role("button", name="Create").click()
    row = page.locator(f"tr[data-user='{name}']")
    expect(row).to_contain_text("Nguyễn Thị Hoa")
    expect(row).to_contain_text("Active")

    row.get_by_role("button", name="Reset password").click()
    form.get_by_label("New password").fill("Tạm-thời-2026")
    expect(form.get_by_label("She must change it when she signs in")).to_be_checked()
    form.get_by_role("button", name="Reset password").click()
    expect(row).to_contain_text("Must change password")
    screenshot(page, "admin-users")

    hers = new_tab(browser, live)
    try:
        hers.get_by_label("Username").fill(name)
        hers.get_by_label("Password").fill("Tạm-thời-2026")
        hers.get_by_role("button", name="Sign in").click()
        expect(hers.get_by_role("heading", name="Choose your own password")).to_be_visible()
        hers.goto(live.url + "/#/counterparties")
        expect(hers.get_by_role("heading", name="Choose your own password")).to_be_visible()
        expect(hers.locator("header.topbar")).to_have_count(0)
        screenshot(hers, "forced-password-change")
        hers.get_by_label("Current password").fill("Tạm-thời-2026")
        hers.get_by_label(re.compile(r"New password(?! again)")).fill("Của-riêng-Hoa")
        hers.get_by_label("New password again").fill("Của-riêng-Hoa")
        hers.get_by_role("button", name="Change password").click()
        expect(hers.locator("header.topbar")).to_be_visible()
        expect(hers.locator(".page-header h1")).to_have_text("Counterparties")
        expect(hers.locator("nav.main")).not_to_contain_text("Administration")

        page.reload()
        expect(row).not_to_contain_text("Must change password")
        row.get_by_role("button", name="Deactivate").click()
        expect(row).to_contain_text("Deactivated")
        hers.locator("nav.main").get_by_role("link", name="Pipeline").click()
        expect(hers.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        hers.context.close()
