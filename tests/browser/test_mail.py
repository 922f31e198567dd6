"""Mail in the browser against a real dovecot and a real SMTP server: connecting a mailbox, its
messages after a sync, reading one, replying over SMTP, assigning it, and a mass mailing."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import LiveSuite, in_vietnamese, screenshot
from tests.mail.test_mail_api import mailbox_body
from tests.mail_servers import (  # noqa: F401 - fixtures
    ImapServer,
    SmtpServer,
    imap_server,
    smtp_server,
)

pytestmark = pytest.mark.integration  # real dovecot and SMTP servers

BUYER_DOMAIN = "anphat-steel.vn"
ORDER_SUBJECT = "Đơn đặt hàng thép cuộn tháng 12"


def mail(
    sender: str, to: str, subject: str, text: str, age: dt.timedelta, attachment: bytes = b""
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC) - age)
    message.set_content(text)
    if attachment:
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="don-hang-12.pdf"
        )
    return message.as_bytes()


@pytest.fixture(scope="module")
def buyer(live: LiveSuite) -> dict[str, Any]:
    found = live.api(
        "POST",
        "/counterparties",
        {
            "name": "Công ty Thép An Phát",
            "legal_kind": "legal_entity",
            "email": f"info@{BUYER_DOMAIN}",
            "force": True,
        },
    )
    live.suite.deliver_events()
    return found


@pytest.fixture(scope="module")
def mailbox(
    live: LiveSuite,
    imap_server: ImapServer,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
    buyer: dict[str, Any],
) -> dict[str, Any]:
    """A mailbox with three messages waiting on the IMAP server, not yet synced."""
    account = imap_server.new_user("sales")
    body = mailbox_body(imap_server, smtp_server, account, kind="shared")
    box = live.api(
        "POST",
        "/mailboxes",
        body | {"name": "Phòng kinh doanh", "address": "kinhdoanh@hoa-crm.vn"},
    )
    inbox = [
        mail(
            f"Nguyễn Văn An <an.nguyen@{BUYER_DOMAIN}>",
            box["address"],
            ORDER_SUBJECT,
            "Chào anh Bình,\n\nCông ty chúng tôi muốn đặt 120 tấn thép cuộn, giao tại Bình Dương.\n"
            "Xin gửi báo giá trước thứ Sáu.\n\nTrân trọng,\nNguyễn Văn An",
            dt.timedelta(minutes=40),
            attachment=b"%PDF-1.4 order",
        ),
        mail(
            f"Kế toán An Phát <ke.toan@{BUYER_DOMAIN}>",
            box["address"],
            "Xác nhận công nợ quý 4",
            "Nhờ anh chị xác nhận công nợ quý 4 giúp chúng tôi.",
            dt.timedelta(days=1, hours=3),
        ),
        mail(
            "Hội chợ Xây dựng <info@vietbuild.example>",
            box["address"],
            "Mời tham dự triển lãm VietBuild",
            "Trân trọng kính mời quý công ty tham dự.",
            dt.timedelta(days=4),
        ),
    ]
    for raw in inbox:
        imap_server.append(account.name, account.password, "INBOX", raw)
    return box


@pytest.fixture(scope="module")
def colleague(live: LiveSuite) -> dict[str, Any]:
    return live.api(
        "POST",
        "/users",
        {
            "username": "hoa.nguyen",
            "password": "password-hoa",
            "full_name": "Nguyễn Thị Hoa",
            "roles": ["manager"],
        },
    )


def message_row(page: Page, subject: str) -> Any:
    return page.locator(".message-list a.msg", has_text=subject)


def test_without_a_mailbox_the_screen_explains_how_to_connect_one(
    page: Page, live: LiveSuite
) -> None:
    page.goto(f"{live.url}/#/mail")

    expect(page.get_by_role("heading", name="No mailbox connected yet")).to_be_visible()
    expect(page.get_by_role("button", name="Connect mailbox")).to_be_visible()
    screenshot(page, "mail-empty")


def test_a_mailbox_connected_in_the_dialog_shows_the_apis_messages_then_opens_empty(
    page: Page,
    live: LiveSuite,
    imap_server: ImapServer,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    account = imap_server.new_user("support")
    page.goto(f"{live.url}/#/mail")
    page.get_by_role("button", name="Connect mailbox").click()
    dialog = page.locator("dialog")
    dialog.get_by_label(re.compile(r"^\s*Name")).fill("Hỗ trợ khách hàng")
    dialog.get_by_label("E-mail address").fill("not an address")

    dialog.get_by_role("button", name="Connect mailbox").click()

    expect(dialog.locator(".error[data-field=address]")).to_be_visible()
    expect(dialog.locator(".error[data-field='imap.host']")).to_be_visible()
    dialog.get_by_label("E-mail address").fill("hotro@hoa-crm.vn")
    imap, smtp = dialog.locator("fieldset").nth(0), dialog.locator("fieldset").nth(1)
    imap.get_by_label("Server").fill(imap_server.host)
    imap.get_by_label("Port").fill(str(imap_server.port))
    imap.get_by_label("Security").select_option("none")
    imap.get_by_label("Username").fill(account.name)
    imap.get_by_label("Password").fill(account.password)
    smtp.get_by_label("Server").fill(smtp_server.host)
    smtp.get_by_label("Port").fill(str(smtp_server.port))
    smtp.get_by_label("Security").select_option("none")
    dialog.get_by_role("button", name="Connect mailbox").click()

    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="Hỗ trợ khách hàng")).to_be_visible()
    expect(page.get_by_role("heading", name="No messages in this mailbox yet")).to_be_visible()
    screenshot(page, "mail-empty-box")
    stored = [m for m in live.api("GET", "/mailboxes")["items"] if m["name"] == "Hỗ trợ khách hàng"]
    assert stored and "password" not in stored[0]["imap"]


def test_a_mailbox_lists_its_messages_after_sync_with_their_counterparty(
    page: Page, live: LiveSuite, mailbox: dict[str, Any], buyer: dict[str, Any]
) -> None:
    page.goto(f"{live.url}/#/mail/{mailbox['id']}")
    expect(page.get_by_role("heading", name=mailbox["name"])).to_be_visible()
    expect(page.get_by_role("heading", name="No messages in this mailbox yet")).to_be_visible()

    page.get_by_role("button", name="Sync now").first.click()

    expect(page.locator(".message-list a.msg")).to_have_count(3)
    expect(message_row(page, ORDER_SUBJECT)).to_contain_text("Nguyễn Văn An")
    expect(message_row(page, ORDER_SUBJECT).locator(".party")).to_have_text(buyer["name"])
    expect(message_row(page, "Mời tham dự triển lãm VietBuild").locator(".party")).to_have_count(0)
    screenshot(page, "mail-inbox")

    with in_vietnamese(page):
        page.reload()
        expect(page.get_by_role("button", name="Đồng bộ ngay")).to_be_visible()
        expect(page.get_by_role("heading", name="Hộp thư")).to_be_visible()
        screenshot(page, "mail-inbox-vi")


def test_an_opened_message_shows_its_text_and_a_reply_goes_out_over_smtp(
    page: Page,
    live: LiveSuite,
    mailbox: dict[str, Any],
    buyer: dict[str, Any],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    page.goto(f"{live.url}/#/mail/{mailbox['id']}")
    message_row(page, ORDER_SUBJECT).click()

    reader = page.locator("article.reader")
    expect(reader.get_by_role("heading", name=ORDER_SUBJECT)).to_be_visible()
    expect(reader.locator(".body")).to_contain_text("muốn đặt 120 tấn thép cuộn")
    expect(reader.get_by_role("link", name=buyer["name"])).to_have_attribute(
        "href", f"#/counterparties/{buyer['id']}"
    )
    screenshot(page, "mail-message")
    with page.expect_download() as download:
        reader.get_by_role("button", name="don-hang-12.pdf").click()
    assert download.value.suggested_filename == "don-hang-12.pdf"
    assert Path(download.value.path()).read_bytes() == b"%PDF-1.4 order"
    smtp_server.clear()

    reader.get_by_role("button", name="Reply").click()
    dialog = page.locator("dialog")
    expect(dialog.get_by_label("Subject")).to_have_value(f"Re: {ORDER_SUBJECT}")
    dialog.get_by_label("To").fill("an.nguyen, at anphat")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.locator(".error[data-field=to]")).to_be_visible()
    dialog.get_by_label("To").fill(f"an.nguyen@{BUYER_DOMAIN}")
    dialog.get_by_label("Message").press("Control+Home")
    dialog.get_by_label("Message").type("Chào anh An, báo giá gửi kèm trong hôm nay.")
    screenshot(page, "mail-reply")
    dialog.get_by_role("button", name="Send").click()

    expect(dialog).to_have_count(0)
    expect(page.locator(".toast", has_text="Reply sent")).to_be_visible()
    assert smtp_server.count() == 1
    sent = smtp_server.messages[0]
    assert sent.recipients == (f"an.nguyen@{BUYER_DOMAIN}",)
    parsed = message_from_bytes(sent.raw, policy=policy.default)
    assert parsed["Subject"] == f"Re: {ORDER_SUBJECT}"
    assert "báo giá gửi kèm" in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    expect(message_row(page, f"Re: {ORDER_SUBJECT}")).to_be_visible()


def test_an_assigned_message_shows_who_answers_it_by_when_and_can_be_marked_done(
    page: Page, live: LiveSuite, mailbox: dict[str, Any], colleague: dict[str, Any]
) -> None:
    page.goto(f"{live.url}/#/mail/{mailbox['id']}")
    message_row(page, "Xác nhận công nợ quý 4").click()
    reader = page.locator("article.reader")
    expect(reader.get_by_role("heading")).to_have_text("Xác nhận công nợ quý 4")
    due = dt.date.today() + dt.timedelta(days=2)

    reader.get_by_role("button", name="Assign").click()
    dialog = page.locator("dialog")
    dialog.get_by_label("Assignee").select_option(label=colleague["full_name"])
    dialog.get_by_label("Answer by").fill(due.isoformat())
    dialog.get_by_label("Note").fill("Đối chiếu với sổ cái trước khi trả lời.")
    dialog.get_by_role("button", name="Assign").click()

    expect(dialog).to_have_count(0)
    expect(reader.locator(".assignment")).to_contain_text("Assigned to Nguyễn Thị Hoa")
    expect(reader.locator(".assignment")).to_contain_text("Đối chiếu với sổ cái")
    expect(message_row(page, "Xác nhận công nợ quý 4")).to_contain_text(
        "Assigned to Nguyễn Thị Hoa"
    )
    screenshot(page, "mail-assigned")

    reader.get_by_role("button", name="Mark done").click()

    expect(reader.locator(".assignment .badge")).to_have_text("Done")
    expect(reader.get_by_role("button", name="Mark done")).to_have_count(0)


def test_a_message_opened_while_a_sync_reloads_the_last_one_stays_on_screen(
    page: Page, live: LiveSuite, mailbox: dict[str, Any]
) -> None:
    page.goto(f"{live.url}/#/mail/{mailbox['id']}")
    message_row(page, "Mời tham dự triển lãm VietBuild").click()
    reader = page.locator("article.reader")
    expect(reader.get_by_role("heading")).to_have_text("Mời tham dự triển lãm VietBuild")
    first_id = message_row(page, "Mời tham dự triển lãm VietBuild").get_attribute("data-message")
    held: list[Route] = []
    page.route(f"**/api/v1/messages/{first_id}", lambda route: held.append(route))

    page.get_by_role("button", name="Sync now").first.click()  # reloads the list, then the message
    for _ in range(200):  # until the sync's reload of the open message is held
        if held:
            break
        page.wait_for_timeout(50)
    message_row(page, "Xác nhận công nợ quý 4").click()
    expect(reader.get_by_role("heading")).to_have_text("Xác nhận công nợ quý 4")
    with page.expect_response(lambda response: first_id in response.url):
        held[0].continue_()
    expect(page.get_by_role("button", name="Sync now").first).to_be_enabled()
    page.unroute(f"**/api/v1/messages/{first_id}")

    expect(reader.get_by_role("heading")).to_have_text("Xác nhận công nợ quý 4")


def test_a_mass_mailing_started_here_shows_its_progress(
    page: Page,
    live: LiveSuite,
    mailbox: dict[str, Any],
    buyer: dict[str, Any],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    contact = live.api(
        "POST",
        f"/counterparties/{buyer['id']}/contacts",
        {"full_name": "Trần Minh Đức", "position": "Giám đốc mua hàng", "email": "duc@khach.vn"},
    )
    live.suite.deliver_events()
    group = live.api(
        "POST", "/mail/address-groups", {"name": "Khách hàng thép", "members": [contact["id"]]}
    )
    template = live.api(
        "POST",
        "/mail/templates",
        {
            "name": "Bảng giá tháng 12",
            "subject": "Bảng giá thép tháng 12",
            "body": "Kính gửi {{ contact.full_name }},\n\nXin gửi bảng giá mới.",
        },
    )
    page.goto(f"{live.url}/#/mail?view=mailings")
    expect(page.get_by_role("heading", name="No mailings started yet")).to_be_visible()
    screenshot(page, "mail-mailings-empty")
    smtp_server.clear()

    page.get_by_role("button", name="New mailing").first.click()
    dialog = page.locator("dialog")
    dialog.get_by_label("Address group").select_option(label=group["name"])
    dialog.get_by_label("Template").select_option(label=template["name"])
    dialog.get_by_label("Send from").select_option(label=mailbox["name"])
    dialog.get_by_role("button", name="Start mailing").click()

    row = page.locator("table.mailings tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Khách hàng thép")
    expect(row.locator(".badge")).to_have_text("Finished")
    expect(row).to_contain_text("1 of 1")
    assert [m.recipients for m in smtp_server.messages] == [("duc@khach.vn",)]
    screenshot(page, "mail-mailings")
