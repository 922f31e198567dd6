"""What is typed into a message cannot add to its headers: a line break in a subject, a mailbox
name or a contact's name (through a template) becomes a space, so no Bcc or other header is
smuggled in, and the message still leaves (a line break there was a 500)."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.mail_servers import SmtpServer, smtp_server  # noqa: F401 - fixture
from tests.support import Suite

SMUGGLED = "\r\nBcc: spy@evil.example"


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


def mailbox(suite: Suite, smtp: SmtpServer, name: str) -> dict[str, Any]:
    body = {
        "name": name,
        "address": f"{unique('sales-')}@hoa-crm.vn",
        "imap": {"host": "127.0.0.1", "port": 1},
        "smtp": {"host": smtp.host, "port": smtp.port, "security": "none"},
    }
    return ok(suite.client.post(f"{API}/mailboxes", json=body, headers=suite.headers()), 201)  # type: ignore[no-any-return]


def test_a_line_break_in_a_subject_or_a_mailbox_name_adds_no_header(
    suite: Suite,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    box = mailbox(suite, smtp_server, "Phòng bán hàng" + SMUGGLED)
    send = {"mailbox_id": box["id"], "to": ["khach@example.org"], "subject": "Báo giá" + SMUGGLED}
    sent = ok(suite.client.post(f"{API}/messages", json=send, headers=suite.headers()), 201)
    assert "\n" not in sent["subject"]
    received = smtp_server.messages[-1]
    assert received.recipients == ("khach@example.org",)
    headers = message_from_bytes(received.raw, policy=policy.default)
    assert headers["Bcc"] is None and "spy@evil.example" in headers["Subject"]


def test_a_contacts_name_with_a_line_break_neither_stops_a_mailing_nor_adds_a_header(
    suite: Suite,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    admin = suite.headers()
    buyer = counterparty(suite, admin)
    person = {"full_name": "Chị Mai" + SMUGGLED, "email": f"{unique('mai-')}@example.org"}
    contact = ok(suite.client.post(f"{API}/counterparties/{buyer['id']}/contacts", json=person, headers=admin), 201)  # fmt: skip
    suite.deliver_events()
    template = ok(suite.client.post(f"{API}/mail/templates", json={"name": unique("T "), "subject": "Chào {{ contact.full_name }}", "body": "Xin chào"}, headers=admin), 201)  # fmt: skip
    group = ok(suite.client.post(f"{API}/mail/address-groups", json={"name": unique("G "), "members": [contact["id"]]}, headers=admin), 201)  # fmt: skip
    box = mailbox(suite, smtp_server, unique("Tiếp thị "))
    before = smtp_server.count()
    started = suite.client.post(f"{API}/mail/mailings", json={"address_group_id": group["id"], "template_id": template["id"], "mailbox_id": box["id"]}, headers=admin)  # fmt: skip
    assert started.status_code == 202, started.get_json()
    assert ok(suite.client.get(f"{API}/mail/mailings/{started.get_json()['id']}", headers=admin))["sent"] == 1  # fmt: skip
    assert smtp_server.count() == before + 1
    received = smtp_server.messages[-1]
    assert received.recipients == (person["email"],)
    assert message_from_bytes(received.raw, policy=policy.default)["Bcc"] is None
