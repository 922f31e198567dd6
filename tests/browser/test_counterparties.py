"""The counterparties list and card in the browser, on a suite seeded with Vietnamese B2B
counterparties whose ABC/XYZ classes come from a real classification run over ERP invoices."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, screenshot
from tests.mail_servers import ImapServer, imap_server  # noqa: F401 - fixture

MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
OWNERS = {
    "thu.ha": "Nguyễn Thu Hà",
    "minh.quan": "Trần Minh Quân",
    "hoang.anh": "Lê Hoàng Anh",
}
# name, roles, region, industry, tax id, e-mail, phone, address, owner, monthly sales (million VND)
COUNTERPARTIES: list[tuple[Any, ...]] = [
    ("Công ty CP Thực phẩm Sài Gòn Xanh", ["customer"], "TP. Hồ Chí Minh", "Thực phẩm", "0312457896",
     "muahang@saigonxanh.vn", "+84 28 3925 1188", "45 Nguyễn Thị Minh Khai, Quận 1, TP. Hồ Chí Minh",
     "thu.ha", [820, 790, 845, 810, 830, 800]),
    ("Công ty TNHH Bao Bì Minh Phát", ["supplier"], "Bình Dương", "Bao bì", "3702145678",
     "kinhdoanh@minhphat-pack.vn", "+84 274 382 4567", "Lô C5, KCN VSIP I, Thuận An, Bình Dương",
     "minh.quan", None),
    ("Công ty CP Thép Hưng Long", ["customer"], "Hải Phòng", "Vật liệu xây dựng", "0201896543",
     "vattu@thephunglong.vn", "+84 225 384 2211", "Km 9 Quốc lộ 5, Hồng Bàng, Hải Phòng",
     "minh.quan", [1200, 1150, 1250, 1180, 1220, 1210]),
    ("Công ty TNHH Nông sản Tây Nguyên Xanh", ["customer", "supplier"], "Đắk Lắk", "Nông sản",
     "6001234567", "lienhe@taynguyenxanh.vn", "+84 262 385 7788", None, "hoang.anh",
     [80, 70, 90, 0, 60, 75]),
    ("Công ty CP Dược phẩm An Khang", ["customer"], "Hà Nội", "Dược phẩm", "0109876543",
     "cungung@ankhangpharma.vn", "+84 24 3776 5432", "18 Trần Duy Hưng, Cầu Giấy, Hà Nội",
     "thu.ha", [600, 0, 650, 0, 620, 0]),
    ("Công ty TNHH Logistics Cảng Việt", ["contractor"], "Hải Phòng", "Logistics", "0202334455",
     "dieuphoi@cangviet.vn", "+84 225 355 6677", None, "minh.quan", None),
    ("Công ty CP Nhựa Đông Á", ["competitor"], "Đồng Nai", "Bao bì", "3600778899", None, None,
     None, None, None),
    ("Công ty TNHH Điện tử Bắc Ninh Tech", ["customer"], "Bắc Ninh", "Điện tử", "2300667788",
     "purchasing@bntech.com.vn", "+84 222 381 9090", "KCN Quế Võ, Bắc Ninh", "hoang.anh",
     [500, 520, 480, 510, 700, 300]),
    ("Công ty CP Dệt may Thành Công Phát", ["customer"], "TP. Hồ Chí Minh", "Dệt may",
     "0314556677", "vattu@thanhcongphat.vn", "+84 28 3862 4455", None, "thu.ha",
     [300, 250, 350, 280, 320, 260]),
    ("Siêu thị Hoa Sen Mart", ["customer"], "Đà Nẵng", "Bán lẻ", "0401223344",
     "nhaphang@hoasenmart.vn", "+84 236 382 1122", "120 Nguyễn Văn Linh, Hải Châu, Đà Nẵng",
     "hoang.anh", [120, 130, 110, 125, 118, 122]),
    ("Công ty TNHH Xây dựng Phú Gia", ["customer"], "Đà Nẵng", "Xây dựng", "0401556677", None,
     "+84 236 365 4433", None, "minh.quan", [0, 0, 400, 0, 0, 0]),
    ("Công ty CP Hóa chất Việt Trì Mới", ["supplier"], "Phú Thọ", "Hóa chất", "2600445566",
     "sales@viettrichem.vn", "+84 210 384 6655", None, "minh.quan", None),
    ("Công ty TNHH Thương mại Hải Âu", ["customer", "partner"], "Khánh Hòa", "Thủy sản",
     "4201778899", "haiau@haiautrading.vn", None, None, "hoang.anh", [90, 60, 110, 80, 40, 120]),
    ("Công ty CP Gạo Mekong Vàng", ["customer"], "Cần Thơ", "Nông sản", "1800998877",
     "xuatkhau@mekongvang.vn", "+84 292 383 2211", "Lô 2-18 KCN Trà Nóc, Bình Thủy, Cần Thơ",
     "thu.ha", [200, 210, 190, 205, 0, 0]),
    ("Công ty TNHH In ấn Kim Long", ["supplier"], "Hà Nội", "In ấn", "0105443322",
     "inan@kimlongprint.vn", "+84 24 3565 7788", None, "minh.quan", None),
    ("Công ty CP Cà phê Cao Nguyên", ["customer"], "Lâm Đồng", "Thực phẩm", "5800112233",
     "order@caphecaonguyen.vn", "+84 263 382 5566", None, "hoang.anh", [60, 62, 58, 61, 59, 60]),
    ("Nguyễn Văn Thắng", ["influencer"], "Hà Nội", "Tư vấn", None, "thang.nv@gmail.com",
     "+84 912 345 678", None, "thu.ha", None),
    ("Công ty TNHH Kho vận Phương Nam", ["contractor"], "Long An", "Logistics", "1100887766",
     None, "+84 272 351 2233", None, "minh.quan", None),
    ("Công ty CP Nội thất Gỗ Việt", ["customer"], "Bình Dương", "Nội thất", "3702889900",
     "muahang@goviet.vn", None, None, "hoang.anh", [45, 0, 30, 0, 80, 0]),
    ("Công ty TNHH Mỹ phẩm Lan Chi", ["customer"], "TP. Hồ Chí Minh", "Mỹ phẩm", None, None,
     None, None, "thu.ha", None),
    ("Công ty CP Thủy sản Minh Hải", ["customer"], "Cà Mau", "Thủy sản", "2000665544",
     "kinhdoanh@minhhaiseafood.vn", "+84 290 383 1188", None, "thu.ha",
     [150, 170, 140, 160, 155, 165]),
    ("Công ty TNHH Giấy Sài Gòn Mới", ["competitor"], "TP. Hồ Chí Minh", "Bao bì", "0315998877",
     None, None, None, None, None),
]  # fmt: skip
MAIN = "Công ty CP Thực phẩm Sài Gòn Xanh"
SUPPLIER = "Công ty TNHH Bao Bì Minh Phát"


def _post_invoices(live: LiveSuite, ids: dict[str, str]) -> None:
    key = live.api("POST", "/api-keys", {"name": "ERP 1C", "scopes": ["erp:write"]})["key"]
    invoices = [
        {
            "external_id": f"HD-{i}-{month}",
            "number": f"HD{month.replace('-', '')}{i:03d}",
            "date": f"{month}-15",
            "counterparty_id": ids[row[0]],
            "currency": "VND",
            "lines": [{"sku": "HH", "quantity": "1", "price": f"{amount * 1_000_000}"}],
        }
        for i, row in enumerate(COUNTERPARTIES)
        if row[9]
        for month, amount in zip(MONTHS, row[9], strict=True)
        if amount
    ]
    reply = live.suite.client.post(
        "/api/v1/erp/batch", json={"invoices": invoices}, headers={"X-API-Key": key}
    )
    assert reply.status_code == 200, reply.get_json()
    live.suite.deliver_events()


def _classify(live: LiveSuite) -> None:
    live.api(
        "POST",
        "/analytics/classifications",
        {"parameter": "revenue", "period_from": "2026-05-01", "period_to": "2026-10-31"},
    )
    live.suite.deliver_events()


def _main_card(live: LiveSuite, ids: dict[str, str], owners: dict[str, str]) -> None:
    main, supplier = ids[MAIN], ids[SUPPLIER]
    for person in (
        {"full_name": "Phạm Thị Lan", "position": "Trưởng phòng Mua hàng", "birthday": "1985-03-14",
         "email": "lan.pham@saigonxanh.vn", "phone": "+84 903 112 233"},
        {"full_name": "Võ Minh Tuấn", "position": "Giám đốc Tài chính",
         "email": "tuan.vo@saigonxanh.vn", "phone": "+84 908 445 566"},
    ):  # fmt: skip
        live.api("POST", f"/counterparties/{main}/contacts", person)
    live.api("POST", "/relationships", {"from_id": main, "to_id": supplier, "kind": "customer_of"})
    live.api(
        "POST", "/relationships", {"from_id": ids["Công ty CP Nhựa Đông Á"], "to_id": supplier,
                                   "kind": "competitor_of"},
    )  # fmt: skip
    live.api(
        "PUT",
        f"/counterparties/{main}/terms",
        {"discount_percent": "5", "price_list": "Đại lý cấp 1", "payment_days": 30},
    )
    live.api(
        "PUT",
        f"/counterparties/{supplier}/supplier-profile",
        {
            "delivery_terms": "DAP kho Bình Dương, đơn tối thiểu 5.000 thùng",
            "reliability": 92,
            "lead_time_days": 7,
            "items": [
                {"sku": "CT5-604040", "name": "Thùng carton 5 lớp 60x40x40", "price": "18500",
                 "currency": "VND"},
                {"sku": "CT3-403030", "name": "Thùng carton 3 lớp 40x30x30", "price": "7200",
                 "currency": "VND"},
            ],
        },
    )  # fmt: skip
    pipeline = live.api(
        "POST",
        "/pipelines",
        {
            "name": "Bán hàng B2B",
            "stages": [
                {"name": "Tiếp cận", "probability": 10},
                {"name": "Báo giá", "probability": 40},
                {"name": "Đàm phán", "probability": 70},
            ],
        },
    )
    for title, amount in (("Hợp đồng khung 2027", "4800000000"), ("Đơn bổ sung Tết", "950000000")):
        live.api(
            "POST",
            "/deals",
            {"title": title, "pipeline_id": pipeline["id"], "counterparty_id": main,
             "amount": amount, "currency": "VND", "expected_close_date": "2026-12-20",
             "owner_id": owners["thu.ha"]},
        )  # fmt: skip
    live.api(
        "POST",
        "/interactions",
        {"counterparty_id": main, "kind": "call", "subject": "Gọi xác nhận sản lượng quý I",
         "body": "Chị Lan xác nhận nhu cầu 12.000 thùng/tháng.", "done_at": "2026-11-18T09:30:00+07:00"},
    )  # fmt: skip
    live.suite.deliver_events()


@pytest.fixture(scope="module")
def seeded(live: LiveSuite) -> dict[str, str]:
    """Every seeded counterparty's id by name (the users' ids under their usernames)."""
    owners = {
        username: live.api(
            "POST",
            "/users",
            {"username": username, "password": "Matkhau-2026", "full_name": name,
             "roles": ["manager"]},
        )["id"]
        for username, name in OWNERS.items()
    }  # fmt: skip
    ids = {}
    fields = ("name", "roles", "region", "industry", "tax_id", "email", "phone", "address")
    for row in COUNTERPARTIES:
        body = {k: v for k, v in zip(fields, row[:8], strict=True) if v is not None}
        body["legal_kind"] = "individual" if row[0] == "Nguyễn Văn Thắng" else "legal_entity"
        if row[8]:
            body["owner_id"] = owners[row[8]]
        ids[row[0]] = live.api("POST", "/counterparties", body)["id"]
    _post_invoices(live, ids)
    _classify(live)
    _main_card(live, ids, owners)
    return ids | owners


def visit(page: Page, live: LiveSuite, route: str) -> None:
    """Opens a route afresh (the same address again would change nothing without a reload)."""
    address = f"{live.url}/#{route}"
    if page.url == address:
        page.reload()
    else:
        page.goto(address)


def names_from_api(live: LiveSuite, **query: str) -> list[str]:
    """The names the API lists for these filters, in its order (the list shows the same)."""
    search = "&".join(f"{k}={v}" for k, v in query.items())
    return [c["name"] for c in live.api("GET", f"/counterparties?page_size=500&{search}")["items"]]


def expect_listed(page: Page, names: list[str]) -> None:
    expect(page.locator(".cp-table td.cp-name a")).to_have_text(names)


def test_an_empty_crm_invites_to_add_the_first_counterparty(page: Page, live: LiveSuite) -> None:
    visit(page, live, "/counterparties")
    empty = page.locator(".cp-list .empty")
    expect(empty).to_contain_text("No counterparties yet")
    expect(empty.get_by_role("button", name="New counterparty")).to_be_visible()
    expect(page.locator(".cp-filters")).to_have_count(0)
    screenshot(page, "counterparties-empty")


def test_the_list_shows_each_counterparty_with_roles_classes_status_owner_and_completeness(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, "/counterparties")
    expect(page.locator(".cp-table tbody tr")).to_have_count(len(COUNTERPARTIES))
    row = page.locator(".cp-table tbody tr", has_text=MAIN)
    expect(row).to_contain_text("Customer")
    expect(row).to_contain_text("TP. Hồ Chí Minh")
    expect(row.locator(".cp-cls")).to_have_text(["A", "X"])
    expect(row).to_contain_text("Regular")
    expect(row).to_contain_text("Nguyễn Thu Hà")
    expect(row.locator("[role=meter]")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator(".page-header")).to_contain_text(f"{len(COUNTERPARTIES)} counterparties")
    screenshot(page, "counterparties-list")


def test_a_link_with_abc_and_xyz_opens_the_list_filtered_by_those_classes(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, "/counterparties?abc=A")
    expect(page.locator("select[name=abc]")).to_have_value("A")
    expected = names_from_api(live, abc="A")
    assert len(expected) >= 3
    expect_listed(page, expected)
    expect(page.locator(".cp-table .cp-cls.abc-A")).to_have_count(len(expected))

    visit(page, live, "/counterparties?abc=A&xyz=X")
    expected = names_from_api(live, abc="A", xyz="X")
    assert MAIN in expected
    expect_listed(page, expected)
    expect(page.locator("select[name=xyz]")).to_have_value("X")


def test_filters_that_match_nothing_say_so_and_clear_in_one_click(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, "/counterparties?abc=A&status=lost")
    empty = page.locator(".cp-list .empty")
    expect(empty).to_contain_text("Nothing matches these filters")
    expect(empty).to_contain_text("ABC class: A, Status: Lost")
    expect(empty).to_contain_text("classification run")
    screenshot(page, "counterparties-empty-filter")
    empty.get_by_role("button", name="Clear filters").click()
    expect(page).to_have_url(re.compile(r"#/counterparties$"))
    expect(page.locator(".cp-table tbody tr")).to_have_count(len(COUNTERPARTIES))


def test_choosing_filters_and_typing_a_search_narrow_the_list_and_the_address(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, "/counterparties")
    page.locator("select[name=role]").select_option("supplier")
    expect(page).to_have_url(re.compile(r"role=supplier"))
    expect(page.locator(".cp-table tbody tr")).to_have_count(
        len(names_from_api(live, role="supplier"))
    )
    page.locator("select[name=owner_id]").select_option(label="Trần Minh Quân")
    expect(page).to_have_url(re.compile(r"owner_id="))
    expect_listed(page, names_from_api(live, role="supplier", owner_id=seeded["minh.quan"]))
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_placeholder("Name, e-mail, phone or tax ID").fill("sai gon")  # accents optional
    expect(page).to_have_url(re.compile(r"q=sai\+gon"))
    expect_listed(page, [MAIN, "Công ty TNHH Giấy Sài Gòn Mới"])


def test_creating_without_a_name_shows_what_the_api_said_under_the_field_then_opens_the_card(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    problem = live.suite.client.post(
        "/api/v1/counterparties", json={"email": "ketoan@"}, headers=live.suite.headers()
    ).get_json()
    messages = {error["field"]: error["message"] for error in problem["errors"]}
    visit(page, live, "/counterparties?role=supplier")
    expect(page.get_by_placeholder("Name, e-mail, phone or tax ID")).to_have_value("")
    expect(page.locator("select[name=owner_id]")).to_have_value("")
    page.locator(".page-header").get_by_role("button", name="New counterparty").click()
    form = page.locator("dialog form")
    form.get_by_label("Region").fill("Bình Dương")
    form.get_by_label("E-mail").fill("ketoan@")
    form.get_by_role("button", name="Create counterparty").click()
    assert {e["field"]: e["code"] for e in problem["errors"]}["name"] == "required"
    expect(form.locator("small.error[data-field=name]")).to_have_text("Required")
    expect(form.locator("small.error[data-field=email]")).to_have_text(messages["email"])
    expect(form.get_by_label("Region")).to_have_value("Bình Dương")
    screenshot(page, "counterparty-new-errors")

    form.get_by_label("Name").fill("Công ty TNHH Cơ khí Tân Tiến")
    form.get_by_label("E-mail").fill("ketoan@tantien.vn")
    form.get_by_label("Supplier").check()
    form.get_by_role("button", name="Create counterparty").click()
    expect(page.locator(".cp-card h1")).to_have_text("Công ty TNHH Cơ khí Tân Tiến")
    expect(page).to_have_url(re.compile(r"#/counterparties/[^/?]+$"))
    expect(page.locator(".cp-head .cp-roles")).to_contain_text("Customer")
    expect(page.locator(".cp-head .cp-roles")).to_contain_text("Supplier")
    expect(page.locator("dialog")).to_have_count(0)


def test_a_duplicate_tax_id_links_to_the_existing_counterparty_and_may_be_created_anyway(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, "/counterparties?region=TP. Hồ Chí Minh")
    page.locator(".page-header").get_by_role("button", name="New counterparty").click()
    form = page.locator("dialog form")
    form.get_by_label("Name").fill("Sài Gòn Xanh — Chi nhánh Thủ Đức")
    form.get_by_label("Tax ID").fill("0312457896")
    form.get_by_role("button", name="Create counterparty").click()
    notice = form.locator(".cp-notice")
    expect(notice).to_contain_text("already exists")
    expect(notice.get_by_role("link", name=MAIN)).to_have_attribute(
        "href", f"#/counterparties/{seeded[MAIN]}"
    )
    screenshot(page, "counterparty-new-duplicate")
    notice.get_by_role("button", name="Create anyway").click()
    expect(page.locator(".cp-card h1")).to_have_text("Sài Gòn Xanh — Chi nhánh Thủ Đức")


def test_the_card_shows_the_facts_classes_and_what_is_missing(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, f"/counterparties/{seeded['Công ty CP Dệt may Thành Công Phát']}")
    head = page.locator(".cp-head")
    expect(head.locator("h1")).to_have_text("Công ty CP Dệt may Thành Công Phát")
    expect(head).to_contain_text("Regular")
    facts = page.locator(".cp-tab dl.facts").first
    expect(facts).to_contain_text("Nguyễn Thu Hà")
    expect(facts).to_contain_text("0314556677")
    expect(page.locator("ul.cp-gaps")).to_contain_text("Address")
    expect(page.locator("ul.cp-gaps")).to_contain_text("a contact person")
    expect(page.locator(".cp-tab")).to_contain_text("Past classes")

    visit(page, live, f"/counterparties/{seeded[MAIN]}")
    expect(page.locator(".cp-head h1")).to_have_text(MAIN)
    expect(page.locator(".cp-tab")).to_contain_text("Everything is filled in.")
    screenshot(page, "counterparty-card")


def test_adding_a_contact_person_shows_them_on_the_card_and_completes_it(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, f"/counterparties/{seeded['Siêu thị Hoa Sen Mart']}?tab=contacts")
    expect(page.locator(".cp-tab .empty")).to_contain_text("No contact persons yet")
    before = page.locator(".cp-head [role=meter]").get_attribute("aria-valuenow")
    page.locator(".cp-tab").get_by_role("button", name="Add contact person").click()
    form = page.locator("dialog form")
    form.get_by_label("Full name").fill("Đặng Thị Mai")
    form.get_by_label("Position").fill("Trưởng ngành hàng thực phẩm")
    form.get_by_label("Birthday").fill("1990-07-21")
    form.get_by_label("Phone").fill("+84 905 667 889")
    form.get_by_label("E-mail").fill("mai.dang@")
    form.get_by_role("button", name="Add").click()
    expect(form.locator("small.error[data-field=email]")).to_be_visible()
    form.get_by_label("E-mail").fill("mai.dang@hoasenmart.vn")
    form.get_by_role("button", name="Add").click()
    row = page.locator(".cp-tab tbody tr", has_text="Đặng Thị Mai")
    expect(row).to_contain_text("Trưởng ngành hàng thực phẩm")
    expect(row).to_contain_text("21 Jul 1990")
    screenshot(page, "counterparty-contacts")
    expect(page.locator(".cp-head [role=meter]")).not_to_have_attribute(
        "aria-valuenow", before or ""
    )


def test_a_logged_interaction_appears_in_the_timeline(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, f"/counterparties/{seeded[MAIN]}?tab=timeline")
    timeline = page.locator(".cp-timeline")
    expect(timeline).to_contain_text("Gọi xác nhận sản lượng quý I")
    expect(timeline.get_by_role("link", name="Hợp đồng khung 2027", exact=True)).to_have_attribute(
        "href", re.compile(r"^#/deals/")
    )
    page.locator(".cp-head").get_by_role("button", name="Log interaction").click()
    form = page.locator("dialog form")
    form.get_by_label("Kind").select_option("meeting")
    form.get_by_label("Done or planned").select_option("planned")
    in_two_days = date.today() + timedelta(days=2)  # planned: still ahead when the test looks
    form.get_by_label("Date and time").fill(f"{in_two_days}T14:00")
    form.get_by_label("Subject").fill("Họp chốt giá hợp đồng khung 2027")
    form.get_by_label("Contact person").select_option(label="Phạm Thị Lan")
    screenshot(page, "counterparty-log-interaction")
    form.get_by_role("button", name="Log").click()
    expect(page.locator("dialog")).to_have_count(0)
    live.suite.deliver_events()
    page.reload()
    entry = page.locator(".cp-timeline li", has_text="Họp chốt giá hợp đồng khung 2027")
    expect(entry).to_contain_text("Meeting")
    expect(entry).to_contain_text("planned")
    screenshot(page, "counterparty-timeline")


def test_editing_shows_the_apis_messages_inline_and_saves_the_change(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, f"/counterparties/{seeded['Công ty TNHH Mỹ phẩm Lan Chi']}")
    page.locator(".cp-head").get_by_role("button", name="Edit").click()
    form = page.locator("dialog form")
    form.get_by_label("Phone").fill("gọi sau")
    form.get_by_role("button", name="Save").click()
    expect(form.locator("small.error[data-field=phone]")).to_be_visible()
    form.get_by_label("Phone").fill("+84 28 3933 4455")
    form.get_by_label("Address").fill("22 Lê Thánh Tôn, Quận 1, TP. Hồ Chí Minh")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("dialog")).to_have_count(0)
    expect(page.locator(".cp-tab dl.facts").first).to_contain_text("+84 28 3933 4455")
    assert live.api("GET", f"/counterparties/{seeded['Công ty TNHH Mỹ phẩm Lan Chi']}")[
        "address"
    ].startswith("22 Lê Thánh Tôn")


def test_a_relationship_is_added_by_finding_the_other_party_by_name(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, f"/counterparties/{seeded['Công ty CP Gạo Mekong Vàng']}?tab=relationships")
    expect(page.locator(".cp-tab .empty")).to_contain_text("No relationships yet")
    page.locator(".cp-tab").get_by_role("button", name="Add relationship").click()
    form = page.locator("dialog form")
    form.get_by_role("button", name="Add").click()
    expect(form.locator("small.error[data-field=to_id]")).to_be_visible()
    form.get_by_label(re.compile("Gạo Mekong Vàng")).select_option("customer_of")
    form.get_by_role("searchbox").fill("kho van")
    form.get_by_role("button", name=re.compile("Kho vận Phương Nam")).click()
    screenshot(page, "counterparty-add-relationship")
    form.get_by_role("button", name="Add").click()
    item = page.locator(".cp-links li")
    expect(item).to_have_text(re.compile(r"Gạo Mekong Vàng\s+buys from\s+Công ty TNHH Kho vận"))
    expect(item.get_by_role("link")).to_have_attribute(
        "href", f"#/counterparties/{seeded['Công ty TNHH Kho vận Phương Nam']}"
    )
    visit(page, live, f"/counterparties/{seeded[SUPPLIER]}?tab=relationships")
    expect(page.locator(".cp-links li")).to_have_count(2)
    screenshot(page, "counterparty-relationships")


def test_the_supplier_profile_and_the_terms_are_shown_and_edited_in_place(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, f"/counterparties/{seeded[SUPPLIER]}?tab=supplier")
    tab = page.locator(".cp-tab")
    expect(tab).to_contain_text("Thùng carton 5 lớp 60x40x40")
    expect(tab).to_contain_text("7 days")
    tab.get_by_role("button", name="Edit supplier profile").click()
    form = page.locator("dialog form")
    form.get_by_role("button", name="Add item").click()
    row = form.locator("tr[data-item]").last
    row.get_by_label("SKU", exact=True).fill("TP-A4")
    row.get_by_label("Item", exact=True).fill("Thùng pizza in offset")
    row.get_by_label("Price", exact=True).fill("12,5")
    form.get_by_role("button", name="Save").click()
    expect(form.locator("small.error[data-field='items.2.price']")).to_be_visible()
    screenshot(page, "counterparty-supplier-errors")
    row.get_by_label("Price", exact=True).fill("4300")
    form.get_by_role("button", name="Save").click()
    expect(tab).to_contain_text("Thùng pizza in offset")
    screenshot(page, "counterparty-supplier")

    visit(page, live, f"/counterparties/{seeded['Công ty CP Cà phê Cao Nguyên']}?tab=terms")
    expect(tab.locator(".empty")).to_contain_text("Standard terms")
    tab.get_by_role("button", name="Edit terms").click()
    form.get_by_label("Discount, %").fill("7.5")
    form.get_by_label("Payment delay, days").fill("45")
    form.get_by_role("button", name="Save").click()
    expect(tab.locator(".cp-stat").first).to_contain_text("7.5%")
    expect(tab).to_contain_text("45 days")
    screenshot(page, "counterparty-terms")


def test_deals_and_an_explained_empty_correspondence_are_on_the_card(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    visit(page, live, f"/counterparties/{seeded[MAIN]}?tab=deals")
    link = page.locator(".cp-tab").get_by_role("link", name="Hợp đồng khung 2027")
    expect(link).to_have_attribute("href", re.compile(r"^#/deals/"))
    row = page.locator(".cp-tab tbody tr", has_text="Hợp đồng khung 2027")
    expect(row).to_contain_text("Tiếp cận")
    expect(row).to_contain_text("4,800,000,000")
    screenshot(page, "counterparty-deals")
    page.get_by_role("tab", name="Correspondence").click()
    expect(page.locator(".cp-tab .empty")).to_contain_text("once a mailbox is connected")
    screenshot(page, "counterparty-correspondence-empty")


def test_the_screens_speak_vietnamese(page: Page, live: LiveSuite, seeded: dict[str, str]) -> None:
    with in_vietnamese(page):
        visit(page, live, "/counterparties?xyz=X")
        page.reload()
        expect(page.locator(".page-header h1")).to_have_text("Đối tác")
        expect(page.locator(".cp-table thead")).to_contain_text("Người phụ trách")
        screenshot(page, "counterparties-list-vi")
        visit(page, live, f"/counterparties/{seeded[MAIN]}")
        expect(page.get_by_role("tab", name="Người liên hệ")).to_be_visible()
        expect(page.locator(".cp-head")).to_contain_text("Thường xuyên")
        screenshot(page, "counterparty-card-vi")
        page.locator(".cp-head").get_by_role("button", name="Sửa").click()
        page.locator("dialog").get_by_label("Điện thoại").fill("không có")
        page.locator("dialog").get_by_role("button", name="Lưu").click()
        expect(page.locator("dialog small.error[data-field=phone]")).to_be_visible()
        expect(page.locator("dialog .alert")).to_have_text("Vui lòng sửa các trường được đánh dấu.")
        screenshot(page, "counterparty-edit-vi")
        page.locator("dialog").get_by_role("button", name="Hủy").click()


@pytest.mark.integration  # a real dovecot
def test_mail_from_a_contact_person_is_in_the_correspondence_once_the_mailbox_is_synced(
    page: Page,
    live: LiveSuite,
    seeded: dict[str, str],
    imap_server: ImapServer,  # noqa: F811
) -> None:
    account = imap_server.new_user("sales")
    server = {"host": imap_server.host, "port": imap_server.port, "security": "none"}
    box = live.api(
        "POST",
        "/mailboxes",
        {"name": "Phòng kinh doanh", "kind": "shared", "address": "kinhdoanh@hoa-crm.vn",
         "imap": {**server, "username": account.name, "password": account.password},
         "smtp": {**server, "port": 2525}},
    )  # fmt: skip
    message = EmailMessage()
    message["From"] = "Phạm Thị Lan <lan.pham@saigonxanh.vn>"
    message["To"] = box["address"]
    message["Subject"] = "Đề nghị báo giá thùng carton quý I/2027"
    message["Date"] = "Mon, 23 Nov 2026 08:15:00 +0700"
    message.set_content("Chào anh chị,\n\nNhờ bên mình gửi báo giá 36.000 thùng carton 5 lớp.")
    imap_server.append(account.name, account.password, "INBOX", message.as_bytes())
    live.api("POST", f"/mailboxes/{box['id']}/sync")
    live.suite.deliver_events()

    visit(page, live, f"/counterparties/{seeded[MAIN]}?tab=correspondence")
    row = page.locator(".cp-mail tbody tr", has_text="Đề nghị báo giá thùng carton quý I/2027")
    expect(row).to_contain_text("Phạm Thị Lan")
    expect(row).to_contain_text("lan.pham@saigonxanh.vn")
    expect(row).to_contain_text("23 Nov 2026")
    screenshot(page, "counterparty-correspondence")


def test_a_long_list_is_paged_and_the_page_is_in_the_address(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    for n in range(1, 9):
        live.api("POST", "/counterparties", {"name": f"Cửa hàng Vật tư Số {n}", "region": "Hà Nội"})
    total = live.api("GET", "/counterparties?page_size=1")["total"]
    visit(page, live, "/counterparties")
    expect(page.locator(".cp-table tbody tr")).to_have_count(25)
    expect(page.locator(".pager")).to_contain_text("Page 1 of 2")
    page.locator(".pager button").last.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(".cp-table tbody tr")).to_have_count(total - 25)
    page.locator("select[name=region]").select_option("Hà Nội")
    expect(page).not_to_have_url(re.compile(r"page="))
    expect(page.locator(".pager")).to_have_count(0)


def test_in_vietnamese_the_apis_field_errors_are_said_in_vietnamese(
    page: Page, live: LiveSuite, seeded: dict[str, str]
) -> None:
    with in_vietnamese(page):
        page.goto(f"{live.url}/#/counterparties")
        page.reload()  # the language is read when the app starts
        page.locator(".page-header").get_by_role("button", name="Thêm đối tác").click()
        form = page.locator("dialog form")
        form.get_by_label("Mã số thuế").fill("?")
        form.locator("button[type=submit]").click()
        expect(form.locator("small.error[data-field=name]")).to_have_text("Bắt buộc")
        expect(form.locator("small.error[data-field=tax_id]")).to_contain_text("Phải là mã số thuế")
        screenshot(page, "counterparty-new-errors-vi")
