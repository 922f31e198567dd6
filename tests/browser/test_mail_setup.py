"""Mail setup and company groups in the browser, in Vietnamese: a sales director keeps the mail
templates (previewed on a counterparty), the sending rules (switched off and on), the address
groups (who matches, seen while the criteria are typed), the mailboxes and who may use them, and
the company groups; on a counterparty's card she puts it in a group and makes it a division of
another — none of it through the API, each archived and restored once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, make_people, screenshot, tab_of

DIRECTOR = "Phạm Thu Hà"


@pytest.fixture(scope="module")
def people(live: LiveSuite) -> dict[str, dict[str, str]]:
    return make_people(live, [("director", DIRECTOR, "director")])


@pytest.fixture(scope="module")
def director(
    browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]
) -> Iterator[Page]:
    yield from tab_of(browser, live, people["director"])


def visit(page: Page, live: LiveSuite, route: str) -> None:
    """Opens #<route> afresh, and waits for the setup tab (when it is one) to be drawn."""
    page.locator("#screen > :not(.loading)").first.wait_for()
    page.goto(f"{live.url}/#{route}")
    page.reload()
    page.locator("#screen > :not(.loading)").first.wait_for()
    if route.startswith("/setup"):
        page.locator(".setup-body > :not(.loading)").first.wait_for()


def counterparty(live: LiveSuite, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "legal_kind": "legal_entity", "roles": ["customer"], "force": True}
    return live.api("POST", "/counterparties", body | fields)


def test_the_director_keeps_company_groups_and_makes_a_counterparty_a_division_of_another_in_one(
    director: Page, live: LiveSuite
) -> None:
    parent = counterparty(live, "Công ty CP Tập đoàn Hòa Phát")
    division = counterparty(live, "Công ty TNHH Thép Hòa Phát Hải Dương")
    page = director
    with in_vietnamese(page):
        visit(page, live, "/setup?tab=lists")
        groups = page.locator("section.company-groups")
        for name in ("Tập đoàn Hòa Phát", "Tập đoàn Thép Cũ"):
            groups.get_by_label("Tập đoàn mới").fill(name)
            groups.get_by_role("button", name="Thêm").click()
            expect(groups.locator(f"li[data-entry='{name}']")).to_be_visible()

        old = groups.locator("li[data-entry='Tập đoàn Thép Cũ']")
        old.get_by_role("button", name="Lưu trữ").click()
        page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        expect(old).to_have_count(0)
        groups.get_by_label("Hiện mục đã lưu trữ").check()
        expect(old.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
        screenshot(page, "mail-setup-company-groups-archived")
        old.get_by_role("button", name="Khôi phục").click()
        expect(old.locator(".badge")).to_have_count(0)

        groups.locator("li[data-entry='Tập đoàn Hòa Phát']").get_by_role(
            "button", name="Đổi tên"
        ).click()
        page.locator("dialog").get_by_label("Tên tập đoàn").fill("Tập đoàn Hòa Phát (HPG)")
        page.locator("dialog").get_by_role("button", name="Lưu").click()
        expect(groups.locator("li[data-entry='Tập đoàn Hòa Phát (HPG)']")).to_be_visible()
        screenshot(page, "mail-setup-company-groups")

        visit(page, live, f"/counterparties/{division['id']}")
        holding = page.locator("section.cp-holding")
        holding.get_by_role("button", name="Sửa").click()
        dialog = page.locator("dialog")
        dialog.get_by_label("Tập đoàn").select_option(label="Tập đoàn Hòa Phát (HPG)")
        dialog.get_by_label("Công ty mẹ").fill("Tập đoàn Hòa Phát")
        dialog.locator(".matches button", has_text="Công ty CP Tập đoàn Hòa Phát").click()
        screenshot(page, "mail-setup-counterparty-holding", full_page=False)
        dialog.get_by_role("button", name="Lưu").click()
        expect(holding.locator("dd[data-fact=group]")).to_have_text("Tập đoàn Hòa Phát (HPG)")
        expect(holding.locator("dd[data-fact=parent]").get_by_role("link")).to_have_text(
            parent["name"]
        )
        screenshot(page, "mail-setup-counterparty-in-group")
    [group] = [
        g for g in live.api("GET", "/company-groups")["items"] if g["name"].endswith("(HPG)")
    ]
    placed = live.api("GET", f"/counterparties/{division['id']}")
    assert (placed["group_id"], placed["parent_id"]) == (group["id"], parent["id"])

    with in_vietnamese(page):  # and out of the group again, still a division
        visit(page, live, f"/counterparties/{division['id']}")
        page.locator("section.cp-holding").get_by_role("button", name="Sửa").click()
        page.locator("dialog").get_by_label("Tập đoàn").select_option(label="—")
        page.locator("dialog").get_by_role("button", name="Lưu").click()
        expect(page.locator("section.cp-holding dd[data-fact=group]")).to_have_text("—")
    cleared = live.api("GET", f"/counterparties/{division['id']}")
    assert (cleared["group_id"], cleared["parent_id"]) == (None, parent["id"])
