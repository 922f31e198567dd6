"""The reports a sales director reads, in the browser and in Vietnamese: the unfinished deals
(by stage, with each deal waiting in its stage), the plan of closes month by month, and the
contacts proposed from mail (of a mailbox, or of a counterparty), added to their counterparty."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, screenshot
from tests.browser.test_analytics import user
from tests.mail.test_mail_api import mailbox_body
from tests.mail_servers import (  # noqa: F401 - fixtures
    ImapServer,
    SmtpServer,
    imap_server,
    smtp_server,
)

MILLION = 1_000_000
BUYER_DOMAIN = "thep-anphat.vn"


@pytest.fixture(scope="module")
def sales(live: LiveSuite) -> dict[str, Any]:
    """Two managers and three open deals of one pipeline: Lan's steel coil quoted (in Báo giá)
    and expected to close today, Minh's roofing expected in two months, and Minh's pipes not yet
    quoted (in Tiếp cận) with no close date."""
    lan = user(live, "lan", "Nguyễn Thị Lan")
    minh = user(live, "minh", "Trần Văn Minh")
    stages = [{"name": "Tiếp cận", "probability": 10}, {"name": "Báo giá", "probability": 40}]
    pipeline = live.api("POST", "/pipelines", {"name": "Bán sỉ", "stages": stages})
    approach, quote = (stage["id"] for stage in pipeline["stages"])
    buyer = live.api("POST", "/counterparties", {"name": "Công ty CP Xây dựng Hòa Bình"})

    def open_deal(title: str, millions: int, owner: str, close: date | None) -> dict[str, Any]:
        body = {"title": title, "pipeline_id": pipeline["id"], "counterparty_id": buyer["id"]}
        body |= {"amount": str(millions * MILLION), "currency": "VND", "owner_id": owner}
        return live.api(
            "POST", "/deals", body | ({"expected_close_date": str(close)} if close else {})
        )

    coil = open_deal("Thép cuộn cho nhà xưởng", 250, lan, date.today())
    live.api("POST", f"/deals/{coil['id']}/stage", {"stage_id": quote})
    roof = open_deal("Tôn lợp mái kho", 120, minh, date.today() + timedelta(days=60))
    pipes = open_deal("Ống thép cho cầu", 80, minh, None)
    live.suite.deliver_events()
    return {
        "pipeline": pipeline,
        "stages": (approach, quote),
        "coil": coil,
        "roof": roof,
        "pipes": pipes,
    }


def test_the_director_sees_an_unfinished_deal_waiting_in_its_stage_and_opens_it(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    with in_vietnamese(page):
        page.goto(f"{live.url}/#/analytics/unfinished")
        page.reload()
        expect(page.get_by_role("tab", name="Thương vụ dở dang")).to_have_attribute(
            "aria-selected", "true"
        )
        quote = page.locator("table.unfinished tr[data-key='Báo giá']")
        expect(quote.locator("td.deals")).to_have_text("1")
        expect(quote.locator("td.amount")).to_contain_text("250.000.000")
        expect(page.locator("table.unfinished tr[data-key='Tiếp cận'] td.deals")).to_have_text("2")
        quote.get_by_role("button", name="Báo giá").click()
        coil = page.locator(f"table.open-deals tr[data-deal='{sales['coil']['id']}']")
        expect(coil.locator("td.stage")).to_have_text("Báo giá")
        expect(coil.locator("td.waiting")).to_contain_text("chưa tới một ngày")
        expect(coil.locator("td.owner")).to_have_text("Nguyễn Thị Lan")
        expect(coil.locator("td.amount")).to_contain_text("250.000.000")
        expect(page.locator("table.open-deals tbody tr")).to_have_count(1)
        screenshot(page, "analytics-unfinished-deals")
        coil.get_by_role("link", name="Thép cuộn cho nhà xưởng").click()
        expect(page.locator("h1")).to_have_text("Thép cuộn cho nhà xưởng")
        assert page.url.endswith(f"#/deals/{sales['coil']['id']}")


def test_the_unfinished_deals_by_owner_download_as_a_spreadsheet(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    page.goto(f"{live.url}/#/analytics/unfinished?by=owner")
    page.reload()
    minh = page.locator("table.unfinished tr[data-key='Trần Văn Minh']")
    expect(minh.locator("td.deals")).to_have_text("2")
    with page.expect_download() as started:
        page.get_by_role("button", name="Export CSV").click()
    download = started.value
    assert download.suggested_filename == "unfinished-deals-by-owner.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    owners = {row["key"]: row["deals"] for row in rows}
    assert owners[sales["roof"]["owner_id"]] == "2" and owners[sales["coil"]["owner_id"]] == "1"


def test_the_plan_of_closes_shows_the_deal_expected_this_month_with_its_amount(
    page: Page, live: LiveSuite, sales: dict[str, Any]
) -> None:
    this_month = f"{date.today():%Y-%m}"
    with in_vietnamese(page):
        page.goto(f"{live.url}/#/analytics/closes?pipeline_id={sales['pipeline']['id']}")
        page.reload()
        month = page.locator(f"section.rp-month[data-month='{this_month}']")
        coil = month.locator(f"tr[data-deal='{sales['coil']['id']}']")
        expect(coil.locator("td.amount")).to_contain_text("250.000.000")
        expect(coil.locator("td.weighted")).to_contain_text("100.000.000")  # 40 % of it
        expect(page.locator("section.rp-month")).to_have_count(2)  # and the roof's month
        expect(page.locator(f"tr[data-deal='{sales['pipes']['id']}']")).to_have_count(0)  # no date
        screenshot(page, "analytics-plan-of-closes")
        page.locator("select[name=owner_id]").select_option(label="Trần Văn Minh")
        expect(page.locator(f"tr[data-deal='{sales['coil']['id']}']")).to_have_count(0)
        expect(page.locator(f"tr[data-deal='{sales['roof']['id']}']")).to_be_visible()
        assert "owner_id=" in page.url


def mail_from(sender: str, to: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Chào anh, xin gửi báo giá thép cuộn.")
    return message.as_bytes()


@pytest.fixture(scope="module")
def proposed(
    live: LiveSuite,
    imap_server: ImapServer,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
) -> dict[str, Any]:
    """A steel company in contacts, and a mailbox synced with a mail from one of its people
    (not in contacts yet) and one from a stranger: both proposed."""
    company = {"name": "Công ty Thép An Phát", "legal_kind": "legal_entity"}
    buyer = live.api(
        "POST", "/counterparties", company | {"email": f"info@{BUYER_DOMAIN}", "force": True}
    )
    live.suite.deliver_events()
    account = imap_server.new_user("sales")
    body = mailbox_body(imap_server, smtp_server, account) | {"name": "Phòng kinh doanh"}
    box = live.api("POST", "/mailboxes", body)
    for sender in (f"Lê Minh Tuấn <tuan.le@{BUYER_DOMAIN}>", "Người lạ <ai.do@example.org>"):
        imap_server.append(
            account.name, account.password, "INBOX", mail_from(sender, box["address"], "Báo giá")
        )
    live.api("POST", f"/mailboxes/{box['id']}/sync")
    return {"buyer": buyer, "mailbox": box}


@pytest.mark.integration  # a real dovecot
def test_the_people_found_in_a_mailbox_are_proposed_and_a_stranger_can_be_dismissed(
    page: Page, live: LiveSuite, proposed: dict[str, Any]
) -> None:
    with in_vietnamese(page):
        page.goto(f"{live.url}/#/mail/{proposed['mailbox']['id']}")
        page.reload()
        page.get_by_role("button", name="Liên hệ tìm thấy trong thư").click()
        tuan = page.locator(f"table.proposals tr[data-email='tuan.le@{BUYER_DOMAIN}']")
        expect(tuan.locator("td.party")).to_have_text("Công ty Thép An Phát")
        stranger = page.locator("table.proposals tr[data-email='ai.do@example.org']")
        expect(stranger.locator("td.party")).to_have_text("chưa có trong danh bạ")
        screenshot(page, "mail-contact-proposals")
        stranger.get_by_role("button", name="Bỏ qua").click()
        expect(stranger).to_have_count(0)
        expect(tuan).to_be_visible()


@pytest.mark.integration  # a real dovecot
def test_a_contact_proposed_from_a_mail_can_be_added_to_the_counterparty(
    page: Page, live: LiveSuite, proposed: dict[str, Any]
) -> None:
    buyer = proposed["buyer"]
    with in_vietnamese(page):
        page.goto(f"{live.url}/#/counterparties/{buyer['id']}?tab=contacts")
        page.reload()
        page.get_by_role("button", name="Tìm thấy trong thư").wait_for()
        screenshot(page, "counterparty-contacts-found-in-mail")
        page.get_by_role("button", name="Tìm thấy trong thư").click()
        tuan = page.locator(f"table.proposals tr[data-email='tuan.le@{BUYER_DOMAIN}']")
        expect(page.locator("table.proposals tbody tr")).to_have_count(1)
        tuan.get_by_role("button", name="Thêm người liên hệ").click()
        dialog = page.locator("dialog")
        expect(dialog.locator(".picked")).to_contain_text("Công ty Thép An Phát")
        screenshot(page, "mail-contact-proposal-accept", full_page=False)
        dialog.get_by_role("button", name="Thêm người liên hệ").click()
        expect(page.locator(".empty h3")).to_have_text(
            "Không có ai mới của Công ty Thép An Phát trong thư"
        )
    people = live.api("GET", f"/contacts?counterparty_id={buyer['id']}")["items"]
    assert [(p["full_name"], p["email"]) for p in people] == [
        ("Lê Minh Tuấn", f"tuan.le@{BUYER_DOMAIN}")
    ]
