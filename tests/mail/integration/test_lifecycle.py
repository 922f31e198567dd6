"""Mailboxes, templates, address groups and sending rules carry versions and a history; each is
changed (only what was sent), archived (out of the lists, still readable, refusing changes and
new uses) and restored; through the gateway, gRPC and a real database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, history, ok, unique
from tests.support import Suite

SECRET = "mat-khau-" + unique()


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def a_mailbox(suite: Suite, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    server = {"host": "mail.hoa-crm.vn", "port": 993, "username": "sales", "password": SECRET}
    body = {
        "name": unique("Bán hàng "),
        "kind": "shared",
        "address": f"{unique('sales-')}@hoa-crm.vn",
        "imap": server,
        "smtp": server | {"port": 465},
        **fields,
    }
    return ok(suite.client.post(f"{API}/mailboxes", json=body, headers=headers), 201)  # type: ignore[no-any-return]


def a_template(suite: Suite, headers: dict[str, str]) -> dict[str, Any]:
    body = {
        "name": unique("Chào "),
        "subject": "Chào {{ counterparty.name }}",
        "body": "Kính gửi {{ contact.full_name }}",
    }
    return ok(suite.client.post(f"{API}/mail/templates", json=body, headers=headers), 201)  # type: ignore[no-any-return]


def listed(suite: Suite, headers: dict[str, str], path: str, **query: Any) -> list[str]:
    asked = {"page_size": 500, **query}
    found = ok(suite.client.get(f"{API}{path}", query_string=asked, headers=headers))
    return [item["id"] for item in found["items"]]


def archived_and_restored(
    suite: Suite, headers: dict[str, str], path: str, listing: str, record: dict[str, Any]
) -> None:
    """A stale DELETE (the record was changed once since version 1) changes nothing; DELETE
    archives (out of the list, still readable, a change refused); restore brings it back."""
    stale = suite.client.delete(path, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert suite.client.delete(path, headers=headers).status_code == 204
    assert record["id"] not in listed(suite, headers, listing)
    assert record["id"] in listed(suite, headers, listing, archived="true")
    kept = ok(suite.client.get(path, headers=headers))
    assert kept["archived_at"] is not None
    assert suite.client.patch(path, json={"name": "Khác"}, headers=headers).status_code == 409
    restored = ok(suite.client.post(f"{path}/restore", headers=headers))
    assert restored["archived_at"] is None
    assert record["id"] in listed(suite, headers, listing)


def test_a_mailbox_changes_only_what_was_sent_and_its_history_never_tells_a_password(
    suite: Suite, admin: dict[str, str]
) -> None:
    box = a_mailbox(suite, admin)
    assert box["version"] == 1
    path = f"{API}/mailboxes/{box['id']}"
    body = {"name": "Kinh doanh miền Nam", "imap": {"host": "imap.hoa-crm.vn", "password": "mới"}}
    changed = suite.client.patch(path, json=body, headers={**admin, "If-Match": '"1"'})
    now = ok(changed)
    assert changed.headers["ETag"] == '"2"'
    assert (now["name"], now["imap"]["host"], now["imap"]["port"], now["imap"]["username"]) == (
        "Kinh doanh miền Nam",
        "imap.hoa-crm.vn",
        993,
        "sales",
    )
    assert (now["address"], now["smtp"]) == (box["address"], box["smtp"])
    assert "password" not in now["imap"] and "mới" not in changed.get_data(as_text=True)
    stale = suite.client.patch(path, json={"name": "Cũ"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert ok(suite.client.get(path, headers=admin))["name"] == "Kinh doanh miền Nam"
    entries = history(suite, admin, "mailbox", box["id"])
    assert [e["action"] for e in entries] == ["updated", "created"]
    assert entries[0]["changes"] == {
        "name": [box["name"], "Kinh doanh miền Nam"],
        "imap.host": ["mail.hoa-crm.vn", "imap.hoa-crm.vn"],
        "imap.password": [None, None],
    }
    assert SECRET not in str(entries) and "mới" not in str(entries)


def test_an_archived_mailbox_is_sent_from_no_more_until_it_is_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    box = a_mailbox(suite, admin)
    path = f"{API}/mailboxes/{box['id']}"
    ok(suite.client.patch(path, json={"smtp": {"port": 587, "security": "starttls"}}, headers=admin))  # fmt: skip
    archived_and_restored(suite, admin, path, "/mailboxes", box)
    assert suite.client.delete(path, headers=admin).status_code == 204
    sent = {"mailbox_id": box["id"], "to": ["khach@an-phat.vn"], "subject": "Báo giá"}
    refused = suite.client.post(f"{API}/messages", json=sent, headers=admin)
    assert refused.status_code == 409 and box["name"] in refused.get_json()["detail"]
    assert suite.client.post(f"{path}/sync", headers=admin).status_code == 409
    actions = [e["action"] for e in history(suite, admin, "mailbox", box["id"])]
    assert actions == ["archived", "restored", "archived", "updated", "created"]


def test_a_template_is_changed_previewed_on_a_counterparty_archived_and_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    template = a_template(suite, admin)
    path = f"{API}/mail/templates/{template['id']}"
    changed = ok(suite.client.patch(path, json={"subject": "Xin chào {{ counterparty.name }}"}, headers=admin))  # fmt: skip
    assert (changed["name"], changed["body"], changed["version"]) == (
        template["name"],
        template["body"],
        2,
    )
    buyer = counterparty(suite, admin, name=unique("An Phát "))
    person = {"full_name": "Trần Thị Lan", "email": f"{unique('lan-')}@an-phat.vn"}
    contacts = f"{API}/counterparties/{buyer['id']}/contacts"
    ok(suite.client.post(contacts, json=person, headers=admin), 201)
    suite.deliver_events()
    asked = {"counterparty_id": buyer["id"]}
    preview = ok(suite.client.post(f"{path}/preview", json=asked, headers=admin))
    assert preview == {"subject": f"Xin chào {buyer['name']}", "body": "Kính gửi Trần Thị Lan"}
    unknown = suite.client.post(f"{path}/preview", json={"counterparty_id": "nope"}, headers=admin)
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.get_json()["errors"]] == ["counterparty_id"]
    archived_and_restored(suite, admin, path, "/mail/templates", template)
    entries = history(suite, admin, "mail_template", template["id"])
    assert [e["action"] for e in entries] == ["restored", "archived", "updated", "created"]
    assert entries[2]["changes"] == {
        "subject": [template["subject"], "Xin chào {{ counterparty.name }}"]
    }


def test_an_archived_template_or_group_is_chosen_for_no_new_mailing_naming_the_field(
    suite: Suite, admin: dict[str, str]
) -> None:
    box = a_mailbox(suite, admin)
    template = a_template(suite, admin)
    group = ok(suite.client.post(f"{API}/mail/address-groups", json={"name": unique("Nhóm "), "members": []}, headers=admin), 201)  # fmt: skip
    mailing = {"address_group_id": group["id"], "template_id": template["id"], "mailbox_id": box["id"]}  # fmt: skip
    for field, path in (
        ("template_id", f"/mail/templates/{template['id']}"),
        ("address_group_id", f"/mail/address-groups/{group['id']}"),
    ):
        assert suite.client.delete(f"{API}{path}", headers=admin).status_code == 204
        refused = suite.client.post(f"{API}/mail/mailings", json=mailing, headers=admin)
        assert refused.status_code == 422, refused.get_json()
        assert [e["field"] for e in refused.get_json()["errors"]] == [field]
        ok(suite.client.post(f"{API}{path}/restore", headers=admin))
    rule = {"event": "deals.invoice.overdue", "template_id": template["id"], "mailbox_id": box["id"]}  # fmt: skip
    made = ok(suite.client.post(f"{API}/mail/rules", json=rule, headers=admin), 201)
    assert suite.client.delete(f"{API}/mail/templates/{template['id']}", headers=admin).status_code == 204  # fmt: skip
    refused = suite.client.post(f"{API}/mail/rules", json=rule, headers=admin)
    assert [e["field"] for e in refused.get_json()["errors"]] == ["template_id"]
    kept = ok(suite.client.get(f"{API}/mail/rules/{made['id']}", headers=admin))
    assert kept["template_id"] == template["id"] and kept["enabled"]


def test_an_address_group_changes_from_members_to_criteria_and_criteria_are_previewed(
    suite: Suite, admin: dict[str, str]
) -> None:
    region = unique("Vùng ")
    buyer = counterparty(suite, admin, name=unique("Bình Minh "), region=region)
    person = {"full_name": "Lê Văn Nam", "email": f"{unique('nam-')}@binh-minh.vn"}
    made = ok(suite.client.post(f"{API}/counterparties/{buyer['id']}/contacts", json=person, headers=admin), 201)  # fmt: skip
    suite.deliver_events()
    preview = ok(suite.client.post(f"{API}/mail/address-groups/preview", json={"criteria": {"region": region}}, headers=admin))  # fmt: skip
    assert (preview["total"], [m["contact_id"] for m in preview["items"]]) == (1, [made["id"]])
    body = {"name": unique("Nhóm "), "members": [made["id"]]}
    group = ok(suite.client.post(f"{API}/mail/address-groups", json=body, headers=admin), 201)
    path = f"{API}/mail/address-groups/{group['id']}"
    changed = ok(suite.client.patch(path, json={"criteria": {"region": region}}, headers=admin))
    assert (changed["name"], changed["by_hand"], changed["criteria"], changed["version"]) == (
        group["name"],
        False,
        {"region": region},
        2,
    )
    members = ok(suite.client.get(f"{path}/members", headers=admin))
    assert members == preview
    stale = suite.client.patch(path, json={"name": "Cũ"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    archived_and_restored(suite, admin, path, "/mail/address-groups", group)
    entries = history(suite, admin, "address_group", group["id"])
    assert [e["action"] for e in entries] == ["restored", "archived", "updated", "created"]
    assert entries[2]["changes"] == {
        "members": [[made["id"]], None],
        "criteria": [None, {"region": region}],
    }


def test_a_rule_is_switched_off_and_on_archived_and_restored_each_in_its_history(
    suite: Suite, admin: dict[str, str]
) -> None:
    box = a_mailbox(suite, admin)
    template = a_template(suite, admin)
    body = {"event": "contact.birthday", "template_id": template["id"], "mailbox_id": box["id"]}
    rule = ok(suite.client.post(f"{API}/mail/rules", json=body, headers=admin), 201)
    path = f"{API}/mail/rules/{rule['id']}"
    off = ok(suite.client.patch(path, json={"enabled": False}, headers={**admin, "If-Match": '"1"'}))  # fmt: skip
    assert (off["enabled"], off["offset_days"], off["event"], off["version"]) == (
        False,
        0,
        "contact.birthday",
        2,
    )
    stale = suite.client.patch(path, json={"enabled": True}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    for field in ("enabled", "offset_days"):  # null would switch it off or reset it unasked
        refused = suite.client.patch(path, json={field: None}, headers=admin)
        assert [e["field"] for e in refused.get_json()["errors"]] == [field]
    ok(suite.client.patch(path, json={"enabled": True, "offset_days": 2}, headers=admin))
    stale_delete = suite.client.delete(path, headers={**admin, "If-Match": '"1"'})
    assert stale_delete.status_code == 412
    assert suite.client.delete(path, headers=admin).status_code == 204
    assert rule["id"] not in listed(suite, admin, "/mail/rules")
    assert ok(suite.client.get(path, headers=admin))["archived_at"] is not None
    refused = suite.client.patch(path, json={"enabled": False}, headers=admin)
    assert refused.status_code == 409
    ok(suite.client.post(f"{path}/restore", headers=admin))
    assert rule["id"] in listed(suite, admin, "/mail/rules")
    entries = history(suite, admin, "mail_rule", rule["id"])
    assert [e["action"] for e in entries] == [
        "restored",
        "archived",
        "updated",
        "updated",
        "created",
    ]
    assert entries[3]["changes"] == {"enabled": [True, False]}
    assert entries[2]["changes"] == {"enabled": [False, True], "offset_days": [0, 2]}
