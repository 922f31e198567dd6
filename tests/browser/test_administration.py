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
    row.get_by_role("button", name="Edit").click()
    form.get_by_label("Marketer").check()
    form.get_by_label("Supervisor").select_option(label="Administrator")
    form.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("Marketer")
    expect(row.locator("td").nth(3)).to_have_text("Administrator")

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
        hers.get_by_role("button", name="Nguyễn Thị Hoa").click()
        hers.get_by_role("button", name="Change my password").click()
        dialog = hers.locator("dialog")
        dialog.get_by_label("Current password").fill("Của-riêng-Hoa")
        dialog.get_by_label(re.compile(r"New password(?! again)")).fill("Mới-hơn-nữa")
        dialog.get_by_label("New password again").fill("Mới-hơn-nữa")
        dialog.get_by_role("button", name="Change password").click()
        expect(hers.get_by_text("Your password is changed.")).to_be_visible()

        page.reload()
        expect(row).not_to_contain_text("Must change password")
        row.get_by_role("button", name="Deactivate").click()
        expect(row).to_contain_text("Deactivated")
        hers.locator("nav.main").get_by_role("link", name="Pipeline").click()
        expect(hers.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        hers.context.close()

    row.get_by_role("button", name="History").click()
    card = page.locator("dialog .audit-list")
    expect(card.locator("li[data-action=deactivated] .audit-actor")).to_have_text("Administrator")
    expect(card.locator("li[data-action=password_reset]")).to_be_visible()
    expect(card.locator("li[data-action=password_changed] .audit-actor")).to_have_text(
        ["Nguyễn Thị Hoa", "Nguyễn Thị Hoa"]
    )
    expect(card.locator("li[data-action=created]")).to_be_visible()
    assert "Tạm-thời-2026" not in page.locator("dialog").inner_text()
    screenshot(page, "admin-user-history")
    page.locator("dialog").get_by_role("button", name="Close").last.click()


def test_an_admin_archives_and_restores_a_group_and_sees_a_new_key_only_once(
    page: Page, live: LiveSuite
) -> None:
    group = f"Miền Trung {uuid.uuid4().hex[:4]}"
    page.goto(live.url + "/#/admin?tab=groups")
    page.get_by_label("Group name").fill(group)
    page.get_by_role("button", name="New group").click()
    row = page.locator(f"tr[data-group='{group}']")
    row.get_by_role("button", name="Archive").click()
    expect(row).to_contain_text("archived")
    row.get_by_role("button", name="Restore").click()
    expect(row.get_by_role("button", name="Archive")).to_be_visible()

    page.get_by_role("tab", name="API keys").click()
    page.get_by_role("button", name="New API key").click()
    form = page.locator("dialog")
    form.get_by_label("Name of the system").fill("ERP 1C")
    form.get_by_label("erp:write").check()
    form.get_by_role("button", name="Create").click()
    key = form.locator("code.admin-secret").inner_text()
    assert key.startswith("crm_")
    form.get_by_role("button", name="I have stored it").click()
    row = page.locator("tr[data-key='ERP 1C']").first
    expect(row).to_contain_text("erp:write")
    screenshot(page, "admin-keys")
    assert key not in page.content()
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("Revoked")
