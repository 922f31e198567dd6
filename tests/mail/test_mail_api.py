"""Mailboxes through the gateway against a real dovecot and a real SMTP server: messages
imported once and linked to the right counterparty, a changed UIDVALIDITY handled, permissions
of shared mailboxes enforced for every message, sending logged in the correspondence."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.mail_servers import (  # noqa: F401 - fixtures
    ImapServer,
    ImapUser,
    SmtpServer,
    imap_server,
    imap_user,
    smtp_server,
)
from tests.support import Suite

pytestmark = pytest.mark.integration  # real dovecot and SMTP servers


def mail(sender: str, to: str, subject: str, message_id: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = f"<{message_id}>"
    message.set_content(f"{subject}\n\nXin chào, chúng tôi muốn đặt hàng.")
    return message.as_bytes()


def mailbox_body(
    imap: ImapServer, smtp: SmtpServer, user: ImapUser, kind: str = "personal"
) -> dict[str, Any]:
    return {
        "name": unique("Sales "),
        "kind": kind,
        "address": f"{user.name}@hoa-crm.vn",
        "imap": {
            "host": imap.host,
            "port": imap.port,
            "security": "none",
            "username": user.name,
            "password": user.password,
        },
        "smtp": {"host": smtp.host, "port": smtp.port, "security": "none"},
    }


@pytest.fixture
def buyer(suite: Suite) -> dict[str, Any]:
    """A company whose e-mail is at its own domain."""
    admin = suite.headers()
    domain = f"{unique('an-phat-').lower()}.vn"
    found = counterparty(
        suite, admin, legal_kind="legal_entity", email=f"info@{domain}", name=unique("An Phát ")
    )
    suite.deliver_events()
    return found | {"domain": domain}


def test_imported_messages_are_linked_to_the_counterparty_and_a_second_sync_adds_nothing(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
    buyer: dict[str, Any],
) -> None:
    admin = suite.headers()
    box = ok(
        suite.client.post(
            f"{API}/mailboxes",
            json=mailbox_body(imap_server, smtp_server, imap_user),
            headers=admin,
        ),
        201,
    )
    assert "password" not in box["imap"]
    for number, sender in enumerate((f"info@{buyer['domain']}", f"ke.toan@{buyer['domain']}")):
        raw = mail(sender, box["address"], f"Đơn hàng số {number}")
        imap_server.append(imap_user.name, imap_user.password, "INBOX", raw)
    imap_server.append(
        imap_user.name, imap_user.password, "INBOX", mail("x@gmail.com", box["address"], "Spam")
    )
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=admin), 202)
    listed = ok(suite.client.get(f"{API}/mailboxes/{box['id']}/messages", headers=admin))
    assert listed["total"] == 3
    linked = [m for m in listed["items"] if buyer["id"] in m["counterparty_ids"]]
    assert len(linked) == 2  # by the exact address, and by the company's domain
    assert {m["subject"] for m in linked} == {"Đơn hàng số 0", "Đơn hàng số 1"}
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=admin), 202)
    again = ok(suite.client.get(f"{API}/mailboxes/{box['id']}/messages", headers=admin))
    assert again["total"] == 3
    health = ok(suite.client.get(f"{API}/mailboxes/{box['id']}", headers=admin))
    assert health["last_sync_at"] and health["last_error"] is None
    log = ok(suite.client.get(f"{API}/counterparties/{buyer['id']}/correspondence", headers=admin))
    assert log["total"] == 2
    suite.deliver_events()
    timeline = ok(suite.client.get(f"{API}/counterparties/{buyer['id']}/timeline", headers=admin))
    mails = [entry for entry in timeline["items"] if entry["kind"] == "mail_in"]
    assert len(mails) == 2 and all("Đơn hàng" in entry["title"] for entry in mails)


def test_a_changed_uidvalidity_reads_the_folder_again_without_doubles(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    admin = suite.headers()
    body = mailbox_body(imap_server, smtp_server, imap_user)
    box = ok(suite.client.post(f"{API}/mailboxes", json=body, headers=admin), 201)
    for n in range(3):
        raw = mail("someone@example.org", box["address"], f"Hello {n}", f"m{n}-{box['id']}@test")
        imap_server.append(imap_user.name, imap_user.password, "INBOX", raw)
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=admin), 202)
    imap_server.reset_uidvalidity(imap_user.name, "INBOX")
    raw = mail("someone@example.org", box["address"], "Hello 3", f"m3-{box['id']}@test")
    imap_server.append(imap_user.name, imap_user.password, "INBOX", raw)
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=admin), 202)
    listed = ok(suite.client.get(f"{API}/mailboxes/{box['id']}/messages", headers=admin))
    assert sorted(m["subject"] for m in listed["items"]) == [f"Hello {n}" for n in range(4)]


def test_a_wrong_password_is_shown_as_the_mailbox_sync_error(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    admin = suite.headers()
    body = mailbox_body(imap_server, smtp_server, imap_user)
    body["imap"]["password"] = "wrong"
    box = ok(suite.client.post(f"{API}/mailboxes", json=body, headers=admin), 201)
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=admin), 202)
    health = ok(suite.client.get(f"{API}/mailboxes/{box['id']}", headers=admin))
    assert health["last_error"] and "wrong" not in health["last_error"]


def test_outside_the_groups_of_a_shared_mailbox_its_messages_do_not_exist_and_it_cannot_send(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    admin = suite.headers()
    sales = ok(
        suite.client.post(f"{API}/groups", json={"name": unique("Sales ")}, headers=admin), 201
    )
    insider = suite.user(unique("in").lower(), ["manager"], group_ids=[sales["id"]])
    outsider = suite.user(unique("out").lower(), ["manager"])
    body = mailbox_body(imap_server, smtp_server, imap_user, kind="shared")
    box = ok(suite.client.post(f"{API}/mailboxes", json=body, headers=admin), 201)
    rights = [{"group_id": sales["id"], "read": True, "send": True}]
    ok(suite.client.put(f"{API}/mailboxes/{box['id']}/permissions", json=rights, headers=admin))
    raw = mail("khach@example.org", box["address"], "Báo giá")
    imap_server.append(imap_user.name, imap_user.password, "INBOX", raw)
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=insider), 202)
    [message] = ok(suite.client.get(f"{API}/mailboxes/{box['id']}/messages", headers=insider))[
        "items"
    ]
    assert suite.client.get(f"{API}/messages/{message['id']}", headers=outsider).status_code == 404
    assert (
        suite.client.get(f"{API}/mailboxes/{box['id']}/messages", headers=outsider).status_code
        == 404
    )
    assert box["id"] not in [
        b["id"] for b in ok(suite.client.get(f"{API}/mailboxes", headers=outsider))["items"]
    ]
    send = {
        "mailbox_id": box["id"],
        "to": ["khach@example.org"],
        "subject": "Re: Báo giá",
        "body_text": "Vâng",
    }
    before = smtp_server.count()
    assert suite.client.post(f"{API}/messages", json=send, headers=outsider).status_code == 404
    assert smtp_server.count() == before
    sent = ok(
        suite.client.post(
            f"{API}/messages", json=send | {"in_reply_to": message["id"]}, headers=insider
        ),
        201,
    )
    assert smtp_server.count() == before + 1
    assert sent["direction"] == "out" and sent["thread_id"] == message["thread_id"]
    assert sent["in_reply_to"] == message["message_id"]
    bad = suite.client.post(
        f"{API}/messages", json=send | {"to": ["not-an-address"]}, headers=insider
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"].startswith("to")


def test_a_mailing_through_the_api_reaches_the_group_and_its_unsubscribe_link_works(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
    buyer: dict[str, Any],
) -> None:
    admin = suite.headers()
    region = unique("Đà Nẵng ")
    company = counterparty(suite, admin, region=region, roles=["customer"])
    people = [
        ok(
            suite.client.post(
                f"{API}/counterparties/{company['id']}/contacts",
                json={
                    "full_name": f"Trần Thị {n}",
                    "email": f"tran{n}.{company['id'][:8]}@example.org",
                },
                headers=admin,
            ),
            201,
        )
        for n in range(3)
    ]
    suite.deliver_events()
    box = ok(
        suite.client.post(
            f"{API}/mailboxes",
            json=mailbox_body(imap_server, smtp_server, imap_user, kind="shared"),
            headers=admin,
        ),
        201,
    )
    template = ok(
        suite.client.post(
            f"{API}/mail/templates",
            json={
                "name": unique("Tết "),
                "subject": "Chúc mừng {{ counterparty.name }}",
                "body": "Kính gửi {{ contact.full_name }}",
            },
            headers=admin,
        ),
        201,
    )
    group = ok(
        suite.client.post(
            f"{API}/mail/address-groups",
            json={"name": unique("Miền Trung "), "criteria": {"region": region}},
            headers=admin,
        ),
        201,
    )
    members = ok(
        suite.client.get(f"{API}/mail/address-groups/{group['id']}/members", headers=admin)
    )
    assert sorted(m["email"] for m in members["items"]) == sorted(p["email"] for p in people)
    before = smtp_server.count()
    body = {"address_group_id": group["id"], "template_id": template["id"], "mailbox_id": box["id"]}
    started = ok(suite.client.post(f"{API}/mail/mailings", json=body, headers=admin), 202)
    done = ok(suite.client.get(f"{API}/mail/mailings/{started['id']}", headers=admin))
    assert (done["status"], done["total"], done["sent"]) == ("done", 3, 3)
    assert smtp_server.count() == before + 3
    last = message_from_bytes(smtp_server.messages[-1].raw, policy=policy.default)
    token = str(last["List-Unsubscribe"]).strip("<>").rsplit("/", 1)[1]
    gone = suite.client.get(f"{API}/unsubscribe/{token}")  # no login
    assert gone.status_code == 200 and gone.get_json()["email"] in {p["email"] for p in people}
    assert suite.client.get(f"{API}/unsubscribe/{token[:-2]}xx").status_code == 404
    again = ok(suite.client.post(f"{API}/mail/mailings", json=body, headers=admin), 202)
    assert (again["sent"], again["skipped"]) == (2, 1)
    listed = ok(suite.client.get(f"{API}/mail/mailings", headers=admin))["items"]
    assert [(m["id"], m["sent"], m["skipped"]) for m in listed[:2]] == [
        (again["id"], 2, 1),
        (started["id"], 3, 0),
    ]
    bad = suite.client.post(
        f"{API}/mail/templates", json={"name": "x", "subject": "{{", "body": ""}, headers=admin
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "subject"


def test_an_assigned_message_is_answered_by_a_reply_and_overdue_ones_reach_the_supervisor(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    admin = suite.headers()
    boss_name = unique("boss").lower()
    boss = suite.user(boss_name, ["manager"])
    boss_id = ok(suite.client.get(f"{API}/me", headers=boss))["id"]
    team = ok(
        suite.client.post(f"{API}/groups", json={"name": unique("Team ")}, headers=admin), 201
    )
    worker = suite.user(
        unique("worker").lower(), ["manager"], supervisor_id=boss_id, group_ids=[team["id"]]
    )
    worker_id = ok(suite.client.get(f"{API}/me", headers=worker))["id"]
    body = mailbox_body(imap_server, smtp_server, imap_user, kind="shared")
    box = ok(suite.client.post(f"{API}/mailboxes", json=body, headers=admin), 201)
    rights = [{"group_id": team["id"], "send": True}]
    ok(suite.client.put(f"{API}/mailboxes/{box['id']}/permissions", json=rights, headers=admin))
    for subject in ("Hỏi giá", "Khiếu nại"):
        raw = mail("khach@example.org", box["address"], subject)
        imap_server.append(imap_user.name, imap_user.password, "INBOX", raw)
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=admin), 202)
    items = ok(suite.client.get(f"{API}/mailboxes/{box['id']}/messages", headers=admin))["items"]
    late = {"assignee_id": worker_id, "due_date": "2020-01-01", "note": "trả lời gấp"}
    for message in items:
        ok(suite.client.post(f"{API}/messages/{message['id']}/assign", json=late, headers=admin))
    overdue = ok(
        suite.client.get(f"{API}/mail/assignments", query_string={"overdue": "true"}, headers=boss)
    )
    assert {m["id"] for m in overdue["items"]} == {m["id"] for m in items}
    first, second = items
    reply = {
        "mailbox_id": box["id"],
        "to": ["khach@example.org"],
        "subject": "Re",
        "in_reply_to": first["id"],
    }
    ok(suite.client.post(f"{API}/messages", json=reply, headers=worker), 201)
    assert (
        ok(suite.client.get(f"{API}/messages/{first['id']}", headers=worker))["assignment"]
        == "answered"
    )
    done = ok(suite.client.post(f"{API}/messages/{second['id']}/done", headers=worker))
    assert done["assignment"] == "done"
    left = ok(suite.client.get(f"{API}/mail/assignments", headers=boss))
    assert left["total"] == 0
    peer = suite.user(unique("peer").lower(), ["manager"])
    refused = suite.client.get(
        f"{API}/mail/assignments", query_string={"assignee_id": worker_id}, headers=peer
    )
    assert refused.status_code == 403


def test_a_rule_is_kept_and_a_wrong_event_or_mailbox_is_named(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    admin = suite.headers()
    body = mailbox_body(imap_server, smtp_server, imap_user)
    box = ok(suite.client.post(f"{API}/mailboxes", json=body, headers=admin), 201)
    template = ok(
        suite.client.post(
            f"{API}/mail/templates",
            json={"name": unique("Nhắc "), "subject": "Nhắc thanh toán", "body": "..."},
            headers=admin,
        ),
        201,
    )
    rule = {
        "event": "deals.invoice.overdue",
        "offset_days": 3,
        "template_id": template["id"],
        "mailbox_id": box["id"],
    }
    made = ok(suite.client.post(f"{API}/mail/rules", json=rule, headers=admin), 201)
    listed = ok(suite.client.get(f"{API}/mail/rules", headers=admin))["items"]
    assert made["id"] in [r["id"] for r in listed] and made["offset_days"] == 3
    wrong = suite.client.post(f"{API}/mail/rules", json=rule | {"event": "Overdue!"}, headers=admin)
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "event"
    nobox = suite.client.post(
        f"{API}/mail/rules", json=rule | {"mailbox_id": "nope"}, headers=admin
    )
    assert nobox.status_code == 404


def test_unknown_senders_and_vcards_become_proposals_that_join_contacts_when_accepted(
    suite: Suite,
    imap_server: ImapServer,  # noqa: F811
    imap_user: ImapUser,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
    buyer: dict[str, Any],
) -> None:
    admin = suite.headers()
    body = mailbox_body(imap_server, smtp_server, imap_user)
    box = ok(suite.client.post(f"{API}/mailboxes", json=body, headers=admin), 201)
    stranger = f"{unique('ban').lower()}@thepvietnam.vn"
    card = EmailMessage()
    card["From"] = f"info@{buyer['domain']}"  # known: not proposed
    card["To"] = box["address"]
    card["Subject"] = "Danh thiếp"
    card.set_content("Xem danh thiếp đính kèm.")
    vcard = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lê Minh Tuấn\r\nORG:Thép Việt\r\nEMAIL:tuan.{stranger}\r\nTEL:+84 90 123 4567\r\nEND:VCARD\r\n"
    card.add_attachment(vcard.encode(), maintype="text", subtype="vcard", filename="tuan.vcf")
    for raw in (mail(stranger, box["address"], "Chào hàng"), card.as_bytes()):
        imap_server.append(imap_user.name, imap_user.password, "INBOX", raw)
    ok(suite.client.post(f"{API}/mailboxes/{box['id']}/sync", headers=admin), 202)
    listed = ok(suite.client.get(f"{API}/mailboxes/{box['id']}/messages", headers=admin))
    [carded] = [m for m in listed["items"] if m["subject"] == "Danh thiếp"]
    [attached] = carded["attachments"]
    assert (attached["filename"], attached["size"]) == ("tuan.vcf", len(vcard.encode()))
    got = suite.client.get(f"{API}/messages/{carded['id']}/attachments/0", headers=admin)
    assert got.status_code == 200 and got.data == vcard.encode()
    assert (
        suite.client.get(f"{API}/messages/{carded['id']}/attachments/5", headers=admin).status_code
        == 404
    )
    found = ok(suite.client.post(f"{API}/mailboxes/{box['id']}/import-contacts", headers=admin))
    by_email = {p["email"]: p for p in found["items"]}
    assert set(by_email) == {stranger, f"tuan.{stranger}"}
    tuan = by_email[f"tuan.{stranger}"]
    assert (tuan["name"], tuan["company"], tuan["source"]) == ("Lê Minh Tuấn", "Thép Việt", "vcard")
    accepted = ok(suite.client.post(f"{API}/mail/proposals/{tuan['id']}/accept", headers=admin))
    assert accepted["status"] == "accepted" and accepted["contact_id"]
    person = ok(suite.client.get(f"{API}/contacts/{accepted['contact_id']}", headers=admin))
    assert (
        person["full_name"] == "Lê Minh Tuấn"
        and person["counterparty_id"] == accepted["counterparty_id"]
    )
    again = suite.client.post(f"{API}/mail/proposals/{tuan['id']}/accept", headers=admin)
    assert again.status_code == 409
    dismissed = ok(
        suite.client.post(f"{API}/mail/proposals/{by_email[stranger]['id']}/dismiss", headers=admin)
    )
    assert dismissed["status"] == "dismissed"
    suite.deliver_events()
    left = ok(suite.client.post(f"{API}/mailboxes/{box['id']}/import-contacts", headers=admin))
    assert left["total"] == 0
