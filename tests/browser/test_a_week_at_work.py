"""A week at work, in the browser and in Vietnamese, each person in a tab of their own: the director
builds a business process in Setup, a manager runs a deal through it (the stage's task done moves
the deal on by itself, a call planned and held, a task handed to a colleague, a contact person
archived and restored), the director reads the deal's history, and an admin looks after a new
colleague's account. Only the people and the customer are made through the API; every step the
story proves is done on the screen."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveSuite, make_people, new_tab, screenshot, visit

DIRECTOR = "Phạm Thu Hà"
MANAGER = "Trần Minh Quân"
COLLEAGUE = "Lê Thị Hồng"
ADMIN = "Đỗ Văn Tùng"
PIPELINE = "Dự án nhà xưởng"
SURVEY_TASK = "Khảo sát hiện trạng nhà xưởng"
QUOTE_TASK = "Gửi báo giá chi tiết"
DEAL = "Nhà xưởng Bình Dương giai đoạn 2"
BUYER = "Công ty CP Xây dựng Hòa Bình Xanh"
REASON = "Khách chọn nhà thầu trọn gói"
REGULATION = "Quy định khảo sát nhà xưởng.\n1. Đo đạc hiện trạng.\n2. Chụp ảnh.\n".encode()


def later_today() -> dt.datetime:
    """A moment still ahead today (so that the call is on today's agenda), at the latest 23:50."""
    now = dt.datetime.now().replace(second=0, microsecond=0)
    return min(now + dt.timedelta(hours=2), now.replace(hour=23, minute=50))


@pytest.fixture(scope="module")
def people(live: LiveSuite) -> dict[str, dict[str, str]]:
    roster = [
        ("director", DIRECTOR, "director"),
        ("manager", MANAGER, "manager"),
        ("colleague", COLLEAGUE, "manager"),
        ("admin", ADMIN, "admin"),
    ]
    return make_people(live, roster)


@pytest.fixture(scope="module")
def buyer(live: LiveSuite, people: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The customer the manager sells to, with two contact persons."""
    body = {"name": BUYER, "legal_kind": "legal_entity", "roles": ["customer"], "force": True}
    party = live.api("POST", "/counterparties", body | {"owner_id": people["manager"]["id"]})
    path = f"/counterparties/{party['id']}/contacts"
    mai = live.api("POST", path, {"full_name": "Võ Thị Mai", "position": "Trưởng phòng Mua hàng"})
    live.api("POST", path, {"full_name": "Lê Văn Nam", "position": "Kỹ sư trưởng"})
    return party | {"mai": mai}


def signed_in_tab(browser: Browser, live: LiveSuite, who: dict[str, str]) -> Iterator[Page]:
    """A tab of one's own that speaks Vietnamese from the sign-in screen on."""
    opened = new_tab(browser, live)
    opened.evaluate("localStorage.setItem('crm.language', 'vi')")
    opened.reload()
    opened.get_by_label("Tên đăng nhập").fill(who["username"])
    opened.get_by_label("Mật khẩu").fill(who["password"])
    opened.get_by_role("button", name="Đăng nhập").click()
    opened.locator("header.topbar").wait_for()
    opened.locator("#screen > :not(.loading)").first.wait_for()
    yield opened
    opened.context.close()


@pytest.fixture(scope="module")
def director(
    browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]
) -> Iterator[Page]:
    yield from signed_in_tab(browser, live, people["director"])


@pytest.fixture(scope="module")
def manager(browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]) -> Iterator[Page]:
    yield from signed_in_tab(browser, live, people["manager"])


@pytest.fixture(scope="module")
def colleague(
    browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]
) -> Iterator[Page]:
    yield from signed_in_tab(browser, live, people["colleague"])


@pytest.fixture(scope="module")
def admin(browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]) -> Iterator[Page]:
    yield from signed_in_tab(browser, live, people["admin"])


@pytest.fixture(scope="module")
def story() -> dict[str, Any]:
    """What one step of the week leaves for the next: the pipeline's and the deal's addresses."""
    return {}


def fill_stage(stage: Any, name: str, probability: int, stall_days: int) -> None:
    stage.get_by_label("Tên giai đoạn").fill(name)
    stage.get_by_label("Xác suất thắng (%)").fill(str(probability))
    stage.get_by_label("Đình trệ sau (ngày)").fill(str(stall_days))


def add_task(stage: Any, title: str) -> None:
    stage.get_by_role("button", name="Thêm công việc").click()
    stage.get_by_role("textbox", name="Công việc", exact=True).fill(title)
    expect(stage.get_by_label("Người thực hiện")).to_have_value("deal_owner")
    stage.get_by_label("Hạn sau (ngày)").fill("0")


def test_monday_the_director_builds_the_business_process_in_setup_and_adds_a_lost_reason(
    director: Page, live: LiveSuite, story: dict[str, Any]
) -> None:
    page = director
    visit(page, f"{live.url}/#/setup")
    page.get_by_role("button", name="Quy trình mới").click()
    editor = page.locator("form.pipeline-editor")
    editor.get_by_label("Tên quy trình").fill(PIPELINE)
    editor.get_by_label("Cách chuyển giai đoạn").select_option(label="Quy trình nghiệp vụ")
    survey = editor.locator("li.stage[data-index='0']")
    fill_stage(survey, "Khảo sát", 20, 7)
    add_task(survey, SURVEY_TASK)
    editor.get_by_role("button", name="Thêm giai đoạn").click()
    quote = editor.locator("li.stage[data-index='1']")
    fill_stage(quote, "Báo giá", 50, 14)
    add_task(quote, QUOTE_TASK)
    editor.get_by_role("button", name="Thêm giai đoạn").click()
    fill_stage(editor.locator("li.stage[data-index='2']"), "Ký hợp đồng", 80, 10)
    screenshot(page, "week-setup-pipeline-draft")
    editor.get_by_role("button", name="Tạo quy trình").click()
    expect(page.locator(".toast")).to_contain_text([f"Đã tạo quy trình “{PIPELINE}”"])
    listed = page.locator(".setup-list li.active")
    expect(listed).to_contain_text(PIPELINE)
    expect(listed).to_contain_text("3 giai đoạn")

    documents = page.locator("section.process-documents")
    documents.get_by_label("Tên tài liệu").fill("Quy định khảo sát")
    documents.get_by_label("Loại").select_option(label="Quy định")
    documents.get_by_label("Tệp").set_input_files(
        {"name": "quy-dinh-khao-sat.txt", "mimeType": "text/plain", "buffer": REGULATION}
    )
    documents.get_by_role("button", name="Tải lên").click()
    expect(documents.locator("tr[data-document='Quy định khảo sát']")).to_contain_text(
        "quy-dinh-khao-sat.txt"
    )
    screenshot(page, "week-setup-pipeline-built")
    story["board"] = editor.get_by_role("link", name="Mở bảng").get_attribute("href")

    page.get_by_role("tab", name="Danh mục").click()
    reasons = page.locator("section.lost-reasons")
    reasons.get_by_label("Lý do mới").fill(REASON)
    reasons.get_by_label("Dùng cho").select_option(label="Thương vụ thua")
    reasons.get_by_role("button", name="Thêm").click()
    expect(reasons.locator(f"li[data-entry='{REASON}']")).to_contain_text("Thương vụ thua")
    screenshot(page, "week-setup-lost-reason")

    [built] = live.api("GET", "/pipelines?page_size=500")["items"]
    assert built["mode"] == "business_process"
    assert [(s["name"], s["probability"], s["stall_after_days"]) for s in built["stages"]] == [
        ("Khảo sát", 20, 7),
        ("Báo giá", 50, 14),
        ("Ký hợp đồng", 80, 10),
    ]


def test_tuesday_the_manager_opens_a_deal_whose_stage_task_done_moves_it_on_by_itself(
    manager: Page, live: LiveSuite, story: dict[str, Any], buyer: dict[str, Any]
) -> None:
    page = manager
    visit(page, f"{live.url}/{story['board']}")
    expect(page.locator("section.column h3")).to_have_text(["Khảo sát", "Báo giá", "Ký hợp đồng"])
    page.get_by_role("button", name="Thương vụ mới").first.click()
    form = page.locator("dialog form")
    form.get_by_label("Tên thương vụ").fill(DEAL)
    form.get_by_label("Đối tác", exact=True).fill("Hòa Bình Xanh")
    form.locator(".matches button", has_text=BUYER).click()
    form.get_by_label("Giá trị").fill("2500000000")
    form.get_by_role("button", name="Tạo thương vụ").click()
    expect(page.locator(".toast")).to_contain_text([f"Đã tạo thương vụ “{DEAL}”"])
    page.locator("a.deal-title", has_text=DEAL).click()

    expect(page.locator("header.page-header h1")).to_have_text(DEAL)
    story["deal"] = page.url.split("#", 1)[1]
    path = page.locator("ol.stage-path")
    expect(path.locator("li.current")).to_have_text("Khảo sát")
    survey = page.locator(".checklist li", has_text=SURVEY_TASK)
    expect(survey).to_contain_text(MANAGER)
    document = page.locator("ul.doc-list li", has_text="Quy định khảo sát")
    expect(document).to_contain_text(f"Quy định · {len(REGULATION)} byte")
    screenshot(page, "week-deal-stage-task")

    survey.get_by_role("checkbox").check()
    expect(page.locator(".toast")).to_contain_text([f"Đã xong: {SURVEY_TASK}"])
    expect(path.locator("li.current")).to_have_text("Báo giá")
    expect(path.locator("li.passed")).to_have_text(["Khảo sát"])
    expect(page.locator("dl.facts")).to_contain_text("50%")
    quote = page.locator(".checklist li", has_text=QUOTE_TASK)
    expect(quote).to_contain_text(MANAGER)
    expect(quote.get_by_role("checkbox")).not_to_be_checked()  # the new stage's task is to do
    expect(
        page.locator(".checklist li.done", has_text=SURVEY_TASK).get_by_role("checkbox")
    ).to_be_checked()
    screenshot(page, "week-deal-moved-by-the-process")


def test_tuesday_the_manager_hands_the_quote_task_to_a_colleague_and_she_sees_it_in_her_day(
    manager: Page, colleague: Page, live: LiveSuite, story: dict[str, Any]
) -> None:
    visit(manager, f"{live.url}/#{story['deal']}")
    quote = manager.locator(".checklist li", has_text=QUOTE_TASK)
    task_id = quote.get_attribute("data-task")
    quote.get_by_role("button", name="Giao lại").click()
    dialog = manager.locator("dialog")
    expect(dialog).to_contain_text(f"“{QUOTE_TASK}”, đang giao cho {MANAGER}")
    dialog.get_by_label("Giao cho").select_option(label=COLLEAGUE)
    screenshot(manager, "week-reassign", full_page=False)
    dialog.get_by_role("button", name="Giao lại").click()
    expect(dialog).to_have_count(0)
    expect(manager.locator(".toast")).to_contain_text([f"Đã giao cho {COLLEAGUE}"])
    # A manager sees his own tasks and his subordinates' only: handed over, it leaves his card.
    expect(manager.locator(f".checklist li[data-task='{task_id}']")).to_have_count(0)

    visit(colleague, f"{live.url}/#/my-day")
    hers = colleague.locator(f".agenda.open li[data-task='{task_id}']")
    expect(hers).to_contain_text(QUOTE_TASK)
    expect(hers.locator(".badge", has_text="Hạn hôm nay")).to_be_visible()
    expect(colleague.locator(".day-head")).to_contain_text("1 mục")
    expect(hers.get_by_role("link", name=DEAL)).to_be_visible()
    screenshot(colleague, "week-colleague-my-day")


def test_wednesday_the_manager_plans_a_call_and_marks_it_done_from_my_day_with_its_outcome(
    manager: Page, live: LiveSuite, buyer: dict[str, Any]
) -> None:
    subject, outcome = "Thống nhất lịch khảo sát", "Khách đồng ý khảo sát sáng thứ Năm"
    visit(manager, f"{live.url}/#/counterparties/{buyer['id']}")
    manager.locator(".cp-head").get_by_role("button", name="Ghi tương tác").click()
    dialog = manager.locator("dialog")
    dialog.get_by_label("Loại").select_option(label="Cuộc gọi")
    dialog.get_by_label("Đã làm hay lên lịch").select_option(label="Lên lịch")
    dialog.get_by_label("Chủ đề").fill(subject)
    dialog.get_by_label("Ngày giờ").fill(later_today().strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_label("Người liên hệ").select_option(label="Võ Thị Mai")
    dialog.get_by_label("Thương vụ").select_option(label=DEAL)
    screenshot(manager, "week-plan-call", full_page=False)
    dialog.get_by_role("button", name="Ghi lại").click()
    expect(dialog).to_have_count(0)
    planned = manager.locator(".cp-planned li", has_text=subject)
    expect(planned.locator(".badge")).to_have_text("đã lên lịch")

    visit(manager, f"{live.url}/#/my-day")
    call = manager.locator(".agenda.open li.contact", has_text=subject)
    expect(call.get_by_role("link", name=BUYER)).to_be_visible()
    call.get_by_role("button", name="Đánh dấu xong").click()
    dialog.get_by_label("Kết quả").fill(outcome)
    dialog.get_by_role("button", name="Đánh dấu xong").click()
    expect(dialog).to_have_count(0)
    expect(call).to_have_count(0)
    manager.locator("details.completed summary").first.click()
    held = manager.locator(".agenda.done li.contact", has_text=subject)
    expect(held).to_contain_text(outcome)
    expect(held.locator(".badge", has_text="Đã xong")).to_be_visible()
    screenshot(manager, "week-call-held")


def test_wednesday_the_manager_archives_a_contact_person_and_restores_her(
    manager: Page, live: LiveSuite, buyer: dict[str, Any]
) -> None:
    visit(manager, f"{live.url}/#/counterparties/{buyer['id']}?tab=contacts")
    expect(manager.locator("tr[data-contact]")).to_have_count(2)
    row = manager.locator(f"tr[data-contact='{buyer['mai']['id']}']")
    row.get_by_role("button", name="Lưu trữ").click()
    confirm = manager.locator("dialog")
    expect(confirm).to_contain_text("Võ Thị Mai")
    confirm.get_by_role("button", name="Lưu trữ").click()
    expect(row).to_have_count(0)
    expect(manager.locator("tr[data-contact]")).to_have_count(1)
    manager.get_by_label("Hiện mục đã lưu trữ").check()
    expect(row.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
    screenshot(manager, "week-contact-archived")
    row.get_by_role("button", name="Khôi phục").click()
    expect(row.locator(".badge", has_text="Đã lưu trữ")).to_have_count(0)
    manager.get_by_label("Hiện mục đã lưu trữ").uncheck()
    expect(manager.locator("tr[data-contact]")).to_have_count(2)


def test_thursday_the_director_reads_the_deals_history_with_the_managers_name(
    director: Page, live: LiveSuite, story: dict[str, Any]
) -> None:
    live.suite.deliver_events()  # what the relay and the broker do: the timeline is fed by events
    visit(director, f"{live.url}/#{story['deal']}")
    timeline = director.locator("ul.timeline").first
    expect(timeline).to_contain_text(f"Mở thương vụ: {DEAL}")
    expect(timeline).to_contain_text(f"{DEAL} → Báo giá (theo quy trình)")
    expect(timeline).to_contain_text(f"Đã xong việc: {SURVEY_TASK}")
    expect(timeline).to_contain_text("Thống nhất lịch khảo sát")
    expect(director.locator(".checklist li", has_text=QUOTE_TASK)).to_contain_text(COLLEAGUE)
    screenshot(director, "week-deal-timeline")
    director.get_by_role("tab", name="Lịch sử thay đổi").click()
    expect(director.locator(".audit")).to_contain_text("2 mục")
    created = director.locator(".audit-list li[data-action=created]")
    expect(created.locator(".audit-actor")).to_have_text(MANAGER)
    expect(created.locator(".badge")).to_have_text("đã tạo")
    moved = director.locator(".audit-list li[data-action=moved_by_process]")
    expect(moved.locator(".badge")).to_have_text("tự chuyển theo quy trình")
    expect(moved.locator(".audit-actor")).to_have_text(MANAGER)
    stage = moved.locator("dd[data-field=stage_id]")
    expect(stage.locator(".old")).to_have_text("Khảo sát")
    expect(stage.locator(".new")).to_have_text("Báo giá")
    screenshot(director, "week-deal-history")


def test_friday_an_admin_resets_a_new_colleagues_password_and_deactivates_her_open_tab(
    admin: Page, browser: Browser, live: LiveSuite
) -> None:
    name = f"hoa.{uuid.uuid4().hex[:6]}"
    visit(admin, f"{live.url}/#/admin")
    admin.get_by_role("button", name="Người dùng mới").click()
    form = admin.locator("dialog")
    form.get_by_label("Tên đăng nhập").fill(name)
    form.get_by_label("Mật khẩu").fill("Mật-khẩu-đầu")
    form.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
    form.get_by_label("Nhân viên kinh doanh").check()
    form.get_by_role("button", name="Tạo mới").click()
    row = admin.locator(f"tr[data-user='{name}']")
    expect(row).to_contain_text("Nguyễn Thị Hoa")
    expect(row).to_contain_text("Đang hoạt động")

    row.get_by_role("button", name="Đặt lại mật khẩu").click()
    form.get_by_label("Mật khẩu mới").fill("Tạm-thời-2026")
    expect(form.get_by_label("Phải đổi mật khẩu khi đăng nhập")).to_be_checked()
    form.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(admin.locator(".toast")).to_contain_text(["Đã đặt lại mật khẩu của Nguyễn Thị Hoa."])
    expect(row).to_contain_text("Phải đổi mật khẩu")
    screenshot(admin, "week-admin-reset")

    hers = new_tab(browser, live)
    try:
        hers.evaluate("localStorage.setItem('crm.language', 'vi')")
        hers.reload()
        hers.get_by_label("Tên đăng nhập").fill(name)
        hers.get_by_label("Mật khẩu").fill("Tạm-thời-2026")
        hers.get_by_role("button", name="Đăng nhập").click()
        expect(hers.get_by_role("heading", name="Chọn mật khẩu của riêng bạn")).to_be_visible()
        expect(
            hers.get_by_text("Nguyễn Thị Hoa, quản trị viên đã đặt mật khẩu tạm thời")
        ).to_be_visible()
        expect(hers.locator("header.topbar")).to_have_count(0)
        screenshot(hers, "week-forced-password-change")
        hers.get_by_label("Mật khẩu hiện tại").fill("Tạm-thời-2026")
        hers.get_by_label(re.compile("Mật khẩu mới")).fill("Của-riêng-Hoa")
        hers.get_by_label("Nhập lại mật khẩu mới").fill("Của-riêng-Hoa")
        hers.get_by_role("button", name="Đổi mật khẩu").click()
        expect(hers.locator("header.topbar")).to_be_visible()
        expect(hers.locator("nav.main")).not_to_contain_text("Quản trị")

        visit(admin, f"{live.url}/#/admin")
        expect(row).not_to_contain_text("Phải đổi mật khẩu")
        row.get_by_role("button", name="Khóa tài khoản").click()
        expect(row).to_contain_text("Đã khóa")
        expect(admin.locator(".toast")).to_contain_text(
            ["Đã khóa Nguyễn Thị Hoa: các phiên đăng nhập đã đóng."]
        )
        screenshot(admin, "week-admin-deactivated")
        hers.locator("nav.main").get_by_role("link", name="Ngày của tôi").click()
        expect(hers.get_by_role("button", name="Đăng nhập")).to_be_visible()
        screenshot(hers, "week-deactivated-tab-signed-out")
    finally:
        hers.context.close()
