# ruff: noqa: F811 - `people` and `smtp_server` are fixtures imported below
"""Who may see and use a mailbox, on SQLite and on PostgreSQL (where "the mailboxes you may
read" is one SQL condition).

The rules (services/mail/domain/model.py `Access`, services/mail/service_layer/mailboxes.py):

- A personal mailbox is its owner's alone (and an admin's): not a peer's, not a group mate's,
  not even a supervisor's. Only an admin makes a personal mailbox for someone else.
- A shared mailbox is seen through the permissions of groups: `read` reads it, `send` also
  sends from it (and starts mailings and rules with it), `manage` also sets its permissions.
- A mailbox someone may not read does not exist for them (404), and neither do its messages,
  attachments, contact proposals, permissions, nor a sync, a send, a mailing or a rule through
  it; one they may read but not use so is 403. The correspondence log and the timelines of
  counterparties and deals show only messages of mailboxes the caller may read.
- An assigned message is marked done by its assignee or by a manager of its mailbox.
- Mailbox passwords are write-only.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique
from tests.mail_servers import SmtpServer, smtp_server  # noqa: F401 - fixture
from tests.security.test_object_access import People, Person, people, person  # noqa: F401
from tests.support import Suite

SECRET = "imap-secret-" + unique()


def groups_of(suite: Suite, who: Person) -> list[str]:
    return ok(suite.client.get(f"{API}/users/{who.id}", headers=who.headers))["group_ids"]  # type: ignore[no-any-return]


def mailbox(
    suite: Suite, smtp: SmtpServer, by: Person, kind: str = "personal", **extra: Any
) -> dict[str, Any]:
    body = {
        "name": unique("Hộp thư "),
        "kind": kind,
        "address": f"{unique('sales-')}@hoa-crm.vn",
        "imap": {"host": "127.0.0.1", "port": 1, "username": "u", "password": SECRET},
        "smtp": {"host": smtp.host, "port": smtp.port, "security": "none", "password": SECRET},
        **extra,
    }
    return ok(suite.client.post(f"{API}/mailboxes", json=body, headers=by.headers), 201)  # type: ignore[no-any-return]


def send(suite: Suite, by: Person, box: dict[str, Any], to: str, **extra: Any) -> Any:
    body = {"mailbox_id": box["id"], "to": [to], "subject": unique("Báo giá riêng "), **extra}
    return suite.client.post(f"{API}/messages", json=body, headers=by.headers)


@pytest.fixture(scope="module")
def anhs_mail(
    suite: Suite,
    people: People,
    smtp_server: SmtpServer,
) -> dict[str, Any]:
    """Anh's personal mailbox, a message Anh sent from it to a customer about a deal."""
    buyer = counterparty(suite, people.anh.headers, email=f"{unique()}@an-phat.vn")
    suite.deliver_events()
    process = pipeline(suite, people.anh.headers, "simple", [{"name": "Lead", "probability": 10}])
    opened = deal(suite, people.anh.headers, process["id"], buyer["id"])
    box = mailbox(suite, smtp_server, people.anh)
    sent = ok(send(suite, people.anh, box, buyer["email"], deal_id=opened["id"]), 201)
    assigned = {"assignee_id": people.anh.id, "due_date": "2030-01-01"}
    ok(suite.client.post(f"{API}/messages/{sent['id']}/assign", json=assigned, headers=people.anh.headers))  # fmt: skip
    suite.deliver_events()
    return {"buyer": buyer, "deal": opened, "box": box, "message": sent}


def test_a_personal_mailbox_and_its_messages_do_not_exist_for_anyone_but_its_owner(
    suite: Suite,
    people: People,
    anhs_mail: dict[str, Any],
    smtp_server: SmtpServer,
) -> None:
    box, message = anhs_mail["box"]["id"], anhs_mail["message"]["id"]
    template = ok(suite.client.post(f"{API}/mail/templates", json={"name": unique("T "), "subject": "S", "body": "B"}, headers=people.binh.headers), 201)  # fmt: skip
    group = ok(suite.client.post(f"{API}/mail/address-groups", json={"name": unique("A "), "criteria": {"region": "Huế"}}, headers=people.binh.headers), 201)  # fmt: skip
    uses: list[tuple[str, str, Any]] = [
        ("get", f"/mailboxes/{box}", None), ("get", f"/mailboxes/{box}/messages", None),
        ("get", f"/mailboxes/{box}/permissions", None), ("put", f"/mailboxes/{box}/permissions", []),
        ("post", f"/mailboxes/{box}/sync", None), ("post", f"/mailboxes/{box}/import-contacts", None),
        ("get", f"/messages/{message}", None), ("get", f"/messages/{message}/attachments/0", None),
        ("post", f"/messages/{message}/assign", {"assignee_id": people.binh.id, "due_date": "2030-01-01"}),
        ("post", f"/messages/{message}/done", None),
        ("post", "/messages", {"mailbox_id": box, "to": ["x@example.org"], "subject": "from Anh's box"}),
        ("post", "/mail/mailings", {"address_group_id": group["id"], "template_id": template["id"], "mailbox_id": box}),
        ("post", "/mail/rules", {"event": "contact.birthday", "offset_days": 0, "template_id": template["id"], "mailbox_id": box}),
        ("patch", f"/mailboxes/{box}", {"name": "Của tôi", "owner_id": people.binh.id}),
        ("delete", f"/mailboxes/{box}", None), ("post", f"/mailboxes/{box}/restore", None),
    ]  # fmt: skip
    sent_before = smtp_server.count()
    for other in (people.binh, people.chi, people.lan, people.dung):
        for method, path, body in uses:
            reply = getattr(suite.client, method)(API + path, json=body, headers=other.headers)
            assert reply.status_code == 404, (other, method, path, reply.get_json())
        listed = ok(suite.client.get(f"{API}/mailboxes", query_string={"page_size": 500}, headers=other.headers))  # fmt: skip
        assert box not in [b["id"] for b in listed["items"]]
        log = ok(suite.client.get(f"{API}/counterparties/{anhs_mail['buyer']['id']}/correspondence", headers=other.headers))  # fmt: skip
        assert message not in [m["id"] for m in log["items"]]
    assert smtp_server.count() == sent_before
    for owner in (people.anh, people.admin):
        seen = ok(suite.client.get(f"{API}/messages/{message}", headers=owner.headers))
        assert seen["id"] == message
    kept = ok(suite.client.get(f"{API}/mailboxes/{box}", headers=people.anh.headers))
    assert (kept["messages"], kept["name"], kept["version"], kept["archived_at"]) == (
        1,
        anhs_mail["box"]["name"],
        1,
        None,
    )


def test_nobody_but_its_owner_reads_a_personal_mailboxs_history_and_a_rule_moves_to_it_nowhere(
    suite: Suite, people: People, anhs_mail: dict[str, Any], smtp_server: SmtpServer
) -> None:
    box = anhs_mail["box"]["id"]
    asked = {"entity": "mailbox", "entity_id": box}
    mine = ok(suite.client.get(f"{API}/audit", query_string=asked, headers=people.anh.headers))
    assert [entry["action"] for entry in mine["items"]] == ["created"]
    for other in (people.binh, people.chi, people.lan):
        seen = suite.client.get(f"{API}/audit", query_string=asked, headers=other.headers)
        assert seen.status_code == 404, (other, seen.get_json())
    own = mailbox(suite, smtp_server, people.binh)
    template = ok(suite.client.post(f"{API}/mail/templates", json={"name": unique("T "), "subject": "S", "body": "B"}, headers=people.binh.headers), 201)  # fmt: skip
    body = {"event": "contact.birthday", "template_id": template["id"], "mailbox_id": own["id"]}
    rule = ok(suite.client.post(f"{API}/mail/rules", json=body, headers=people.binh.headers), 201)
    moved = suite.client.patch(f"{API}/mail/rules/{rule['id']}", json={"mailbox_id": box}, headers=people.binh.headers)  # fmt: skip
    assert moved.status_code == 404
    rule_now = ok(suite.client.get(f"{API}/mail/rules/{rule['id']}", headers=people.binh.headers))
    assert (rule_now["mailbox_id"], rule_now["version"]) == (own["id"], 1)
    for stranger in (people.chi, people.lan):  # a rule sending from Binh's own mailbox
        path = f"{API}/mail/rules/{rule['id']}"
        refused = suite.client.patch(path, json={"enabled": False}, headers=stranger.headers)
        assert refused.status_code == 404
        assert suite.client.delete(path, headers=stranger.headers).status_code == 404


def test_a_colleague_never_reads_the_subject_of_a_private_mail_in_a_timeline(
    suite: Suite, people: People, anhs_mail: dict[str, Any]
) -> None:
    subject = anhs_mail["message"]["subject"]
    timelines = [
        f"/counterparties/{anhs_mail['buyer']['id']}/timeline",
        f"/deals/{anhs_mail['deal']['id']}/timeline",
    ]
    for path in timelines:
        mine = ok(suite.client.get(API + path, headers=people.anh.headers))["items"]
        assert any(subject in entry["title"] for entry in mine), (path, mine)
        for other in (people.binh, people.chi, people.lan):
            theirs = ok(suite.client.get(API + path, headers=other.headers))["items"]
            assert not any(subject in entry["title"] for entry in theirs), (path, theirs)
            assert anhs_mail["message"]["id"] not in [entry["ref_id"] for entry in theirs]


def test_mailbox_passwords_are_never_shown(
    suite: Suite, people: People, anhs_mail: dict[str, Any]
) -> None:
    for path in (f"/mailboxes/{anhs_mail['box']['id']}", "/mailboxes?page_size=500"):
        assert SECRET not in suite.client.get(API + path, headers=people.anh.headers).get_data(as_text=True)  # fmt: skip


def test_only_an_admin_makes_a_personal_mailbox_for_someone_else(
    suite: Suite,
    people: People,
    smtp_server: SmtpServer,
) -> None:
    body = {
        "name": unique("Binh's "),
        "address": f"{unique()}@hoa-crm.vn",
        "owner_id": people.binh.id,
        "imap": {"host": "127.0.0.1", "port": 1},
        "smtp": {"host": smtp_server.host, "port": smtp_server.port},
    }
    refused = suite.client.post(f"{API}/mailboxes", json=body, headers=people.lan.headers)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["owner_id"]
    made = ok(suite.client.post(f"{API}/mailboxes", json=body, headers=people.admin.headers), 201)
    assert made["owner_id"] == people.binh.id
    assert ok(suite.client.get(f"{API}/mailboxes/{made['id']}", headers=people.binh.headers))
    assert suite.client.get(f"{API}/mailboxes/{made['id']}", headers=people.lan.headers).status_code == 404  # fmt: skip


def test_a_shared_mailbox_is_used_by_its_groups_as_far_as_their_permission_goes(
    suite: Suite,
    people: People,
    smtp_server: SmtpServer,
) -> None:
    north, south = groups_of(suite, people.chi), groups_of(suite, people.binh)
    box = mailbox(suite, smtp_server, people.admin, kind="shared")
    rights = f"{API}/mailboxes/{box['id']}/permissions"
    put = suite.client.put
    ok(put(rights, json=[{"group_id": north[0], "read": True}], headers=people.admin.headers))
    message = ok(send(suite, people.admin, box, "khach@example.org"), 201)
    chi, binh = people.chi.headers, people.binh.headers
    box_path = f"{API}/mailboxes/{box['id']}"
    assert suite.client.patch(box_path, json={"name": "Chi's"}, headers=chi).status_code == 403
    assert suite.client.delete(box_path, headers=chi).status_code == 403
    assert ok(suite.client.get(f"{API}/messages/{message['id']}", headers=chi))["id"] == message["id"]  # fmt: skip
    assert suite.client.get(f"{API}/messages/{message['id']}", headers=binh).status_code == 404
    assert send(suite, people.chi, box, "khach@example.org").status_code == 403
    assert put(rights, json=[{"group_id": south[0]}], headers=chi).status_code == 403
    assert suite.client.post(f"{API}/messages/{message['id']}/done", headers=chi).status_code in (403, 409)  # fmt: skip

    ok(put(rights, json=[{"group_id": north[0], "send": True}], headers=people.admin.headers))
    before = smtp_server.count()
    ok(send(suite, people.chi, box, "khach@example.org"), 201)
    assert smtp_server.count() == before + 1
    assert put(rights, json=[{"group_id": south[0]}], headers=chi).status_code == 403

    ok(put(rights, json=[{"group_id": north[0], "manage": True}], headers=people.admin.headers))
    both = [{"group_id": north[0], "manage": True}, {"group_id": south[0], "read": True}]
    ok(put(rights, json=both, headers=chi))
    renamed = ok(suite.client.patch(box_path, json={"name": "Miền Bắc"}, headers=chi))
    assert renamed["name"] == "Miền Bắc"
    assert suite.client.patch(box_path, json={"name": "Nam"}, headers=binh).status_code == 403
    assert ok(suite.client.get(f"{API}/messages/{message['id']}", headers=binh))["id"] == message["id"]  # fmt: skip
    assert send(suite, people.binh, box, "khach@example.org").status_code == 403


def test_a_manager_who_makes_a_shared_mailbox_gets_it_managed_by_his_group_and_hidden_from_others(
    suite: Suite,
    people: People,
    smtp_server: SmtpServer,
) -> None:
    box = mailbox(suite, smtp_server, people.binh, kind="shared")
    south = groups_of(suite, people.binh)
    assert box["kind"] == "shared"
    rights = f"{API}/mailboxes/{box['id']}/permissions"
    granted = ok(suite.client.get(rights, headers=people.binh.headers))
    assert [(p["group_id"], p["manage"]) for p in granted["items"]] == [(south[0], True)]
    assert suite.client.get(f"{API}/mailboxes/{box['id']}", headers=people.chi.headers).status_code == 404  # fmt: skip
    north = groups_of(suite, people.chi)
    both = [{"group_id": south[0], "manage": True}, {"group_id": north[0], "read": True}]
    ok(suite.client.put(rights, json=both, headers=people.binh.headers))
    assert ok(suite.client.get(f"{API}/mailboxes/{box['id']}", headers=people.chi.headers))["id"] == box["id"]  # fmt: skip


def test_a_shared_mailbox_is_refused_to_someone_in_no_group_and_nothing_is_saved(
    suite: Suite,
    people: People,
    smtp_server: SmtpServer,
) -> None:
    assert groups_of(suite, people.dung) == []
    before = ok(suite.client.get(f"{API}/mailboxes", headers=people.admin.headers))["total"]
    body = {
        "name": unique("Hộp thư "), "kind": "shared", "address": f"{unique('sales-')}@hoa-crm.vn",
        "imap": {"host": "127.0.0.1", "port": 1, "username": "u", "password": SECRET},
        "smtp": {"host": smtp_server.host, "port": smtp_server.port, "security": "none"},
    }  # fmt: skip
    refused = suite.client.post(f"{API}/mailboxes", json=body, headers=people.dung.headers)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json["errors"]] == ["kind"]
    assert ok(suite.client.get(f"{API}/mailboxes", headers=people.admin.headers))["total"] == before


def notified_of(suite: Suite, who: Person, message_id: str) -> list[dict[str, Any]]:
    mine = ok(suite.client.get(f"{API}/notifications?page_size=500", headers=who.headers))
    return [n for n in mine["items"] if n["ref_id"] == message_id]


def test_whoever_a_message_is_handed_to_is_told_in_the_bell_and_who_takes_it_himself_is_not(
    suite: Suite,
    people: People,
    anhs_mail: dict[str, Any],
    smtp_server: SmtpServer,
) -> None:
    box = mailbox(suite, smtp_server, people.admin, kind="shared")
    message = ok(send(suite, people.admin, box, "khach@example.org"), 201)
    assign = {"assignee_id": people.anh.id, "due_date": "2030-01-15"}
    ok(suite.client.post(f"{API}/messages/{message['id']}/assign", json=assign, headers=people.admin.headers))  # fmt: skip
    suite.deliver_events()
    [told] = notified_of(suite, people.anh, message["id"])
    assert told["kind"] == "mail_assigned"
    assert told["params"] == {"subject": message["subject"], "due_date": "2030-01-15"}
    assert notified_of(suite, people.chi, message["id"]) == []
    assert notified_of(suite, people.anh, anhs_mail["message"]["id"]) == []  # he took it himself


def test_an_assignment_is_marked_done_by_its_assignee_or_a_manager_of_the_mailbox(
    suite: Suite,
    people: People,
    smtp_server: SmtpServer,
) -> None:
    north = groups_of(suite, people.chi)
    box = mailbox(suite, smtp_server, people.admin, kind="shared")
    rights = f"{API}/mailboxes/{box['id']}/permissions"
    ok(suite.client.put(rights, json=[{"group_id": north[0], "send": True}], headers=people.admin.headers))  # fmt: skip
    message = ok(send(suite, people.admin, box, "khach@example.org"), 201)
    assign = {"assignee_id": people.anh.id, "due_date": "2030-01-01"}
    ok(suite.client.post(f"{API}/messages/{message['id']}/assign", json=assign, headers=people.chi.headers))  # fmt: skip
    done = f"{API}/messages/{message['id']}/done"
    assert suite.client.post(done, headers=people.chi.headers).status_code == 403
    assert suite.client.post(done, headers=people.binh.headers).status_code == 404
    assert ok(suite.client.post(done, headers=people.anh.headers))["assignment"] == "done"
