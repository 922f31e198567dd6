"""Fields a caller may not set are refused with 422 naming them, and nothing is applied: what
the system works out (status, ABC/XYZ, completeness, a deal's stage, status and dates, a task's
state), ids and timestamps, versions, another user's mailbox, roles one does not have."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pydantic import BaseModel

import gateway.app  # noqa: F401 - registers every operation on the spec
from gateway.api import spec
from gateway.openapi import Operation
from gateway.schemas.erp import Document
from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique, user_id
from tests.support import Suite

STAGES = [{"name": "Lead", "probability": 10}, {"name": "Won it", "probability": 90}]
ALWAYS_READ_ONLY = ("id", "created_at")


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def read_only_fields(operation: Operation) -> list[str]:
    """What the answer shows but the body does not take."""
    assert operation.body is not None
    taken = set(operation.body.model_fields)
    shown = set(operation.response.model_fields) if _is_model(operation.response) else set()
    return sorted((shown | set(ALWAYS_READ_ONLY)) - taken)


def around(operation: Operation) -> dict[str, Any]:
    """An ERP document must name its counterparty before its other fields are looked at."""
    return (
        {"counterparty_id": "c"} if operation.body and issubclass(operation.body, Document) else {}
    )


def _is_model(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, BaseModel) and "root" not in model.model_fields  # fmt: skip


BODIES = [
    op for op in spec.operations if op.body is not None and "root" not in op.body.model_fields
]


@pytest.mark.parametrize(
    "operation", BODIES, ids=[f"{op.method.upper()} {op.path}" for op in BODIES]
)
def test_every_body_refuses_the_fields_it_does_not_take_by_name(
    suite: Suite, admin: dict[str, str], operation: Operation
) -> None:
    path = operation.path.replace("{", "").replace("}", "")  # any id will do: 422 comes first
    for field in read_only_fields(operation):
        reply = suite.client.open(path, method=operation.method.upper(), json=around(operation) | {field: "x"}, headers=admin)  # fmt: skip
        assert reply.status_code == 422, (field, reply.get_json())
        named = [error["field"] for error in reply.get_json()["errors"]]
        assert field in named, (field, named)


def test_what_the_system_works_out_about_a_counterparty_cannot_be_set(
    suite: Suite, admin: dict[str, str]
) -> None:
    worked_out = {"status": "regular", "abc": "A", "xyz": "X", "completeness": 100}
    name = unique("Công ty ")
    for field, value in worked_out.items():
        reply = suite.client.post(f"{API}/counterparties", json={"name": name, field: value}, headers=admin)  # fmt: skip
        assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == field
    assert ok(suite.client.get(f"{API}/counterparties", query_string={"q": name}, headers=admin))["total"] == 0  # fmt: skip
    made = counterparty(suite, admin, name=name)
    for field, value in worked_out.items():
        reply = suite.client.patch(f"{API}/counterparties/{made['id']}", json={"name": "Đổi tên", field: value}, headers=admin)  # fmt: skip
        assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == field
    after = ok(suite.client.get(f"{API}/counterparties/{made['id']}", headers=admin))
    assert after == made


def test_a_deal_moves_and_closes_only_through_its_own_steps(
    suite: Suite, admin: dict[str, str]
) -> None:
    process = pipeline(suite, admin, "simple", STAGES)
    buyer = counterparty(suite, admin)
    opened = deal(suite, admin, process["id"], buyer["id"])
    last = process["stages"][-1]["id"]
    shortcuts = {
        "stage_id": last, "status": "won", "closed_at": "2025-01-01T00:00:00Z",
        "created_at": "2000-01-01T00:00:00Z", "pipeline_id": process["id"], "id": "mine",
        "lost_reason_id": "x", "probability_manual": True, "win_probability": 0.99,
    }  # fmt: skip
    for field, value in shortcuts.items():
        patched = suite.client.patch(f"{API}/deals/{opened['id']}", json={"title": "Đổi", field: value}, headers=admin)  # fmt: skip
        assert patched.status_code == 422, (field, patched.get_json())
        assert patched.get_json()["errors"][0]["field"] == field
        body = {"title": "D", "pipeline_id": process["id"], "counterparty_id": buyer["id"], field: value}  # fmt: skip
        if field != "pipeline_id":
            assert suite.client.post(f"{API}/deals", json=body, headers=admin).status_code == 422
    assert ok(suite.client.get(f"{API}/deals/{opened['id']}", headers=admin)) == opened
    listed = ok(suite.client.get(f"{API}/deals", query_string={"counterparty_id": buyer["id"]}, headers=admin))  # fmt: skip
    assert listed["total"] == 1


def test_a_task_is_done_only_by_completing_it(suite: Suite, admin: dict[str, str]) -> None:
    for field, value in {"status": "done", "completed_at": "2025-01-01T00:00:00Z", "stage_id": "s"}.items():  # fmt: skip
        body = {"title": "T", "assignee_id": suite.admin_id, "due_date": "2030-01-01", field: value}
        reply = suite.client.post(f"{API}/tasks", json=body, headers=admin)
        assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == field


def test_a_new_pipeline_neither_chooses_its_stage_ids_nor_takes_another_pipelines_stage(
    suite: Suite, admin: dict[str, str]
) -> None:
    other = pipeline(suite, admin, "simple", STAGES)
    for stage_id in ("chosen-by-me", other["stages"][0]["id"]):
        body = {"name": unique("P "), "stages": [{"id": stage_id, "name": "Mine", "probability": 5}]}  # fmt: skip
        reply = suite.client.post(f"{API}/pipelines", json=body, headers=admin)
        assert reply.status_code == 422, reply.get_json()
        assert reply.get_json()["errors"][0]["field"] == "stages.0.id"
    assert ok(suite.client.get(f"{API}/pipelines/{other['id']}", headers=admin)) == other


def test_a_contact_person_does_not_move_to_another_company_by_a_patch(
    suite: Suite, admin: dict[str, str]
) -> None:
    home, elsewhere = counterparty(suite, admin), counterparty(suite, admin)
    person = ok(suite.client.post(f"{API}/counterparties/{home['id']}/contacts", json={"full_name": "Chị Hoa"}, headers=admin), 201)  # fmt: skip
    moved = suite.client.patch(f"{API}/contacts/{person['id']}", json={"counterparty_id": elsewhere["id"]}, headers=admin)  # fmt: skip
    assert moved.status_code == 422 and moved.get_json()["errors"][0]["field"] == "counterparty_id"
    assert ok(suite.client.get(f"{API}/contacts/{person['id']}", headers=admin))["counterparty_id"] == home["id"]  # fmt: skip


def test_nobody_gives_themselves_the_admin_role(suite: Suite, admin: dict[str, str]) -> None:
    name = unique("minh")
    manager = suite.user(name, ["manager"])
    me = user_id(suite, manager)
    grab = {"username": name, "password": "p" * 10, "full_name": "Minh", "roles": ["admin"]}
    assert suite.client.post(f"{API}/users", json=grab, headers=manager).status_code == 403
    twin = grab | {"username": unique("minh-admin")}
    assert suite.client.post(f"{API}/users", json=twin, headers=manager).status_code == 403
    for field, value in {"id": me, "active": True, "created_at": "2020-01-01T00:00:00Z"}.items():
        reply = suite.client.post(f"{API}/users", json=twin | {field: value}, headers=admin)
        assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == field
    assert ok(suite.client.get(f"{API}/me", headers=manager))["roles"] == ["manager"]
    assert suite.client.get(f"{API}/api-keys", headers=manager).status_code == 403


def test_a_users_version_name_state_and_password_are_not_set_by_a_patch(
    suite: Suite, admin: dict[str, str]
) -> None:
    name = unique("hoa")
    body = {"username": name, "password": "p" * 10, "full_name": "Hoa", "roles": ["manager"]}
    made = ok(suite.client.post(f"{API}/users", json=body, headers=admin), 201)
    shortcuts = {
        "version": 99, "username": unique("other"), "active": False, "id": "mine",
        "password": "q" * 10, "must_change_password": True, "created_at": "2020-01-01T00:00:00Z",
    }  # fmt: skip
    for field, value in shortcuts.items():
        reply = suite.client.patch(f"{API}/users/{made['id']}", json={"full_name": "Đổi", field: value}, headers=admin)  # fmt: skip
        assert reply.status_code == 422, (field, reply.get_json())
        assert reply.get_json()["errors"][0]["field"] == field
    assert ok(suite.client.get(f"{API}/users/{made['id']}", headers=admin)) == made
    group = ok(suite.client.post(f"{API}/groups", json={"name": unique("G ")}, headers=admin), 201)
    for field, value in {"version": 5, "archived": True, "id": "mine"}.items():
        reply = suite.client.patch(f"{API}/groups/{group['id']}", json={"name": "N", field: value}, headers=admin)  # fmt: skip
        assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == field
    assert ok(suite.client.get(f"{API}/groups/{group['id']}", headers=admin)) == group


def test_an_api_key_is_never_one_the_caller_chose(suite: Suite, admin: dict[str, str]) -> None:
    chosen = "crm_" + unique() + "_" + unique()
    body = {"name": "ERP", "scopes": ["erp:write"], "key": chosen}
    reply = suite.client.post(f"{API}/api-keys", json=body, headers=admin)
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == "key"
    assert suite.client.get(f"{API}/orders", headers={"X-API-Key": chosen}).status_code == 401


def test_an_upload_does_not_choose_what_the_service_works_out_about_a_file(
    suite: Suite, admin: dict[str, str]
) -> None:
    buyer = counterparty(suite, admin)
    path = f"{API}/counterparties/{buyer['id']}/files"
    other = counterparty(suite, admin)
    shortcuts = {
        "sha256": "0" * 64, "size": "1", "version": "9", "id": "mine", "deal_id": "d",
        "counterparty_id": other["id"], "uploaded_by": "someone", "uploaded_at": "2020-01-01T00:00:00Z",
        "archived_at": "2020-01-01T00:00:00Z", "content_type": "text/html", "filename": "x.exe",
    }  # fmt: skip
    for field, value in shortcuts.items():
        data = {"file": (io.BytesIO(b"scan"), "Giấy phép.png"), field: value}
        reply = suite.client.post(path, data=data, headers=admin)
        assert reply.status_code == 422, (field, reply.get_json())
        assert [e["field"] for e in reply.get_json()["errors"]] == [field]
    assert ok(suite.client.get(path, headers=admin))["total"] == 0
    assert ok(suite.client.get(f"{API}/counterparties/{other['id']}/files", headers=admin))["total"] == 0  # fmt: skip


def test_a_mail_records_version_archive_and_history_are_not_set_by_a_patch(
    suite: Suite, admin: dict[str, str]
) -> None:
    server = {"host": "mail.hoa-crm.vn", "port": 993}
    box = {"name": unique("Hộp "), "kind": "shared", "address": f"{unique()}@hoa-crm.vn", "imap": server, "smtp": server}  # fmt: skip
    mailbox = ok(suite.client.post(f"{API}/mailboxes", json=box, headers=admin), 201)
    template = ok(suite.client.post(f"{API}/mail/templates", json={"name": unique("T "), "subject": "S", "body": "B"}, headers=admin), 201)  # fmt: skip
    group = ok(suite.client.post(f"{API}/mail/address-groups", json={"name": unique("G "), "members": []}, headers=admin), 201)  # fmt: skip
    rule = {"event": "contact.birthday", "template_id": template["id"], "mailbox_id": mailbox["id"]}
    made_rule = ok(suite.client.post(f"{API}/mail/rules", json=rule, headers=admin), 201)
    records = {
        f"/mailboxes/{mailbox['id']}": ({"name": "N"}, ("messages", "last_sync_at", "last_error")),
        f"/mail/templates/{template['id']}": ({"name": "N"}, ()),
        f"/mail/address-groups/{group['id']}": ({"name": "N"}, ("by_hand",)),
        f"/mail/rules/{made_rule['id']}": ({"enabled": False}, ()),
    }
    shortcuts = {
        "version": 9, "archived_at": "2020-01-01T00:00:00Z", "archived": True, "id": "mine",
        "created_at": "2020-01-01T00:00:00Z", "changes": {}, "actor_id": "someone",
    }  # fmt: skip
    for path, (change, shown) in records.items():
        before = ok(suite.client.get(f"{API}{path}", headers=admin))
        for field, value in (shortcuts | dict.fromkeys(shown, "x")).items():
            reply = suite.client.patch(f"{API}{path}", json=change | {field: value}, headers=admin)
            assert reply.status_code == 422, (path, field, reply.get_json())
            assert [e["field"] for e in reply.get_json()["errors"]] == [field]
        assert ok(suite.client.get(f"{API}{path}", headers=admin)) == before
    with_password = {"imap": {"password": "p", "sealed": "x"}}
    reply = suite.client.patch(
        f"{API}/mailboxes/{mailbox['id']}", json=with_password, headers=admin
    )
    assert reply.status_code == 422 and "sealed" in reply.get_json()["errors"][0]["field"]
