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
def office(live: LiveSuite, people: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The sales team's user group (the director is in it) and the accountants'; the sales team
    manages the shared mailbox of the sales office, and a template to send from it."""
    sales = live.api("POST", "/groups", {"name": "Phòng Kinh doanh"})
    accounts = live.api("POST", "/groups", {"name": "Phòng Kế toán"})
    live.api("PATCH", f"/users/{people['director']['id']}", {"group_ids": [sales["id"]]})
    server = {"port": 993, "security": "ssl", "username": "kinhdoanh", "password": "mat-khau-cu"}
    mailbox = live.api(
        "POST",
        "/mailboxes",
        {
            "name": "Hộp thư Kinh doanh",
            "kind": "shared",
            "address": "kinhdoanh@hoa-crm.vn",
            "imap": server | {"host": "imap.hoa-crm.vn"},
            "smtp": server | {"host": "smtp.hoa-crm.vn", "port": 465},
        },
    )
    permission = {"group_id": sales["id"], "read": True, "send": True, "manage": True}
    live.api("PUT", f"/mailboxes/{mailbox['id']}/permissions", [permission])
    body = "Kính gửi {{ contact.full_name }},\n\nHóa đơn của quý công ty đã quá hạn."
    template = live.api(
        "POST",
        "/mail/templates",
        {"name": "Nhắc hóa đơn quá hạn", "subject": "Nhắc thanh toán", "body": body},
    )
    return {"sales": sales, "accounts": accounts, "mailbox": mailbox, "template": template}


@pytest.fixture(scope="module")
def director(
    browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]], office: dict[str, Any]
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


def with_contact(
    live: LiveSuite, name: str, person: str, email: str, position: str, **fields: Any
) -> dict[str, Any]:
    """A counterparty with one contact person, known to the mail service's address book."""
    party = counterparty(live, name, **fields)
    contact = {"full_name": person, "email": email, "position": position}
    live.api("POST", f"/counterparties/{party['id']}/contacts", contact)
    live.suite.deliver_events()
    return party


def archive_and_restore(page: Page, row: Any, switch: Any) -> None:
    """Archives the record of `row` (confirmed), sees it leave the list and come back with its
    badge once the archived ones are shown, then restores it."""
    row.get_by_role("button", name="Lưu trữ").click()
    page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
    expect(row).to_have_count(0)
    switch.check()
    expect(row.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
    row.get_by_role("button", name="Khôi phục").click()
    expect(row.locator(".badge", has_text="Đã lưu trữ")).to_have_count(0)


def test_the_director_writes_a_template_edits_it_and_previews_it_on_a_counterparty(
    director: Page, live: LiveSuite
) -> None:
    with_contact(
        live,
        "Công ty CP Xây dựng Hòa Bình",
        "Nguyễn Văn An",
        "an.nguyen@hoabinh.vn",
        "Giám đốc",
    )
    page = director
    with in_vietnamese(page):
        visit(page, live, "/setup?tab=templates")
        page.locator(".setup-list").get_by_role("button", name="Mẫu thư mới").click()
        editor = page.locator("form.template-editor")
        expect(editor.locator("h2")).to_have_text("Mẫu thư mới")
        editor.get_by_label("Tên mẫu").fill("Chúc mừng năm mới")
        editor.get_by_label("Tiêu đề").fill("Chúc mừng năm mới {{ counterparty.name }}")
        body = editor.get_by_label("Nội dung")
        body.fill("Kính gửi ")
        editor.get_by_role("button", name="Họ tên người nhận").click()
        body.press("End")
        body.type(",\n\nChúc quý công ty một năm mới an khang thịnh vượng.")
        expect(body).to_have_value(
            "Kính gửi {{ contact.full_name }},\n\nChúc quý công ty một năm mới an khang thịnh vượng."
        )
        editor.get_by_role("button", name="Tạo mẫu thư").click()
        expect(page.locator(".toast")).to_contain_text(["Đã tạo mẫu thư “Chúc mừng năm mới”"])
        expect(page.locator(".setup-list li.active")).to_contain_text("Chúc mừng năm mới")

        # Meanwhile someone else rewrites its body: her change, made on the version she read, is
        # refused until she has seen theirs.
        [made] = [
            t
            for t in live.api("GET", "/mail/templates")["items"]
            if t["name"] == "Chúc mừng năm mới"
        ]
        rewritten = "Kính gửi {{ contact.full_name }},\n\nChúc mừng năm mới 2027!"
        live.api("PATCH", f"/mail/templates/{made['id']}", {"body": rewritten})
        editor.get_by_label("Tiêu đề").fill("Chúc Tết {{ counterparty.name }}")
        editor.get_by_role("button", name="Lưu mẫu thư").click()
        stale = editor.locator("[data-stale]")
        expect(stale).to_contain_text("Có người vừa thay đổi hồ sơ này")
        stale.get_by_role("button", name="Tải lại").click()
        expect(editor.get_by_label("Nội dung")).to_have_value(rewritten)
        expect(editor.get_by_label("Tiêu đề")).to_have_value(
            "Chúc mừng năm mới {{ counterparty.name }}"
        )
        expect(editor.locator("[data-stale]")).to_have_count(0)

        preview = page.locator("section.template-preview")
        preview.get_by_label("Đối tác mẫu").fill("Hòa Bình")
        preview.locator(".matches button", has_text="Công ty CP Xây dựng Hòa Bình").click()
        shown = preview.locator("[data-preview]")
        expect(shown.locator(".preview-subject")).to_contain_text(
            "Chúc mừng năm mới Công ty CP Xây dựng Hòa Bình"
        )
        expect(shown.locator(".mail-body")).to_have_text(
            "Kính gửi Nguyễn Văn An,\n\nChúc mừng năm mới 2027!"
        )
        screenshot(page, "mail-setup-template-preview")

        editor.get_by_label("Tiêu đề").fill("Thư chúc Tết gửi {{ counterparty.name }}")
        editor.get_by_role("button", name="Lưu mẫu thư").click()
        expect(page.locator(".toast")).to_contain_text(["Đã lưu mẫu thư “Chúc mừng năm mới”"])
        expect(shown.locator(".preview-subject")).to_contain_text(
            "Thư chúc Tết gửi Công ty CP Xây dựng Hòa Bình"
        )

        editor.get_by_role("button", name="Lưu trữ").click()
        page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        banner = page.locator(".lc-banner")
        expect(banner).to_contain_text("Chúc mừng năm mới đã được lưu trữ")
        expect(page.locator(".setup-list li[data-template='Chúc mừng năm mới']")).to_have_count(0)
        screenshot(page, "mail-setup-template-archived")
        banner.get_by_role("button", name="Khôi phục").click()
        expect(banner).to_have_count(0)
        expect(page.locator(".setup-list li[data-template='Chúc mừng năm mới']")).to_be_visible()
    made = live.api("GET", f"/mail/templates/{made['id']}")
    assert made["subject"] == "Thư chúc Tết gửi {{ counterparty.name }}"
    assert made["body"] == rewritten
    assert made["archived_at"] is None


def test_the_director_makes_a_sending_rule_switches_it_off_changes_it_and_switches_it_on(
    director: Page, live: LiveSuite, office: dict[str, Any]
) -> None:
    page = director
    with in_vietnamese(page):
        visit(page, live, "/setup?tab=rules")
        page.get_by_role("button", name="Quy tắc mới").click()
        form = page.locator("dialog form")
        form.get_by_label("Sự kiện").select_option(label="hóa đơn quá hạn")
        form.get_by_label("Sau (ngày)").fill("3")
        form.get_by_label("Mẫu thư").select_option(label="Nhắc hóa đơn quá hạn")
        form.get_by_label("Gửi từ hộp thư").select_option(label="Hộp thư Kinh doanh")
        screenshot(page, "mail-setup-rule-form", full_page=False)
        form.get_by_role("button", name="Tạo quy tắc").click()
        row = page.locator("table.rules tr", has_text="3 ngày sau khi hóa đơn quá hạn")
        expect(row).to_contain_text("Nhắc hóa đơn quá hạn")
        expect(row).to_contain_text("Hộp thư Kinh doanh")
        expect(row.locator("td.enabled")).to_contain_text("Đang bật")

        row.get_by_role("checkbox").uncheck()
        expect(page.locator(".toast")).to_contain_text(["Đã tắt quy tắc"])
        expect(row.locator("td.enabled")).to_contain_text("Đã tắt")
        expect(row.get_by_role("checkbox")).to_be_enabled()
        screenshot(page, "mail-setup-rules")
        [rule] = live.api("GET", "/mail/rules")["items"]
        assert (rule["event"], rule["offset_days"], rule["enabled"]) == (
            "deals.invoice.overdue",
            3,
            False,
        )

        row.get_by_role("button", name="Sửa").click()
        page.locator("dialog form").get_by_label("Sau (ngày)").fill("5")
        page.locator("dialog form").get_by_role("button", name="Lưu").click()
        row = page.locator(f"table.rules tr[data-rule='{rule['id']}']")
        expect(row.locator("th.when")).to_have_text("5 ngày sau khi hóa đơn quá hạn")
        row.get_by_role("checkbox").check()
        expect(row.locator("td.enabled")).to_contain_text("Đang bật")
        archive_and_restore(page, row, page.get_by_label("Hiện mục đã lưu trữ"))
    changed = live.api("GET", f"/mail/rules/{rule['id']}")
    assert (changed["offset_days"], changed["enabled"], changed["archived_at"]) == (5, True, None)


def test_the_director_sees_who_an_address_group_holds_change_as_she_types_its_criteria(
    director: Page, live: LiveSuite
) -> None:
    for company, person, email, industry in [
        ("Công ty TNHH Xây lắp Sông Hàn", "Trần Thị Bích", "bich@songhan.vn", "Xây dựng"),
        ("Công ty CP Bê tông Hải Vân", "Lê Quang Huy", "huy@haivan.vn", "Xây dựng"),
        ("Công ty TNHH Thủy sản Mỹ Khê", "Võ Minh Tâm", "tam@mykhe.vn", "Thủy sản"),
    ]:
        with_contact(live, company, person, email, "Giám đốc", region="Đà Nẵng", industry=industry)
    page = director
    with in_vietnamese(page):
        visit(page, live, "/setup?tab=address_groups&group=new")
        editor = page.locator("form.group-editor")
        count = page.locator("section.group-preview .match-count")
        editor.get_by_label("Tên nhóm").fill("Khách xây dựng Đà Nẵng")
        editor.get_by_label("Khu vực").fill("Đà Nẵng")
        expect(count).to_have_text("3 người nhận")
        editor.get_by_label("Ngành").fill("Xây dựng")
        expect(count).to_have_text("2 người nhận")
        members = page.locator("section.group-preview table.members")
        expect(members).to_contain_text("Trần Thị Bích")
        expect(members).not_to_contain_text("Võ Minh Tâm")
        screenshot(page, "mail-setup-address-group-preview")
        editor.get_by_role("button", name="Tạo nhóm").click()
        expect(page.locator(".toast")).to_contain_text(["Đã tạo nhóm “Khách xây dựng Đà Nẵng”"])
        item = page.locator(".setup-list li[data-group='Khách xây dựng Đà Nẵng']")
        expect(item).to_have_class("active")
        expect(count).to_have_text("2 người nhận")

        editor.get_by_label("Ngành").fill("Thủy sản")
        expect(count).to_have_text("1 người nhận")
        editor.get_by_role("button", name="Lưu nhóm").click()
        expect(page.locator(".toast")).to_contain_text(["Đã lưu nhóm “Khách xây dựng Đà Nẵng”"])
        [group] = [
            g
            for g in live.api("GET", "/mail/address-groups")["items"]
            if g["name"] == "Khách xây dựng Đà Nẵng"
        ]
        assert group["criteria"] == {"region": "Đà Nẵng", "industry": "Thủy sản"}

        editor.get_by_role("button", name="Lưu trữ").click()
        page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        banner = page.locator(".lc-banner")
        expect(banner).to_contain_text("Khách xây dựng Đà Nẵng đã được lưu trữ")
        expect(item).to_have_count(0)
        banner.get_by_role("button", name="Khôi phục").click()
        expect(banner).to_have_count(0)
        expect(item).to_be_visible()
    assert live.api("GET", f"/mail/address-groups/{group['id']}")["archived_at"] is None


def test_the_director_changes_a_mailbox_its_password_and_who_may_use_it(
    director: Page, live: LiveSuite, office: dict[str, Any]
) -> None:
    mailbox = office["mailbox"]
    page = director
    with in_vietnamese(page):
        visit(page, live, "/setup?tab=mailboxes")
        row = page.locator("table.mailboxes tr[data-mailbox='Hộp thư Kinh doanh']")
        expect(row).to_contain_text("imap.hoa-crm.vn:993")
        row.get_by_role("button", name="Quyền của nhóm").click()
        form = page.locator("dialog form")
        expect(form.get_by_label("Phòng Kinh doanh được quản lý")).to_be_checked()
        form.get_by_label("Phòng Kế toán được gửi").check()
        expect(form.get_by_label("Phòng Kế toán được đọc")).to_be_checked()
        screenshot(page, "mail-setup-mailbox-permissions", full_page=False)
        form.get_by_role("button", name="Lưu quyền").click()
        expect(page.locator(".toast")).to_contain_text(["Đã lưu quyền với hộp thư"])

        row.get_by_role("button", name="Sửa").click()
        form = page.locator("dialog form")
        expect(form.get_by_role("textbox", name="Tên", exact=True)).to_have_value(
            "Hộp thư Kinh doanh"
        )
        form.get_by_role("textbox", name="Tên", exact=True).fill("Hộp thư Phòng Kinh doanh")
        imap = form.locator("fieldset.server", has_text="IMAP")
        imap.get_by_label("Máy chủ").fill("mail.hoa-crm.vn")
        smtp = form.locator("fieldset.server", has_text="SMTP")
        smtp.get_by_label("Mật khẩu").fill("mat-khau-moi")
        screenshot(page, "mail-setup-mailbox-form", full_page=False)
        form.get_by_role("button", name="Lưu").click()
        row = page.locator("table.mailboxes tr[data-mailbox='Hộp thư Phòng Kinh doanh']")
        expect(row).to_contain_text("mail.hoa-crm.vn:993")
        expect(row).to_contain_text("smtp.hoa-crm.vn:465")
        screenshot(page, "mail-setup-mailboxes")
        archive_and_restore(page, row, page.get_by_label("Hiện mục đã lưu trữ"))

    changed = live.api("GET", f"/mailboxes/{mailbox['id']}")
    assert (changed["name"], changed["imap"]["host"]) == (
        "Hộp thư Phòng Kinh doanh",
        "mail.hoa-crm.vn",
    )
    assert changed["smtp"]["host"] == "smtp.hoa-crm.vn" and changed["archived_at"] is None
    assert "password" not in changed["smtp"]
    granted = live.api("GET", f"/mailboxes/{mailbox['id']}/permissions")["items"]
    assert {p["group_id"]: (p["read"], p["send"], p["manage"]) for p in granted} == {
        office["sales"]["id"]: (True, True, True),
        office["accounts"]["id"]: (True, True, False),
    }


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
        # the group's name leads to the counterparties in it
        holding.locator("dd[data-fact=group]").get_by_role("link").click()
        listed = page.locator("table.cp-table tr")
        expect(listed.filter(has_text=division["name"])).to_be_visible()
        expect(listed.filter(has_text=parent["name"])).to_have_count(0)
        expect(page.locator("select[name=group_id] option:checked")).to_have_text(
            "Tập đoàn Hòa Phát (HPG)"
        )
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
