"""Setup, in the browser and in Vietnamese: a sales director builds a sales process (stages, the
tasks each stage gives a deal, its documents), keeps the company's lists (lost reasons, deal
sources) and the campaigns, whose responses become deals — none of it through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, new_tab, screenshot, sign_in

REGULATION = "Quy định khảo sát công trình.\n1. Đo đạc hiện trạng.\n2. Chụp ảnh.\n".encode()


def person(live: LiveSuite, username: str, full_name: str, role: str) -> str:
    live.suite.user(username, [role], full_name=full_name)
    users = live.api("GET", "/users?page_size=500")["items"]
    return next(found["id"] for found in users if found["username"] == username)


@pytest.fixture(scope="module")
def team(live: LiveSuite) -> dict[str, Any]:
    """The sales director Hà, the manager Lan, and a customer they sell to."""
    return {
        "ha": person(live, "ha", "Phạm Thu Hà", "director"),
        "lan": person(live, "lan", "Nguyễn Thị Lan", "manager"),
        "buyer": live.api("POST", "/counterparties", {"name": "Công ty CP Xây dựng Hòa Bình"}),
    }


def tab_of(browser: Browser, live: LiveSuite, username: str) -> Page:
    opened = new_tab(browser, live)
    sign_in(opened, username, f"password-{username}")
    return opened


@pytest.fixture(scope="module")
def director(browser: Browser, live: LiveSuite, team: dict[str, Any]) -> Iterator[Page]:
    """Hà's tab, signed in."""
    opened = tab_of(browser, live, "ha")
    yield opened
    opened.context.close()


@pytest.fixture
def manager(browser: Browser, live: LiveSuite, team: dict[str, Any]) -> Iterator[Page]:
    """Lan's tab, signed in."""
    opened = tab_of(browser, live, "lan")
    yield opened
    opened.context.close()


def visit(page: Page, live: LiveSuite, route: str) -> None:
    """Opens #<route> afresh, once the screen shown before has drawn: a route changed while the
    app still starts draws the sign-in's start again, in the language it started in."""
    page.locator("#screen > :not(.loading)").first.wait_for()
    page.goto(f"{live.url}/#{route}")
    page.reload()
    page.locator("#screen > :not(.loading)").first.wait_for()
    if route.startswith("/setup"):
        page.locator(".setup-body > :not(.loading)").first.wait_for()


def pipeline_named(live: LiveSuite, name: str) -> dict[str, Any]:
    return next(
        p for p in live.api("GET", "/pipelines?page_size=500")["items"] if p["name"] == name
    )


def test_the_director_builds_a_business_process_whose_first_stage_gives_a_new_deal_its_task(
    director: Page, live: LiveSuite, team: dict[str, Any]
) -> None:
    page = director
    with in_vietnamese(page):
        visit(page, live, "/board")
        expect(page.locator(".empty")).to_contain_text("Hãy thiết lập quy trình bán hàng đầu tiên")
        screenshot(page, "setup-board-without-pipelines")
        page.get_by_role("link", name="Thiết lập quy trình bán hàng").click()
        editor = page.locator("form.pipeline-editor")
        editor.get_by_label("Tên quy trình").fill("Dự án công trình")
        editor.get_by_label("Cách chuyển giai đoạn").select_option(label="Quy trình nghiệp vụ")
        survey = editor.locator("li.stage[data-index='0']")
        survey.get_by_label("Tên giai đoạn").fill("Khảo sát")
        survey.get_by_label("Xác suất thắng (%)").fill("20")
        survey.get_by_role("button", name="Thêm công việc").click()
        survey.get_by_role("textbox", name="Công việc", exact=True).fill(
            "Khảo sát hiện trạng công trình"
        )
        expect(survey.get_by_label("Người thực hiện")).to_have_value("deal_owner")
        survey.get_by_label("Hạn sau (ngày)").fill("2")
        editor.get_by_role("button", name="Thêm giai đoạn").click()
        quote = editor.locator("li.stage[data-index='1']")
        quote.get_by_label("Tên giai đoạn").fill("Báo giá")
        quote.get_by_label("Đình trệ sau (ngày)").fill("14")
        editor.get_by_role("button", name="Tạo quy trình").click()
        # the API's field error stands next to the field it names: the quote's probability
        error = quote.locator("[data-field='stages.1.probability']")
        expect(error).to_be_visible()
        screenshot(page, "setup-pipeline-field-error")
        quote.get_by_label("Xác suất thắng (%)").fill("50")
        editor.get_by_role("button", name="Tạo quy trình").click()
        expect(page.locator(".toast")).to_contain_text(["Đã tạo quy trình “Dự án công trình”"])
        expect(page.locator(".setup-list li.active")).to_contain_text("Dự án công trình")

        documents = page.locator("section.process-documents")
        documents.get_by_label("Tên tài liệu").fill("Quy định khảo sát")
        documents.get_by_label("Loại").select_option(label="Quy định")
        documents.get_by_label("Tệp").set_input_files(
            {"name": "quy-dinh-khao-sat.txt", "mimeType": "text/plain", "buffer": REGULATION}
        )
        documents.get_by_role("button", name="Tải lên").click()
        row = documents.locator("tr[data-document='Quy định khảo sát']")
        expect(row).to_contain_text("quy-dinh-khao-sat.txt")
        screenshot(page, "setup-pipeline-editor")
        with page.expect_download() as started:
            row.get_by_role("button", name="Tải xuống").click()
        assert Path(started.value.path()).read_bytes() == REGULATION

    built = pipeline_named(live, "Dự án công trình")
    assert built["mode"] == "business_process"
    assert [(s["name"], s["probability"]) for s in built["stages"]] == [
        ("Khảo sát", 20),
        ("Báo giá", 50),
    ]
    assert built["stages"][0]["task_templates"] == [
        {"title": "Khảo sát hiện trạng công trình", "due_in_days": 2, "assignee": "deal_owner"}
    ]
    assert built["stages"][1]["stall_after_days"] == 14

    body = {"title": "Nhà xưởng Bình Dương", "pipeline_id": built["id"]}
    body |= {"counterparty_id": team["buyer"]["id"], "owner_id": team["lan"]}
    deal = live.api("POST", "/deals", body)
    [task] = live.api("GET", f"/tasks?deal_id={deal['id']}")["items"]
    assert task["title"] == "Khảo sát hiện trạng công trình"
    assert task["assignee_id"] == team["lan"]
    assert task["due_date"] == str(date.today() + timedelta(days=2))
    with in_vietnamese(page):
        visit(page, live, f"/deals/{deal['id']}")
        expect(page.locator("ul.checklist")).to_contain_text("Khảo sát hiện trạng công trình")
        expect(page.locator("ul.checklist")).to_contain_text("Nguyễn Thị Lan")
        expect(page.locator("ul.doc-list")).to_contain_text("Quy định khảo sát")
        screenshot(page, "setup-deal-with-stage-task")


def test_the_director_reorders_renames_and_archives_stages_and_the_board_follows(
    director: Page, live: LiveSuite, team: dict[str, Any]
) -> None:
    stages = [
        {"name": "Tiếp cận", "probability": 10},
        {"name": "Đàm phán", "probability": 60},
        {"name": "Báo giá", "probability": 40},
        {"name": "Chờ duyệt", "probability": 70},
    ]
    made = live.api("POST", "/pipelines", {"name": "Bán lẻ", "stages": stages})
    page = director
    with in_vietnamese(page):
        visit(page, live, f"/board/{made['id']}")
        page.get_by_role("link", name="Thiết lập quy trình").click()
        editor = page.locator("form.pipeline-editor")
        expect(editor.locator("h2")).to_have_text("Bán lẻ")
        editor.get_by_role("button", name="Chuyển “Báo giá” lên trước").click()
        editor.locator("li.stage[data-stage='Đàm phán']").get_by_label("Tên giai đoạn").fill(
            "Thương lượng"
        )
        editor.locator("li.stage[data-stage='Chờ duyệt']").get_by_role(
            "button", name="Lưu trữ"
        ).click()
        expect(editor.locator("li.stage.archived")).to_contain_text("Đã lưu trữ")
        editor.get_by_role("button", name="Lưu quy trình").click()
        expect(page.locator(".toast")).to_contain_text(["Đã lưu quy trình “Bán lẻ”"])
        screenshot(page, "setup-pipeline-reordered")
        editor.get_by_role("link", name="Mở bảng").click()
        expect(page.locator("section.column h3")).to_have_text(
            ["Tiếp cận", "Báo giá", "Thương lượng"]
        )
    saved = live.api("GET", f"/pipelines/{made['id']}")
    by_position = sorted(saved["stages"], key=lambda s: s["position"])
    assert [(s["name"], s["archived"]) for s in by_position] == [
        ("Tiếp cận", False),
        ("Báo giá", False),
        ("Thương lượng", False),
        ("Chờ duyệt", True),
    ]
    assert [s["id"] for s in by_position] == [made["stages"][i]["id"] for i in (0, 2, 1, 3)]


def test_a_lost_reason_the_director_adds_is_the_one_a_manager_loses_a_deal_with(
    director: Page, manager: Page, live: LiveSuite, team: dict[str, Any]
) -> None:
    stages = [{"name": "Tiếp cận", "probability": 10}]
    pipeline = live.api("POST", "/pipelines", {"name": "Bán sỉ", "stages": stages})
    body = {"title": "Tôn lợp mái kho", "pipeline_id": pipeline["id"]}
    body |= {"counterparty_id": team["buyer"]["id"], "owner_id": team["lan"]}
    deal = live.api("POST", "/deals", body)
    page = director
    with in_vietnamese(page):
        visit(page, live, "/setup?tab=lists")
        reasons = page.locator("section.lost-reasons")
        reasons.get_by_role("button", name="Thêm").click()
        expect(reasons.locator("[data-field='name']")).to_be_visible()  # a name is needed
        reasons.get_by_label("Lý do mới").fill("Khách chọn hàng nhập khẩu giá rẻ")
        reasons.get_by_label("Dùng cho").select_option(label="Thương vụ thua")
        reasons.get_by_role("button", name="Thêm").click()
        expect(
            reasons.locator("li[data-entry='Khách chọn hàng nhập khẩu giá rẻ']")
        ).to_contain_text("Thương vụ thua")
        expect(reasons.locator("[data-field='name']")).to_have_count(0)
        screenshot(page, "setup-lists")
    [reason] = [
        r
        for r in live.api("GET", "/lost-reasons?kind=deal")["items"]
        if r["name"] == "Khách chọn hàng nhập khẩu giá rẻ"
    ]

    with in_vietnamese(manager):
        visit(manager, live, f"/deals/{deal['id']}")
        expect(manager.locator("nav.main").get_by_role("link", name="Thiết lập")).to_have_count(0)
        manager.goto(f"{live.url}/#/setup")
        expect(manager.locator(".alert")).to_have_text("Bạn không có quyền thực hiện thao tác này.")
        manager.goto(f"{live.url}/#/deals/{deal['id']}")
        manager.get_by_role("button", name="Thua").click()
        dialog = manager.locator("dialog")
        dialog.get_by_label("Lý do").select_option(label="Khách chọn hàng nhập khẩu giá rẻ")
        dialog.get_by_role("button", name="Thua").click()
        expect(manager.locator(".page-header .badge")).to_have_text("Thua")
    lost = live.api("GET", f"/deals/{deal['id']}")
    assert (lost["status"], lost["lost_reason_id"]) == ("lost", reason["id"])


def test_a_deal_source_added_in_setup_can_be_chosen_in_the_deal_form(
    director: Page, live: LiveSuite, team: dict[str, Any]
) -> None:
    stages = [{"name": "Tiếp cận", "probability": 10}]
    pipeline = live.api("POST", "/pipelines", {"name": "Hội chợ", "stages": stages})
    page = director
    with in_vietnamese(page):
        visit(page, live, f"/board/{pipeline['id']}")
        page.locator("nav.main").get_by_role("link", name="Thiết lập").click()
        page.get_by_role("tab", name="Danh mục").click()
        sources = page.locator("section.managed-list[data-list='deal_source']")
        sources.get_by_label("Nguồn mới").fill("Hội chợ Vietbuild")
        sources.get_by_role("button", name="Thêm").click()
        expect(sources.locator("li[data-entry='Hội chợ Vietbuild']")).to_be_visible()
        page.goto(f"{live.url}/#/board/{pipeline['id']}")
        page.get_by_role("button", name="Thương vụ mới").first.click()
        form = page.locator("dialog form")
        form.get_by_label("Tên thương vụ").fill("Gạch ốp lát cho khu nghỉ dưỡng")
        form.get_by_label("Đối tác", exact=True).fill("Hòa Bình")
        form.locator(".matches button", has_text="Hòa Bình").click()
        form.locator("select[name=source_id]").select_option(label="Hội chợ Vietbuild")
        screenshot(page, "setup-source-in-deal-form", full_page=False)
        form.get_by_role("button", name="Tạo thương vụ").click()
        expect(page.locator("article.deal-card")).to_contain_text(["Gạch ốp lát"])
    [source] = [
        s for s in live.api("GET", "/deal-sources")["items"] if s["name"] == "Hội chợ Vietbuild"
    ]
    [deal] = live.api("GET", f"/deals?pipeline_id={pipeline['id']}")["items"]
    assert deal["source_id"] == source["id"]


def test_a_campaign_response_entered_in_setup_is_turned_into_a_deal(
    director: Page, live: LiveSuite, team: dict[str, Any]
) -> None:
    stages = [{"name": "Tiếp cận", "probability": 10}]
    pipeline = live.api("POST", "/pipelines", {"name": "Khách từ triển lãm", "stages": stages})
    page = director
    with in_vietnamese(page):
        visit(page, live, "/setup?tab=campaigns")
        page.get_by_role("button", name="Chiến dịch mới").click()
        form = page.locator("dialog form")
        form.get_by_label("Tên chiến dịch").fill("Triển lãm Vietbuild 2026")
        form.get_by_label("Kênh").fill("Triển lãm")
        form.get_by_label("Chi phí").fill("50000000")
        form.get_by_role("button", name="Tạo chiến dịch").click()
        expect(page.locator("section.campaign-responses h2")).to_have_text(
            "Phản hồi của “Triển lãm Vietbuild 2026”"
        )

        page.get_by_role("button", name="Thêm phản hồi").click()
        form = page.locator("dialog form")
        form.get_by_label("Tên khách hàng").fill("Công ty TNHH Kiến trúc Sao Mai")
        form.get_by_label("Email").fill("lienhe@saomai.vn")
        form.get_by_label("Hình thức").select_option(label="Ghé thăm")
        form.get_by_label("Ghi chú").fill("Cần 2.000 m² gạch cho dự án resort")
        form.get_by_role("button", name="Lưu phản hồi").click()
        prospect = page.locator("table.responses tr", has_text="Công ty TNHH Kiến trúc Sao Mai")
        expect(prospect.locator("td.kind")).to_have_text("Ghé thăm")

        page.get_by_role("button", name="Thêm phản hồi").click()
        form = page.locator("dialog form")
        form.get_by_label("Đối tác đã có").check()
        form.get_by_label("Đối tác", exact=True).fill("Hòa Bình")
        form.locator(".matches button", has_text="Hòa Bình").click()
        form.get_by_label("Hình thức").select_option(label="Cuộc gọi")
        form.get_by_role("button", name="Lưu phản hồi").click()
        known = page.locator("table.responses tr", has_text="Công ty CP Xây dựng Hòa Bình")
        expect(known.locator("td.kind")).to_have_text("Cuộc gọi")
        screenshot(page, "setup-campaign-responses")

        prospect.get_by_role("button", name="Chuyển thành thương vụ").click()
        form = page.locator("dialog form")
        form.get_by_label("Quy trình bán hàng").select_option(label="Khách từ triển lãm")
        form.get_by_label("Người phụ trách").select_option(label="Nguyễn Thị Lan")
        screenshot(page, "setup-campaign-convert", full_page=False)
        form.get_by_role("button", name="Chuyển thành thương vụ").click()
        prospect.get_by_role("link", name="Mở thương vụ").click()
        title = "Triển lãm Vietbuild 2026: Công ty TNHH Kiến trúc Sao Mai"
        expect(page.locator("h1")).to_have_text(title)
    [campaign] = [
        c for c in live.api("GET", "/campaigns")["items"] if c["name"] == "Triển lãm Vietbuild 2026"
    ]
    assert campaign["channel"] == "Triển lãm" and Decimal(campaign["cost"]) == 50_000_000
    [deal] = live.api("GET", f"/deals?campaign_id={campaign['id']}")["items"]
    assert deal["title"] == title and deal["owner_id"] == team["lan"]
    assert deal["pipeline_id"] == pipeline["id"]
    party = live.api("GET", f"/counterparties/{deal['counterparty_id']}")
    assert party["name"] == "Công ty TNHH Kiến trúc Sao Mai"


def test_the_director_archives_a_process_no_longer_used_and_restores_it_with_its_documents(
    director: Page, live: LiveSuite, team: dict[str, Any]
) -> None:
    stages = [{"name": "Khảo sát", "probability": 20}, {"name": "Ký kết", "probability": 90}]
    made = live.api("POST", "/pipelines", {"name": "Dự án cũ 2025", "stages": stages})
    page = director
    with in_vietnamese(page):
        visit(page, live, f"/setup?tab=pipelines&pipeline={made['id']}")
        editor = page.locator("form.pipeline-editor")
        expect(editor.locator("h2")).to_have_text("Dự án cũ 2025")
        documents = page.locator("section.process-documents")
        documents.get_by_label("Tên tài liệu").fill("Quy chế cũ")
        documents.locator("input[type=file]").set_input_files(
            {"name": "quy-che.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 cu"}
        )
        documents.get_by_role("button", name="Tải lên").click()
        row = documents.locator("tr[data-document='Quy chế cũ']")
        row.get_by_role("button", name="Lưu trữ").click()
        page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        expect(row).to_have_count(0)

        kept = [{"id": s["id"], "name": s["name"], "probability": s["probability"]} for s in made["stages"]]  # fmt: skip
        live.api("PUT", f"/pipelines/{made['id']}", {"name": "Dự án 2025", "stages": kept})
        editor.get_by_label("Tên quy trình").fill("Dự án cũ")
        editor.get_by_role("button", name="Lưu quy trình").click()
        expect(editor.locator("[data-stale]")).to_be_visible()
        editor.locator("[data-stale]").get_by_role("button").click()
        expect(editor.locator("h2")).to_have_text("Dự án 2025")

        editor.locator("[data-archive-pipeline]").click()
        page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        listed = page.locator("nav.setup-list")
        expect(listed.get_by_role("link", name="Dự án 2025")).to_have_count(0)
        listed.get_by_label("Hiện mục đã lưu trữ").check()
        listed.get_by_role("link", name="Dự án 2025").click()
        expect(page.locator("[data-archived]")).to_contain_text("Dự án 2025 đã được lưu trữ")
        screenshot(page, "setup-pipeline-archived")
        page.locator("[data-archived]").get_by_role("button", name="Khôi phục").click()
        expect(page.locator("[data-archived]")).to_have_count(0)
        page.locator("section.process-documents").get_by_label("Hiện mục đã lưu trữ").check()
        archived_row = page.locator("tr[data-document='Quy chế cũ']")
        expect(page.locator("#toasts .toast")).to_have_count(0, timeout=15_000)  # over the row
        archived_row.get_by_role("button", name="Khôi phục").click()
        expect(archived_row.get_by_role("button", name="Lưu trữ")).to_be_visible()
    assert live.api("GET", f"/pipelines/{made['id']}")["archived_at"] is None
    assert live.api("GET", f"/pipelines/{made['id']}/documents")["total"] == 1


def test_a_campaign_is_corrected_a_mistaken_response_archived_and_the_campaign_archived_when_over(
    director: Page, live: LiveSuite, team: dict[str, Any]
) -> None:
    made = live.api(
        "POST", "/campaigns", {"name": "Hội chợ Tết 2026", "cost": "12000000", "currency": "VND"}
    )
    wrong = live.api("POST", f"/campaigns/{made['id']}/responses", {"prospect": {"name": "Anh Bảy (nhập nhầm)"}, "kind": "call"})  # fmt: skip
    live.api("POST", f"/campaigns/{made['id']}/responses", {"prospect": {"name": "Chị Mười"}, "kind": "visit"})  # fmt: skip
    page = director
    with in_vietnamese(page):
        visit(page, live, f"/setup?tab=campaigns&campaign={made['id']}")
        row = page.locator("table.campaigns tr[data-campaign='Hội chợ Tết 2026']")
        row.get_by_role("button", name="Sửa").click()
        form = page.locator("dialog form")
        form.get_by_label("Kênh").fill("Hội chợ")
        form.get_by_role("button", name="Lưu").click()
        expect(row.locator("td").first).to_have_text("Hội chợ")

        mistaken = page.locator(f"table.responses tr[data-response='{wrong['id']}']")
        mistaken.get_by_role("button", name="Lưu trữ").click()
        page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        expect(mistaken).to_have_count(0)
        expect(page.locator("table.responses tbody tr")).to_have_count(1)

        row.get_by_role("button", name="Lưu trữ").click()
        page.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        expect(row).to_have_count(0)
        page.locator("section.campaigns").get_by_label("Hiện mục đã lưu trữ").check()
        expect(row.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
        screenshot(page, "setup-campaign-archived")
        row.get_by_role("button", name="Khôi phục").click()
        expect(row.get_by_role("button", name="Lưu trữ")).to_be_visible()
    kept = live.api("GET", f"/campaigns/{made['id']}")
    assert (kept["channel"], kept["archived_at"]) == ("Hội chợ", None)
    assert live.api("GET", f"/campaigns/{made['id']}/responses")["total"] == 1
