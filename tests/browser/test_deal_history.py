"""A deal's history and its tasks, in the browser: the director reads the deal's History tab (the
amount changed from old to new, the stage moved by a manager), and a manager reassigns a task to
a colleague, comments on one, and archives one and restores it from the deal card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    LiveSuite,
    act_as,
    in_vietnamese,
    make_people,
    screenshot,
    tab_of,
    visit,
)

MANAGER = "Trần Minh Quân"
COLLEAGUE = "Lê Thị Hồng"
DIRECTOR = "Nguyễn Thu Hà"


@pytest.fixture(scope="module")
def people(live: LiveSuite) -> dict[str, dict[str, str]]:
    """Two managers, colleagues, and the director who reads the deals' history."""
    roster = [
        ("manager", MANAGER, "manager"),
        ("colleague", COLLEAGUE, "manager"),
        ("director", DIRECTOR, "director"),
    ]
    return make_people(live, roster)


@pytest.fixture(scope="module")
def pipeline(live: LiveSuite) -> dict[str, Any]:
    stages = [{"name": "Báo giá", "probability": 30}, {"name": "Đàm phán", "probability": 60}]
    return live.api("POST", "/pipelines", {"name": "Bán buôn", "mode": "simple", "stages": stages})


def a_deal(
    live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any], title: str
) -> dict[str, Any]:
    buyer = live.api(
        "POST",
        "/counterparties",
        {"name": f"Công ty {title}", "legal_kind": "legal_entity", "force": True},
    )
    body = {"title": title, "pipeline_id": pipeline["id"], "counterparty_id": buyer["id"]}
    extra = {"amount": "850000000", "currency": "VND", "owner_id": people["manager"]["id"]}
    return live.api("POST", "/deals", body | extra)


def a_task(live: LiveSuite, deal: dict[str, Any], title: str, assignee: str) -> dict[str, Any]:
    body = {"title": title, "assignee_id": assignee, "due_date": dt.date.today().isoformat()}
    return live.api("POST", "/tasks", body | {"deal_id": deal["id"]})


@pytest.fixture()
def manager(browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]) -> Iterator[Page]:
    yield from tab_of(browser, live, people["manager"])


@pytest.fixture()
def colleague(
    browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]
) -> Iterator[Page]:
    yield from tab_of(browser, live, people["colleague"])


@pytest.fixture()
def director(
    browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]
) -> Iterator[Page]:
    yield from tab_of(browser, live, people["director"])


def visit_deal(page: Page, live: LiveSuite, deal: dict[str, Any]) -> None:
    """Opens the deal's card afresh in Vietnamese, waiting for the card itself (not the screen
    that was there before it)."""
    visit(page, f"{live.url}/#/deals/{deal['id']}")
    expect(page.locator("header.page-header h1")).to_have_text(deal["title"])
    expect(page.get_by_role("tab", name="Thẻ thương vụ")).to_be_visible()


def test_the_director_reads_the_deals_history_tab_and_sees_the_amount_changed_and_the_stage_moved_by_a_manager(
    director: Page, live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any]
) -> None:
    deal = a_deal(live, people, pipeline, "Thép hình cho cảng Cái Mép")
    manager = people["manager"]
    act_as(live, manager, "PATCH", f"/deals/{deal['id']}", {"amount": "920000000"})
    negotiating = next(s for s in pipeline["stages"] if s["name"] == "Đàm phán")
    act_as(live, manager, "POST", f"/deals/{deal['id']}/stage", {"stage_id": negotiating["id"]})

    with in_vietnamese(director):
        visit_deal(director, live, deal)
        director.get_by_role("tab", name="Lịch sử thay đổi").click()
        changed = director.locator(".audit-list li[data-action=updated]")
        expect(changed.locator(".audit-actor")).to_have_text(MANAGER)
        expect(changed.locator(".badge")).to_have_text("đã sửa")
        amount = changed.locator("dd[data-field=amount]")
        expect(amount.locator(".old")).to_contain_text("850.000.000")
        expect(amount.locator(".new")).to_contain_text("920.000.000")
        expect(changed.locator("dt")).to_have_text(["Giá trị"])

        moved = director.locator(".audit-list li[data-action=moved]")
        expect(moved.locator(".audit-actor")).to_have_text(MANAGER)
        expect(moved.locator(".badge")).to_have_text("đã chuyển giai đoạn")
        stage = moved.locator("dd[data-field=stage_id]")
        expect(stage.locator(".old")).to_have_text("Báo giá")
        expect(stage.locator(".new")).to_have_text("Đàm phán")
        expect(director.locator(".audit-list li[data-action=created]")).to_contain_text(
            "Administrator"
        )
        screenshot(director, "deal-history-vi")


def test_a_manager_reassigns_a_task_to_a_colleague_and_it_leaves_his_list_and_shows_in_hers(
    manager: Page,
    colleague: Page,
    live: LiveSuite,
    people: dict[str, dict[str, str]],
    pipeline: dict[str, Any],
) -> None:
    deal = a_deal(live, people, pipeline, "Tôn mạ kẽm cho kho Long An")
    task = a_task(live, deal, "Gửi bảng giá tôn mạ kẽm", people["manager"]["id"])

    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/my-day")
        item = manager.locator(f"li[data-task='{task['id']}']")
        item.get_by_role("button", name="Giao lại").click()
        dialog = manager.locator("dialog")
        dialog.get_by_label("Giao cho").select_option(label=COLLEAGUE)
        screenshot(manager, "deal-task-reassign-vi", full_page=False)
        dialog.get_by_role("button", name="Giao lại").click()
        expect(dialog).to_have_count(0)
        expect(item).to_have_count(0)

    assert live.api("GET", f"/tasks/{task['id']}")["assignee_id"] == people["colleague"]["id"]
    with in_vietnamese(colleague):
        visit(colleague, f"{live.url}/#/my-day")
        hers = colleague.locator(f"li[data-task='{task['id']}']")
        expect(hers).to_contain_text("Gửi bảng giá tôn mạ kẽm")
        screenshot(colleague, "deal-task-reassigned-myday-vi")


def test_a_manager_comments_on_a_task_and_the_comment_shows_under_it(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any]
) -> None:
    deal = a_deal(live, people, pipeline, "Ống thép cho dự án Thủ Thiêm")
    task = a_task(live, deal, "Gọi xác nhận số lượng ống", people["manager"]["id"])
    text = "Khách cần thêm 40 ống phi 114, báo lại giá trước thứ Sáu"

    with in_vietnamese(manager):
        visit_deal(manager, live, deal)
        item = manager.locator(f".checklist li[data-task='{task['id']}']")
        item.get_by_role("button", name="Bình luận").click()
        thread = item.locator(".task-thread")
        expect(thread).to_contain_text("Chưa có bình luận")
        thread.get_by_label("Bình luận").fill(text)
        thread.get_by_role("button", name="Gửi").click()
        comment = thread.locator(".comments li")
        expect(comment).to_have_count(1)
        expect(comment).to_contain_text(text)
        expect(comment.locator("strong")).to_have_text(MANAGER)
        screenshot(manager, "deal-task-comment-vi")

    comments = live.api("GET", f"/tasks/{task['id']}/comments")["items"]
    assert [c["text"] for c in comments] == [text]


def test_an_archived_task_leaves_the_deal_card_and_comes_back_restored(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any]
) -> None:
    deal = a_deal(live, people, pipeline, "Thép tấm cho xưởng đóng tàu Hạ Long")
    task = a_task(live, deal, "Chuẩn bị hợp đồng nguyên tắc", people["manager"]["id"])
    a_task(live, deal, "Hẹn lịch khảo sát xưởng", people["manager"]["id"])

    with in_vietnamese(manager):
        visit_deal(manager, live, deal)
        item = manager.locator(f".checklist li[data-task='{task['id']}']")
        expect(manager.locator(".checklist li[data-task]")).to_have_count(2)
        screenshot(manager, "deal-tasks-vi")
        item.get_by_role("button", name="Lưu trữ").click()
        confirm = manager.locator("dialog")
        expect(confirm).to_contain_text("Chuẩn bị hợp đồng nguyên tắc")
        screenshot(manager, "deal-task-archive-vi", full_page=False)
        confirm.get_by_role("button", name="Lưu trữ").click()

        expect(item).to_have_count(0)
        expect(manager.locator(".checklist li[data-task]")).to_have_count(1)
        manager.locator(".deal-tasks").get_by_label("Hiện mục đã lưu trữ").check()
        expect(item.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
        expect(manager.locator(".checklist li[data-task]")).to_have_count(2)
        screenshot(manager, "deal-tasks-archived-vi")
        item.get_by_role("button", name="Khôi phục").click()

        expect(item.locator(".badge", has_text="Đã lưu trữ")).to_have_count(0)
        expect(item.get_by_role("button", name="Lưu trữ")).to_be_visible()
    assert live.api("GET", f"/tasks/{task['id']}")["archived_at"] is None


def test_an_edit_made_on_a_deal_someone_changed_meanwhile_is_refused_with_the_changed_meanwhile_message(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any]
) -> None:
    deal = a_deal(live, people, pipeline, "Lưới thép cho khu công nghiệp VSIP")
    header = manager.locator("header.page-header")
    with in_vietnamese(manager):
        visit_deal(manager, live, deal)
        expect(header.locator("h1")).to_have_text(deal["title"])
        # Meanwhile someone else changes the expected close date.
        live.api("PATCH", f"/deals/{deal['id']}", {"expected_close_date": "2027-03-31"})

        header.get_by_role("button", name="Sửa").click()
        dialog = manager.locator("dialog")
        dialog.get_by_label("Giá trị").fill("990000000")
        dialog.get_by_role("button", name="Lưu").click()
        stale = dialog.locator("[data-stale]")
        expect(stale).to_contain_text("Có người vừa thay đổi hồ sơ này")
        screenshot(manager, "deal-stale-vi", full_page=False)
        stale.get_by_role("button", name="Tải lại").click()

        expect(dialog).to_have_count(0)
        expect(manager.locator("dl.facts")).to_contain_text("2027")  # the card read afresh
        assert live.api("GET", f"/deals/{deal['id']}")["amount"].startswith("850000000")
        # On the fresh card, the same change goes through and keeps the other one.
        header.get_by_role("button", name="Sửa").click()
        dialog.get_by_label("Giá trị").fill("990000000")
        dialog.get_by_role("button", name="Lưu").click()
        expect(dialog).to_have_count(0)
        expect(manager.locator("dl.facts")).to_contain_text("990.000.000")
    held = live.api("GET", f"/deals/{deal['id']}")
    assert held["expected_close_date"] == "2027-03-31"


def test_a_manager_edits_a_tasks_title_due_date_and_note_on_the_deal_card(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any]
) -> None:
    deal = a_deal(live, people, pipeline, "Thép cây cho chung cư Thủ Đức")
    task = a_task(live, deal, "Gửi báo giá", people["manager"]["id"])
    due = dt.date.today() + dt.timedelta(days=3)

    with in_vietnamese(manager):
        visit_deal(manager, live, deal)
        item = manager.locator(f".checklist li[data-task='{task['id']}']")
        item.get_by_role("button", name="Sửa").click()
        dialog = manager.locator("dialog")
        dialog.get_by_label("Tiêu đề").fill("Gửi báo giá thép cây D16")
        dialog.get_by_label("Hạn").fill(due.isoformat())
        dialog.get_by_label("Ghi chú").fill("Giá đã gồm vận chuyển")
        screenshot(manager, "deal-task-edit-vi", full_page=False)
        dialog.get_by_role("button", name="Lưu").click()

        expect(dialog).to_have_count(0)
        expect(item).to_contain_text("Gửi báo giá thép cây D16")
        expect(item).to_contain_text("Giá đã gồm vận chuyển")
    held = live.api("GET", f"/tasks/{task['id']}")
    assert (held["title"], held["due_date"]) == ("Gửi báo giá thép cây D16", due.isoformat())


def test_a_deal_opened_twice_is_archived_from_its_card_leaves_the_board_and_is_restored(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any]
) -> None:
    deal = a_deal(live, people, pipeline, "Tôn mạ kẽm cho kho Bình Dương (trùng)")

    with in_vietnamese(manager):
        visit_deal(manager, live, deal)
        manager.locator("header.page-header [data-archive]").click()
        confirm = manager.locator("dialog")
        expect(confirm).to_contain_text("Tôn mạ kẽm cho kho Bình Dương")
        confirm.get_by_role("button", name="Lưu trữ").click()
        banner = manager.locator("[data-archived]")
        expect(banner).to_contain_text("đã được lưu trữ")
        expect(manager.get_by_role("button", name="Sửa")).to_have_count(0)
        screenshot(manager, "deal-archived-vi")
        visit(manager, f"{live.url}/#/board/{pipeline['id']}")
        expect(manager.locator(".board .column").first).to_be_visible()
        expect(manager.locator("a.deal-title", has_text=deal["title"])).to_have_count(0)

        visit_deal(manager, live, deal)
        banner.get_by_role("button", name="Khôi phục").click()
        expect(banner).to_have_count(0)
        visit(manager, f"{live.url}/#/board/{pipeline['id']}")
        expect(manager.locator("a.deal-title", has_text=deal["title"])).to_be_visible()
    assert live.api("GET", f"/deals/{deal['id']}")["archived_at"] is None


def test_the_deal_card_says_why_the_stages_probability_and_the_estimated_chance_differ(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]], pipeline: dict[str, Any]
) -> None:
    deal = a_deal(live, people, pipeline, "Ống thép cho cảng Cát Lái")
    live.suite.deliver_events()
    chance = live.api("GET", f"/deals/{deal['id']}/win-probability")
    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/deals/{deal['id']}")
        why = manager.locator(".chance-card .chance-vs-stage")
        expect(why).to_contain_text("30%")
        expect(why).to_contain_text("xác suất đặt cho giai đoạn")
        expect(why).to_contain_text(f"{round(chance['probability'] * 100)}")
        screenshot(manager, "deal-chance-explained")
