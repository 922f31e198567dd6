"""The analytics screen in the browser: the funnel of a pipeline, bottlenecks, the ABC/XYZ matrix
with its drill-down, BCG, lost deals, managers, campaigns and the schedules, on sales made
through the API and the ERP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSuite, funnel_counts, in_vietnamese, screenshot

STAGES = [("Lead", 10), ("Offer", 40), ("Contract", 80)]
MILLION = 1_000_000


def month_start(months_back: int) -> date:
    today = date.today()
    month = today.month - months_back
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def day_in(months_back: int) -> date:
    """The 10th of a month before this one, or today in this one."""
    return month_start(months_back).replace(day=10) if months_back else date.today()


WINDOW = (month_start(2), date.today())  # the classification and BCG window: three months
# Per customer, sales in millions in each month of the window (oldest first) and once before it.
CUSTOMERS = {
    "Công ty CP Nhựa Hoa Sen": ([200, 200, 200], 150),  # A, steady: X
    "Thép Việt Nhật": ([80, 100, 120], 150),  # A, varying by 16 %: Y
    "Gạch Đồng Tâm Long An": ([20, 20, 20], 10),  # B, X
    "Sơn Hải Phòng": ([30, 0, 0], 40),  # C, Z
    "Cửa hàng Minh Khai": ([0, 0, 10], 0),  # C, Z (its one invoice comes from a campaign deal)
}


def invoice(counterparty_id: str, day: date, millions: int, **extra: Any) -> dict[str, Any]:
    price = str(millions * MILLION)
    return {
        "external_id": f"HD-{counterparty_id}-{day}",
        "number": f"HD{day:%y%m%d}",
        "date": str(day),
        "counterparty_id": counterparty_id,
        "currency": "VND",
        "lines": [
            {
                "sku": "VT-01",
                "name": "Vật tư",
                "quantity": "1",
                "price": price,
                "cost": str(millions * MILLION * 7 // 10),
                "discount": str(millions * MILLION // 20),
            }
        ],
        **extra,
    }


def user(live: LiveSuite, username: str, full_name: str) -> str:
    live.suite.user(username, ["manager"], full_name=full_name)
    users = live.api("GET", "/users?page_size=500")["items"]
    return next(found["id"] for found in users if found["username"] == username)


@pytest.fixture(scope="module")
def sales(live: LiveSuite) -> dict[str, Any]:
    """Two managers, five customers invoiced over three months (and once before), six deals
    moved through Lead, Offer and Contract (one won, two lost), a campaign that won a deal, a
    failed order and a call."""
    lan = user(live, "lan", "Nguyễn Thị Lan")
    minh = user(live, "minh", "Trần Văn Minh")
    stages = [{"name": name, "probability": p} for name, p in STAGES]
    wholesale = live.api("POST", "/pipelines", {"name": "Bán buôn", "stages": stages})
    projects = live.api(
        "POST", "/pipelines", {"name": "Dự án", "stages": [{"name": "Mới", "probability": 20}]}
    )
    lead, offer, contract = (stage["id"] for stage in wholesale["stages"])
    ids = {}
    for i, name in enumerate(CUSTOMERS):
        owner = lan if i % 2 == 0 else minh
        body = {"name": name, "force": True, "owner_id": owner, "region": "Hà Nội"}
        ids[name] = live.api("POST", "/counterparties", body)["id"]
    rival = live.api(
        "POST", "/counterparties", {"name": "Tập đoàn Đối Thủ", "roles": ["competitor"]}
    )
    price = live.api("POST", "/lost-reasons", {"name": "Giá cao hơn đối thủ"})
    budget = live.api("POST", "/lost-reasons", {"name": "Chưa có ngân sách"})
    names = list(CUSTOMERS)
    close = [str(date.today() + timedelta(days=d)) for d in (20, 45, 45, 75, 75, 20)]
    deals = [
        live.api(
            "POST",
            "/deals",
            {
                "title": f"Đơn hàng {i + 1}",
                "pipeline_id": wholesale["id"],
                "counterparty_id": ids[names[i % 5]],
                "amount": str((i + 1) * 50 * MILLION),
                "currency": "VND",
                "expected_close_date": close[i],
                "owner_id": lan if i < 3 else minh,
            },
        )["id"]
        for i in range(6)
    ]
    moves = {1: [offer], 2: [offer, contract], 3: [offer, contract], 4: [offer]}
    for index, path in moves.items():
        for stage in path:
            live.api("POST", f"/deals/{deals[index]}/stage", {"stage_id": stage})
    live.api("POST", f"/deals/{deals[3]}/win", {})
    lose = {"reason_id": price["id"], "competitor_id": rival["id"]}
    live.api("POST", f"/deals/{deals[4]}/lose", lose)
    live.api("POST", f"/deals/{deals[5]}/lose", {"reason_id": budget["id"]})

    campaign = live.api(
        "POST",
        "/campaigns",
        {
            "name": "Triển lãm Vietbuild",
            "channel": "exhibition",
            "cost": "5000000",
            "currency": "VND",
        },
    )
    newcomer = ids["Cửa hàng Minh Khai"]
    responded = [
        live.api(
            "POST",
            f"/campaigns/{campaign['id']}/responses",
            {"counterparty_id": who, "kind": "visit"},
        )
        for who in (newcomer, ids["Sơn Hải Phòng"])
    ]
    won = live.api(
        "POST",
        f"/campaign-responses/{responded[0]['id']}/convert",
        {"pipeline_id": projects["id"], "owner_id": lan},
    )
    live.api("POST", f"/deals/{won['id']}/win", {})

    live.suite.deliver_events()  # the ERP's invoices take their owner from the counterparty
    invoices = []
    for name, (window, before) in CUSTOMERS.items():
        for months_back, millions in zip((2, 1, 0), window, strict=True):
            if millions:
                extra = {"deal_id": won["id"]} if name == "Cửa hàng Minh Khai" else {}
                invoices.append(invoice(ids[name], day_in(months_back), millions, **extra))
        if before:
            invoices.append(invoice(ids[name], day_in(4), before))
    for document in invoices:
        live.api("POST", "/erp/invoices", document)
    order = {
        "number": "DH-01",
        "date": str(date.today()),
        "counterparty_id": ids["Thép Việt Nhật"],
        "lines": [{"sku": "VT-01", "quantity": "3"}],
    }
    live.api("POST", "/erp/orders", {**order, "external_id": "DH-01", "status": "fulfilled"})
    failed = {"external_id": "DH-02", "status": "failed", "failure_reason": "Hết hàng trong kho"}
    live.api("POST", "/erp/orders", {**order, **failed})
    call = {
        "counterparty_id": ids["Công ty CP Nhựa Hoa Sen"],
        "kind": "call",
        "subject": "Gọi chăm sóc khách hàng",
        "done_at": datetime.now(UTC).isoformat(),
        "owner_id": lan,
    }
    live.api("POST", "/interactions", call)
    live.suite.deliver_events()
    return {"pipeline": wholesale, "deals": deals, "ids": ids, "stages": (lead, offer, contract)}


def open_tab(page: Page, live: LiveSuite, route: str) -> None:
    page.goto(f"{live.url}/#/analytics/{route}")
    page.reload()
    page.locator(".analytics-body > :not(.loading)").first.wait_for()


def test_a_pipeline_without_deals_explains_how_its_funnel_fills(
    page: Page, live: LiveSuite
) -> None:
    empty = live.api(
        "POST",
        "/pipelines",
        {"name": "Kênh đại lý", "stages": [{"name": "Liên hệ", "probability": 10}]},
    )
    open_tab(page, live, f"funnel?pipeline_id={empty['id']}")
    expect(page.locator(".empty h3")).to_have_text("No deals in this pipeline yet")
    expect(page.locator(".empty p")).to_contain_text("as soon as they are created")
    assert funnel_counts(page) == {"Liên hệ": "0"}
    screenshot(page, "analytics-empty")
    open_tab(page, live, "campaigns")
    expect(page.locator(".empty h3")).to_have_text("No campaigns yet")
    open_tab(page, live, "abcxyz")
    expect(page.locator(".empty h3")).to_have_text("No classification yet")


def test_the_funnel_counts_the_deals_that_reached_each_stage_and_follows_a_move(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, f"funnel?pipeline_id={sales['pipeline']['id']}")
    assert funnel_counts(page) == {"Lead": "6", "Offer": "4", "Contract": "2"}
    expect(page.locator(".stat", has_text="Win rate")).to_contain_text("33%")
    expect(page.locator("#chart-funnel")).to_be_visible()
    expect(page.locator("#chart-forecast")).to_be_visible()
    screenshot(page, "analytics-funnel")

    offer = sales["stages"][1]
    live.api("POST", f"/deals/{sales['deals'][0]}/stage", {"stage_id": offer})
    live.suite.deliver_events()
    open_tab(page, live, f"funnel?pipeline_id={sales['pipeline']['id']}")
    assert funnel_counts(page) == {"Lead": "6", "Offer": "5", "Contract": "2"}
    page.get_by_label("From").fill(str(date.today() + timedelta(days=1)))
    expect(page.locator(".empty h3")).to_have_text("No deals created in this period")
    assert funnel_counts(page) == {"Lead": "0", "Offer": "0", "Contract": "0"}
    assert "from=" in page.url


def test_export_csv_downloads_the_funnel_as_a_spreadsheet(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, f"funnel?pipeline_id={sales['pipeline']['id']}")
    with page.expect_download() as started:
        page.get_by_role("button", name="Export CSV").click()
    download = started.value
    assert download.suggested_filename == "funnel-Bán buôn.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert {row["name"]: row["count"] for row in rows} == funnel_counts(page)


def test_bottlenecks_show_each_stage_with_its_losses_and_open_deals(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, f"bottlenecks?pipeline_id={sales['pipeline']['id']}")
    offer = page.locator('table.bottlenecks tr[data-stage="Offer"]')
    expect(offer.locator("td").nth(4)).to_have_text("1")  # the deal lost in Offer
    report = live.api("GET", f"/analytics/bottlenecks?pipeline_id={sales['pipeline']['id']}")
    rate = next(stage for stage in report["stages"] if stage["name"] == "Offer")["drop_off_rate"]
    expect(offer.locator("td").nth(5)).to_have_text(f"{round(rate * 100)}%")
    expect(page.locator("#chart-times")).to_be_visible()
    screenshot(page, "analytics-bottlenecks")


def test_a_classification_run_here_fills_the_matrix_whose_cells_open_their_customers(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, "abcxyz")
    page.get_by_role("button", name="Run classification now").first.click()
    form = page.locator("dialog form")
    form.get_by_label("Period from").fill(str(WINDOW[0]))
    form.get_by_label("Period to").fill(str(WINDOW[1]))
    form.get_by_role("button", name="Start").click()
    expect(page.locator(".run-status")).to_have_text("Done")
    live.suite.deliver_events()  # the classes reach the counterparties through an event
    open_tab(page, live, "abcxyz")
    expected = {"AX": 1, "AY": 1, "AZ": 0, "BX": 1, "BY": 0, "BZ": 0, "CX": 0, "CY": 0, "CZ": 2}
    for cell, count in expected.items():
        expect(page.locator(f'td[data-cell="{cell}"] .cell-count')).to_have_text(str(count))
        listed = live.api("GET", f"/counterparties?abc={cell[0]}&xyz={cell[1]}&page_size=1")
        assert listed["total"] == count
    expect(page.locator("dl.facts")).to_contain_text("Revenue")
    screenshot(page, "analytics-abcxyz")
    page.locator('td[data-cell="AY"] a').click()
    page.wait_for_url("**/#/counterparties?abc=A&xyz=Y")


def test_bcg_places_each_named_customer_in_its_quadrant(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, f"bcg?from={WINDOW[0]}&to={WINDOW[1]}")
    quadrants = {
        "Công ty CP Nhựa Hoa Sen": "Stars",
        "Thép Việt Nhật": "Cash cows",
        "Gạch Đồng Tâm Long An": "Question marks",
        "Sơn Hải Phòng": "Dogs",
        "Cửa hàng Minh Khai": "Question marks",
    }
    for name, quadrant in quadrants.items():
        expect(page.locator(f'table.bcg tr[data-counterparty="{name}"]')).to_contain_text(quadrant)
    expect(page.locator('table.bcg tr[data-counterparty="Cửa hàng Minh Khai"]')).to_contain_text(
        "New"
    )
    expect(page.locator("#chart-bcg")).to_be_visible()
    screenshot(page, "analytics-bcg")


def test_lost_deals_and_failed_orders_are_shown_by_name(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, "lost")
    table = page.locator("table.grouped").first
    expect(table.locator('tr[data-key="Giá cao hơn đối thủ"] td.count')).to_have_text("1")
    expect(table.locator('tr[data-key="Chưa có ngân sách"] td.count')).to_have_text("1")
    page.locator("select[name=by]").select_option("competitor")
    expect(page.locator('table.grouped tr[data-key="Tập đoàn Đối Thủ"] td.count')).to_have_text("1")
    expect(page.locator('table.grouped tr[data-key="Hết hàng trong kho"] td.count')).to_have_text(
        "1"
    )
    page.locator("select[name=by]").select_option("reason")
    expect(page.locator('table.grouped tr[data-key="Giá cao hơn đối thủ"]')).to_be_visible()
    screenshot(page, "analytics-lost")


def test_managers_see_their_revenue_wins_and_contacts_by_name(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, "managers")
    lan = page.locator('table.managers tr[data-manager="Nguyễn Thị Lan"]')
    expect(lan).to_be_visible()
    expect(page.locator('table.managers tr[data-manager="Trần Văn Minh"]')).to_be_visible()
    expect(lan.locator("td").nth(4)).to_have_text("1")  # the call she made
    screenshot(page, "analytics-managers")


def test_a_campaign_shows_its_responses_wins_and_return(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, "campaigns")
    row = page.locator('table.campaigns tr[data-campaign="Triển lãm Vietbuild"]')
    expect(row.locator("td").nth(0)).to_have_text("2")
    expect(row.locator("td").nth(2)).to_have_text("1")
    expect(row.locator("td").nth(5)).to_have_text("+90%")  # 9.5 million invoiced for 5
    screenshot(page, "analytics-campaigns")


def test_a_bad_cron_shows_the_apis_message_under_the_field_and_a_good_one_is_kept(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    open_tab(page, live, "settings")
    form = page.locator("form.classification")
    form.get_by_label("When (cron, UTC)").fill("every monday")
    form.get_by_role("button", name="Save").click()
    expect(form.locator('small.error[data-field="cron"]')).to_contain_text(
        "is not a cron expression"
    )
    screenshot(page, "analytics-settings-bad-cron")
    form.get_by_label("When (cron, UTC)").fill("0 3 1 * *")
    form.get_by_label("Run by itself").check()
    form.get_by_role("button", name="Save").click()
    expect(form.locator("small.error")).to_have_count(0)
    expect(page.locator(".an-card", has=form).locator(".badge").first).to_have_text("On")
    assert live.api("GET", "/analytics/schedules/classification")["cron"] == "0 3 1 * *"
    page.get_by_role("button", name="Train now").click()
    expect(page.locator(".model-version")).to_contain_text("1")
    screenshot(page, "analytics-settings")


def test_the_analytics_read_in_vietnamese(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    with in_vietnamese(page):
        open_tab(page, live, f"funnel?pipeline_id={sales['pipeline']['id']}")
        expect(page.get_by_role("tab", name="Phễu & dự báo")).to_be_visible()
        expect(page.locator("table.funnel th").first).to_have_text("Giai đoạn")
        screenshot(page, "analytics-funnel-vi")
        open_tab(page, live, "abcxyz")
        expect(page.locator("table.abcxyz")).to_contain_text("Ổn định")
        screenshot(page, "analytics-abcxyz-vi")
