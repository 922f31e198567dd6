"""Records with a lifecycle and a history, in the browser: planned calls and meetings marked done
with their outcome or rescheduled from My day, contact persons and counterparties archived and
restored, the History tab of a counterparty card read by the director, and an edit made on a
card someone changed meanwhile refused in the reader's language."""

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
DIRECTOR = "Nguyễn Thu Hà"


@pytest.fixture(scope="module")
def people(live: LiveSuite) -> dict[str, dict[str, str]]:
    """A manager who owns the counterparties below, and the director who reads their history."""
    return make_people(live, [("manager", MANAGER, "manager"), ("director", DIRECTOR, "director")])


def counterparty(live: LiveSuite, people: dict[str, dict[str, str]], name: str) -> dict[str, Any]:
    body = {"name": name, "legal_kind": "legal_entity", "roles": ["customer"], "region": "Hà Nội"}
    return live.api("POST", "/counterparties", body | {"owner_id": people["manager"]["id"]})


@pytest.fixture(scope="module")
def manager(browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]) -> Iterator[Page]:
    """The manager's tab, in English until a test switches it to Vietnamese."""
    yield from tab_of(browser, live, people["manager"])


@pytest.fixture(scope="module")
def director(
    browser: Browser, live: LiveSuite, people: dict[str, dict[str, str]]
) -> Iterator[Page]:
    yield from tab_of(browser, live, people["director"])


def moments_ago_today() -> dt.datetime:
    """A moment already past today (so that the contact is late), half an hour ago at most."""
    now = dt.datetime.now().astimezone()
    midnight = now.replace(hour=0, minute=0, second=1, microsecond=0)
    return max(now - dt.timedelta(minutes=30), midnight)


def later_today() -> dt.datetime:
    """A moment still ahead today (so that the contact is not late), at the latest 23:50."""
    now = dt.datetime.now().astimezone()
    return min(now + dt.timedelta(hours=2), now.replace(hour=23, minute=50, second=0))


def plan(
    live: LiveSuite, party: dict[str, Any], owner: str, kind: str, subject: str, at: dt.datetime
) -> dict[str, Any]:
    body = {"counterparty_id": party["id"], "kind": kind, "subject": subject}
    return live.api(
        "POST", "/interactions", body | {"planned_at": at.isoformat(), "owner_id": owner}
    )


def test_a_manager_marks_a_planned_call_done_from_my_day_with_its_outcome_and_it_is_no_longer_not_logged(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    party = counterparty(live, people, "Công ty CP Thép Việt Hàn")
    call = plan(
        live, party, people["manager"]["id"], "call", "Chốt đơn thép tấm", moments_ago_today()
    )
    outcome = "Khách đồng ý 120 tấn, giao trước 20/12"

    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/my-day")
        item = manager.locator(f".agenda.open li[data-interaction='{call['id']}']")
        expect(item.locator(".badge", has_text="chưa ghi nhận")).to_be_visible()
        screenshot(manager, "lifecycle-myday-not-logged-vi")
        item.get_by_role("button", name="Đánh dấu xong").click()
        dialog = manager.locator("dialog")
        dialog.get_by_label("Kết quả").fill(outcome)
        screenshot(manager, "lifecycle-mark-done-vi", full_page=False)
        dialog.get_by_role("button", name="Đánh dấu xong").click()

        expect(dialog).to_have_count(0)
        expect(manager.locator(f".agenda.open li[data-interaction='{call['id']}']")).to_have_count(
            0
        )
        manager.locator("details.completed summary").first.click()
        done = manager.locator(f".agenda.done li[data-interaction='{call['id']}']")
        expect(done).to_contain_text(outcome)
        expect(done.locator(".badge", has_text="Đã xong")).to_be_visible()
        expect(done).not_to_contain_text("chưa ghi nhận")
        screenshot(manager, "lifecycle-myday-done-vi")

    held = live.api("GET", f"/interactions/{call['id']}")
    assert held["done_at"] and held["outcome"] == outcome and held["overdue"] is False


def test_a_manager_reschedules_a_planned_meeting(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    party = counterparty(live, people, "Công ty TNHH Nhựa Tân Phú")
    meeting = plan(
        live, party, people["manager"]["id"], "meeting", "Gặp bàn hợp đồng", later_today()
    )
    tomorrow = dt.date.today() + dt.timedelta(days=1)

    visit(manager, f"{live.url}/#/my-day")
    item = manager.locator(f".agenda li[data-interaction='{meeting['id']}']")
    item.get_by_role("button", name="Reschedule").click()
    dialog = manager.locator("dialog")
    dialog.get_by_label("New date and time").fill(f"{tomorrow.isoformat()}T10:30")
    dialog.get_by_role("button", name="Reschedule").click()

    expect(dialog).to_have_count(0)
    expect(item).to_have_count(0)  # not today any more
    moved = dt.datetime.fromisoformat(
        live.api("GET", f"/interactions/{meeting['id']}")["planned_at"]
    )
    assert moved == dt.datetime.combine(tomorrow, dt.time(10, 30)).astimezone()

    with in_vietnamese(manager):  # the card lists it among the planned ones, at its new time
        visit(manager, f"{live.url}/#/counterparties/{party['id']}?tab=timeline")
        planned = manager.locator(f".cp-planned li[data-interaction='{meeting['id']}']")
        shown = planned.locator("time").get_attribute("datetime") or ""
        assert dt.datetime.fromisoformat(shown.replace("Z", "+00:00")) == moved
        planned.get_by_role("button", name="Dời lịch").click()
        screenshot(manager, "lifecycle-reschedule-vi", full_page=False)
        manager.locator("dialog").get_by_role("button", name="Hủy").click()
        screenshot(manager, "lifecycle-card-planned-vi")


def test_a_manager_archives_a_contact_person_and_restores_her(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    party = counterparty(live, people, "Công ty CP Dược Hậu Giang Xanh")
    lan = live.api(
        "POST",
        f"/counterparties/{party['id']}/contacts",
        {"full_name": "Phạm Thị Lan", "position": "Trưởng phòng Mua hàng"},
    )
    live.api("POST", f"/counterparties/{party['id']}/contacts", {"full_name": "Lê Văn Nam"})

    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/counterparties/{party['id']}?tab=contacts")
        row = manager.locator(f"tr[data-contact='{lan['id']}']")
        row.get_by_role("button", name="Lưu trữ").click()
        confirm = manager.locator("dialog")
        expect(confirm).to_contain_text("Phạm Thị Lan")
        screenshot(manager, "lifecycle-archive-contact-vi", full_page=False)
        confirm.get_by_role("button", name="Lưu trữ").click()

        expect(row).to_have_count(0)
        expect(manager.locator("tr[data-contact]")).to_have_count(1)
        manager.get_by_label("Hiện mục đã lưu trữ").check()
        expect(row.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
        screenshot(manager, "lifecycle-archived-contacts-vi")
        row.get_by_role("button", name="Khôi phục").click()

        expect(row.locator(".badge", has_text="Đã lưu trữ")).to_have_count(0)
        expect(row.get_by_role("button", name="Lưu trữ")).to_be_visible()
    assert live.api("GET", f"/contacts/{lan['id']}")["archived_at"] is None


def test_a_counterparty_archived_leaves_the_list_and_comes_back_restored(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    name = "Công ty TNHH Gạch men Ý Mỹ"
    party = counterparty(live, people, name)
    listed = manager.locator("table.cp-table tr", has_text=name)

    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/counterparties/{party['id']}")
        manager.locator(".cp-head").get_by_role("button", name="Lưu trữ").click()
        manager.locator("dialog").get_by_role("button", name="Lưu trữ").click()
        banner = manager.locator(".lc-banner")
        expect(banner).to_contain_text(f"{name} đã được lưu trữ")
        expect(manager.locator(".cp-head").get_by_role("button", name="Sửa")).to_have_count(0)
        screenshot(manager, "lifecycle-archived-card-vi")

        visit(manager, f"{live.url}/#/counterparties?q=Gạch men")
        expect(manager.locator(".cp-list")).to_be_visible()
        expect(listed).to_have_count(0)
        manager.get_by_label("Hiện mục đã lưu trữ").check()
        expect(listed.locator(".badge", has_text="Đã lưu trữ")).to_be_visible()
        assert "archived=true" in manager.url
        screenshot(manager, "lifecycle-archived-list-vi")

        listed.get_by_role("link", name=name).click()
        banner.get_by_role("button", name="Khôi phục").click()
        expect(banner).to_have_count(0)
        expect(manager.locator(".cp-head").get_by_role("button", name="Sửa")).to_be_visible()

        visit(manager, f"{live.url}/#/counterparties?q=Gạch men")
        expect(listed).to_have_count(1)
        expect(listed.locator(".badge", has_text="Đã lưu trữ")).to_have_count(0)


def test_the_director_reads_the_counterpartys_history_tab_and_sees_the_region_changed_from_old_to_new_by_that_manager(
    director: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    party = counterparty(live, people, "Công ty CP Cơ khí Đông Anh")
    act_as(
        live, people["manager"], "PATCH", f"/counterparties/{party['id']}", {"region": "Hải Phòng"}
    )

    with in_vietnamese(director):
        visit(director, f"{live.url}/#/counterparties/{party['id']}")
        director.get_by_role("tab", name="Lịch sử thay đổi").click()
        change = director.locator(".audit-list li[data-action=updated]")
        expect(change.locator(".audit-actor")).to_have_text(MANAGER)
        expect(change.locator(".badge")).to_have_text("đã sửa")
        region = change.locator("dd[data-field=region]")
        expect(region.locator(".old")).to_have_text("Hà Nội")
        expect(region.locator(".new")).to_have_text("Hải Phòng")
        expect(change.locator("dt")).to_have_text(["Khu vực"])
        expect(director.locator(".audit-list li[data-action=created]")).to_contain_text(
            "Administrator"
        )
        screenshot(director, "lifecycle-history-vi")


def test_an_edit_made_on_a_stale_card_is_refused_with_the_changed_meanwhile_message(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    party = counterparty(live, people, "Công ty TNHH Điện máy Sao Mai")
    with in_vietnamese(manager):
        visit(manager, f"{live.url}/#/counterparties/{party['id']}")
        expect(manager.locator(".cp-head h1")).to_have_text(party["name"])
        # Meanwhile someone else gives it a phone number.
        live.api("PATCH", f"/counterparties/{party['id']}", {"phone": "+84 24 3971 5566"})

        manager.locator(".cp-head").get_by_role("button", name="Sửa").click()
        dialog = manager.locator("dialog")
        dialog.get_by_label("Khu vực").fill("Đà Nẵng")
        dialog.get_by_role("button", name="Lưu").click()

        stale = dialog.locator("[data-stale]")
        expect(stale).to_contain_text("Có người vừa thay đổi hồ sơ này")
        screenshot(manager, "lifecycle-stale-vi", full_page=False)
        stale.get_by_role("button", name="Tải lại").click()

        expect(dialog).to_have_count(0)
        expect(manager.locator("dl.facts").first).to_contain_text("+84 24 3971 5566")
        assert live.api("GET", f"/counterparties/{party['id']}")["region"] == "Hà Nội"
        # On the fresh card, the same change goes through.
        manager.locator(".cp-head").get_by_role("button", name="Sửa").click()
        dialog.get_by_label("Khu vực").fill("Đà Nẵng")
        dialog.get_by_role("button", name="Lưu").click()
        expect(dialog).to_have_count(0)
        expect(manager.locator(".cp-head")).to_contain_text("Đà Nẵng")


def test_a_planned_call_archived_from_the_counterparty_card_leaves_it_and_my_day(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    party = counterparty(live, people, "Công ty CP Vận tải Bến Thành")
    call = plan(live, party, people["manager"]["id"], "call", "Hỏi lịch xe tháng 12", later_today())

    visit(manager, f"{live.url}/#/counterparties/{party['id']}?tab=timeline")
    planned = manager.locator(f".cp-planned li[data-interaction='{call['id']}']")
    planned.get_by_role("button", name="Archive").click()
    confirm = manager.locator("dialog")
    expect(confirm).to_contain_text("Hỏi lịch xe tháng 12")
    confirm.get_by_role("button", name="Archive").click()

    expect(planned).to_have_count(0)
    assert live.api("GET", f"/interactions/{call['id']}")["archived_at"]
    visit(manager, f"{live.url}/#/my-day")
    expect(manager.locator(".myday")).to_be_visible()
    expect(manager.locator(f"li[data-interaction='{call['id']}']")).to_have_count(0)


def test_a_contact_person_changed_meanwhile_is_not_overwritten_and_the_tab_reloads(
    manager: Page, live: LiveSuite, people: dict[str, dict[str, str]]
) -> None:
    party = counterparty(live, people, "Công ty TNHH Bao bì Phước Thành")
    path = f"/counterparties/{party['id']}/contacts"
    mai = live.api("POST", path, {"full_name": "Võ Thị Mai", "phone": "+84 28 3811 2233"})

    visit(manager, f"{live.url}/#/counterparties/{party['id']}?tab=contacts")
    row = manager.locator(f"tr[data-contact='{mai['id']}']")
    expect(row).to_contain_text("+84 28 3811 2233")
    live.api("PATCH", f"/contacts/{mai['id']}", {"position": "Kế toán trưởng"})  # meanwhile

    row.get_by_role("button", name="Edit").click()
    dialog = manager.locator("dialog")
    dialog.get_by_label("Phone").fill("+84 28 3811 9999")
    dialog.get_by_role("button", name="Save").click()
    stale = dialog.locator("[data-stale]")
    expect(stale).to_contain_text("Someone changed this record meanwhile")
    stale.get_by_role("button", name="Reload").click()

    expect(dialog).to_have_count(0)
    expect(row).to_contain_text("Kế toán trưởng")
    expect(row).to_contain_text("+84 28 3811 2233")
