"""Files on a deal and on a counterparty, in the browser and in Vietnamese: a manager attaches a
contract to a deal and a licence to its customer, sees each in its list and in the timelines,
downloads it under its Vietnamese name with its bytes unchanged, gives it another title, archives it (it leaves the list,
and is shown again with "show archived") and restores it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, make_people, screenshot, tab_of, visit

MANAGER = "Lê Thị Hồng Nhung"
CONTRACT = "Hợp đồng mua bán số 07-2026.pdf"
CONTRACT_BYTES = b"%PDF-1.4\n% hop dong mua ban gao ST25\n\x00\x01\xfe\xff"
LICENCE = "Giấy phép kinh doanh.png"
LICENCE_BYTES = b"\x89PNG\r\n\x1a\n giay phep"
RENAMED = "Giấy phép ĐKKD 2026"


@pytest.fixture(scope="module")
def people(live: LiveSuite) -> dict[str, dict[str, str]]:
    return make_people(live, [("manager", MANAGER, "manager")])


@pytest.fixture(scope="module")
def manager(browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]) -> Iterator[Page]:
    yield from tab_of(browser, live, people["manager"])


@pytest.fixture(scope="module")
def world(live: LiveSuite, people: dict[str, dict[str, str]]) -> dict[str, Any]:
    owner = people["manager"]["id"]
    buyer = live.api(
        "POST",
        "/counterparties",
        {"name": "Công ty TNHH Gạo Mekong", "legal_kind": "legal_entity", "owner_id": owner},
    )
    stages = [{"name": "Tiếp cận", "probability": 10}, {"name": "Báo giá", "probability": 40}]
    flow = live.api(
        "POST", "/pipelines", {"name": "Bán sỉ gạo", "mode": "simple", "stages": stages}
    )
    live.suite.deliver_events()
    body = {"title": "Gạo ST25 quý I", "pipeline_id": flow["id"], "counterparty_id": buyer["id"]}
    deal = live.api(
        "POST", "/deals", body | {"owner_id": owner, "amount": "450000000", "currency": "VND"}
    )
    return {"buyer": buyer, "deal": deal}


def attach(page: Page, name: str, content: bytes, mime: str, title: str | None = None) -> None:
    page.locator("[data-files]").get_by_role("button", name="Đính kèm tệp").click()
    dialog = page.locator("dialog")
    dialog.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )
    if title:
        dialog.get_by_label("Tiêu đề").fill(title)
    dialog.get_by_role("button", name="Tải lên").click()
    expect(dialog).to_have_count(0)


def row_of(page: Page, title: str) -> Locator:
    return page.locator("[data-files] tr[data-file]", has_text=title)


def downloaded(page: Page, row: Locator) -> tuple[str, bytes]:
    with page.expect_download() as caught:
        row.locator("button.file-download").click()
    download = caught.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def archive_and_restore(page: Page, title: str, shot: str) -> None:
    row_of(page, title).get_by_role("button", name="Lưu trữ").click()
    page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
    expect(row_of(page, title)).to_have_count(0)
    page.locator("[data-files]").get_by_label("Hiện mục đã lưu trữ").check()
    archived = row_of(page, title)
    expect(archived.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
    screenshot(page, f"files-{shot}-archived-vi")
    archived.get_by_role("button", name="Khôi phục").click()
    expect(row_of(page, title).locator(".badge", has_text="Đã lưu trữ")).to_have_count(0)
    expect(row_of(page, title).get_by_role("button", name="Lưu trữ")).to_be_visible()


def test_a_manager_attaches_a_contract_to_a_deal_downloads_it_archives_and_restores_it(
    manager: Page, live: LiveSuite, world: dict[str, Any]
) -> None:
    deal = world["deal"]
    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/deals/{deal['id']}")
        expect(manager.locator("[data-files]")).to_contain_text("Chưa có tệp nào")
        attach(manager, CONTRACT, CONTRACT_BYTES, "application/pdf", title="Hợp đồng gạo ST25")
        row = row_of(manager, "Hợp đồng gạo ST25")
        expect(row).to_contain_text(CONTRACT)
        screenshot(manager, "files-deal-vi")

        name, content = downloaded(manager, row)
        assert name == CONTRACT and content == CONTRACT_BYTES

        live.suite.deliver_events()
        visit(manager, f"{live.url}/#/deals/{deal['id']}")
        expect(manager.locator("ul.timeline").first).to_contain_text(
            "Đã đính kèm tệp: Hợp đồng gạo ST25"
        )
        archive_and_restore(manager, "Hợp đồng gạo ST25", "deal")
        live.suite.deliver_events()
        visit(manager, f"{live.url}/#/deals/{deal['id']}")
        expect(manager.locator("ul.timeline").first).to_contain_text(
            "Đã lưu trữ tệp: Hợp đồng gạo ST25"
        )
        expect(manager.locator("ul.timeline").first).to_contain_text(
            "Đã khôi phục tệp: Hợp đồng gạo ST25"
        )
        screenshot(manager, "files-deal-timeline-vi")

    [file] = live.api("GET", f"/deals/{deal['id']}/files")["items"]
    assert file["archived_at"] is None and file["version"] == 3


def test_a_manager_attaches_a_licence_to_a_counterparty_and_sees_both_files_in_its_timeline(
    manager: Page, live: LiveSuite, world: dict[str, Any]
) -> None:
    buyer = world["buyer"]
    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/counterparties/{buyer['id']}?tab=files")
        expect(manager.get_by_role("tab", name="Tệp")).to_have_attribute("aria-selected", "true")
        attach(manager, LICENCE, LICENCE_BYTES, "image/png")
        row = row_of(manager, LICENCE)
        expect(row).to_be_visible()
        name, content = downloaded(manager, row)
        assert name == LICENCE and content == LICENCE_BYTES
        screenshot(manager, "files-counterparty-vi")
        row.get_by_role("button", name="Đổi tiêu đề").click()
        manager.locator("dialog").get_by_label("Tiêu đề").fill(RENAMED)
        manager.locator("dialog").get_by_role("button", name="Lưu").click()
        expect(row_of(manager, RENAMED)).to_contain_text(LICENCE)
        archive_and_restore(manager, RENAMED, "counterparty")

        live.suite.deliver_events()
        visit(manager, f"{live.url}/#/counterparties/{buyer['id']}?tab=timeline")
        timeline = manager.locator(".cp-tab")
        expect(timeline).to_contain_text(f"Đã đính kèm tệp: {LICENCE}")
        expect(timeline).to_contain_text("Đã đính kèm tệp: Hợp đồng gạo ST25")
        screenshot(manager, "files-counterparty-timeline-vi")

    [file] = live.api("GET", f"/counterparties/{buyer['id']}/files")["items"]
    assert file["title"] == RENAMED and file["filename"] == LICENCE
    assert file["size"] == len(LICENCE_BYTES) and file["version"] == 4
