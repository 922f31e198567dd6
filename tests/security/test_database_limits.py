"""What the databases keep, the API takes, and nothing else, on SQLite and on PostgreSQL (which
refuses text with a NUL character and text longer than its column; each of those was a 500
there): such values are refused with 422 naming the field. And a machine's API key, which is
nobody, owns nothing it creates."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique
from tests.support import Suite

STAGES = [{"name": "Lead", "probability": 10}]
World = dict[str, Any]


@pytest.fixture(scope="module")
def world(suite: Suite) -> World:
    admin = suite.headers()
    buyer = counterparty(suite, admin)
    process = pipeline(suite, admin, "simple", STAGES)
    opened = deal(suite, admin, process["id"], buyer["id"])
    box = {"name": unique("Hộp "), "kind": "shared", "address": f"{unique()}@hoa-crm.vn"}
    server = {"host": "127.0.0.1", "port": 1}
    shared = ok(suite.client.post(f"{API}/mailboxes", json=box | {"imap": server, "smtp": server}, headers=admin), 201)  # fmt: skip
    campaign = ok(suite.client.post(f"{API}/campaigns", json={"name": unique("C ")}, headers=admin), 201)  # fmt: skip
    return {"buyer": buyer, "pipeline": process, "deal": opened, "mailbox": shared, "campaign": campaign}  # fmt: skip


Request = Callable[[World, str], tuple[str, str, Any]]
# fmt: off
TOO_LONG: list[tuple[str, int, Request]] = [
    ("name", 200, lambda w, v: ("post", "/groups", {"name": v})),
    ("name", 200, lambda w, v: ("post", "/api-keys", {"name": v, "scopes": ["erp:write"]})),
    ("name", 200, lambda w, v: ("post", "/pipelines", {"name": v, "stages": STAGES})),
    ("stages.0.name", 200, lambda w, v: ("post", "/pipelines", {"name": unique(), "stages": [{"name": v, "probability": 1}]})),
    ("name", 200, lambda w, v: ("post", "/lost-reasons", {"name": v})),
    ("channel", 100, lambda w, v: ("post", "/campaigns", {"name": unique(), "channel": v})),
    ("kind", 100, lambda w, v: ("post", f"/campaigns/{w['campaign']['id']}/responses", {"counterparty_id": w["buyer"]["id"], "kind": v})),
    ("name", 200, lambda w, v: ("post", "/mail/templates", {"name": v, "subject": "s", "body": "b"})),
    ("name", 200, lambda w, v: ("post", "/mail/address-groups", {"name": v, "criteria": {"region": "Huế"}})),
    ("region", 120, lambda w, v: ("patch", f"/counterparties/{w['buyer']['id']}", {"region": v})),
    ("industry", 120, lambda w, v: ("patch", f"/counterparties/{w['buyer']['id']}", {"industry": v})),
    ("position", 200, lambda w, v: ("post", f"/counterparties/{w['buyer']['id']}/contacts", {"full_name": "P", "position": v})),
    ("price_list", 200, lambda w, v: ("put", f"/counterparties/{w['buyer']['id']}/terms", {"price_list": v})),
    ("items.0.sku", 100, lambda w, v: ("put", f"/counterparties/{w['buyer']['id']}/supplier-profile", {"items": [{"sku": v, "name": "Gạo", "price": "1", "currency": "VND"}]})),
    ("lines.0.sku", 100, lambda w, v: ("post", "/erp/orders", {"external_id": unique(), "number": "1", "date": "2025-01-01", "counterparty_id": w["buyer"]["id"], "lines": [{"sku": v, "quantity": "1"}]})),
    ("deal_id", 36, lambda w, v: ("post", "/interactions", {"counterparty_id": w["buyer"]["id"], "kind": "note", "subject": "s", "deal_id": v})),
    ("counterparty_id", 36, lambda w, v: ("post", "/tasks", {"title": "T", "assignee_id": w["admin_id"], "due_date": "2030-01-01", "counterparty_id": v})),
    ("0.group_id", 36, lambda w, v: ("put", f"/mailboxes/{w['mailbox']['id']}/permissions", [{"group_id": v}])),
]
# fmt: on


@pytest.mark.parametrize(
    ("field", "longest", "request_with"),
    TOO_LONG,
    ids=[f"{number}-{field}" for number, (field, _, _) in enumerate(TOO_LONG)],
)
def test_a_value_longer_than_its_column_is_refused_by_name_and_the_longest_one_is_kept(
    suite: Suite, world: World, field: str, longest: int, request_with: Request
) -> None:
    admin = suite.headers()
    where = world | {"admin_id": suite.admin_id}
    method, path, body = request_with(where, "x" * (longest + 1))
    reply = getattr(suite.client, method)(API + path, json=body, headers=admin)
    assert reply.status_code == 422, reply.get_json()
    assert field in [e["field"] for e in reply.get_json()["errors"]], reply.get_json()
    method, path, body = request_with(where, unique()[:4] + "y" * (longest - 4))
    if field.endswith("_id"):  # the longest id is one that does not exist: refused, no 500
        kept = getattr(suite.client, method)(API + path, json=body, headers=admin)
        assert kept.status_code < 500, kept.get_json()
    else:
        kept = getattr(suite.client, method)(API + path, json=body, headers=admin)
        assert 200 <= kept.status_code < 300, kept.get_json()


def test_text_with_a_nul_character_is_refused_naming_where_it_was(
    suite: Suite, world: World
) -> None:
    admin, buyer = suite.headers(), world["buyer"]["id"]
    item = {"sku": "G\x00", "name": "Gạo", "price": "1", "currency": "VND"}
    # fmt: off
    sent = [
        ("post", "/counterparties", {"name": "An\x00Phát"}, "name"),
        ("patch", f"/counterparties/{buyer}", {"address": "12 Lê Lợi\x00"}, "address"),
        ("put", f"/counterparties/{buyer}/supplier-profile", {"items": [item]}, "items.0.sku"),
        ("put", f"/mailboxes/{world['mailbox']['id']}/permissions", [{"group_id": "g\x00"}], "0.group_id"),
        ("get", "/counterparties?q=an%00", None, "q"),
        ("get", "/counterparties/an%00phat", None, "counterparty_id"),
        ("get", "/deals/x%00/timeline", None, "deal_id"),
    ]
    # fmt: on
    for method, path, body, field in sent:
        reply = getattr(suite.client, method)(API + path, json=body, headers=admin)
        assert reply.status_code == 422, (path, reply.get_json())
        assert [e["field"] for e in reply.get_json()["errors"]] == [field]
    documents = f"{API}/pipelines/{world['pipeline']['id']}/documents"
    for title, filename, field in (("Quy\x00 trình", "a.pdf", "title"), ("Quy trình", "a\x00.pdf", "file")):  # fmt: skip
        upload = {"title": title, "file": (io.BytesIO(b"%PDF-1.4"), filename, "application/pdf")}
        reply = suite.client.post(documents, data=upload, headers=admin)
        assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == field


def test_text_with_a_lone_surrogate_is_refused_naming_the_field(suite: Suite, world: World) -> None:
    """JSON may escape half a character ("\\udafa"); it is no text, and it was a 500 (the fuzz
    run found it naming a deal source)."""
    admin, buyer = suite.headers(), world["buyer"]["id"]
    half = "l\udafa\u00d4A"  # a high half with no low one after it
    for method, path, body, field in (
        ("post", "/deal-sources", {"name": half}, "name"),
        ("patch", f"/counterparties/{buyer}", {"address": half}, "address"),
        ("post", "/counterparties", {"name": "An", half: "x"}, "body"),
    ):
        escaped = json.dumps(body)  # as a client sends it: "\\udafa", six ASCII characters
        call = getattr(suite.client, method)
        reply = call(API + path, data=escaped, content_type="application/json", headers=admin)
        assert reply.status_code == 422, (path, reply.get_json())
        assert [e["field"] for e in reply.get_json()["errors"]] == [field]


def test_an_api_key_with_a_nul_character_is_simply_not_a_key(suite: Suite) -> None:
    reply = suite.client.get(f"{API}/orders", headers={"X-API-Key": f"crm_{uuid.uuid4().hex}_a\x00b"})  # fmt: skip
    assert reply.status_code == 401


def test_what_a_machines_key_creates_has_no_owner_and_a_personal_mailbox_needs_a_person(
    suite: Suite, world: World
) -> None:
    made = ok(suite.client.post(f"{API}/api-keys", json={"name": "Web form", "scopes": ["deals:write", "contacts:write", "mail:write"]}, headers=suite.headers()), 201)  # fmt: skip
    key = {"X-API-Key": made["key"]}
    post, buyer = suite.client.post, world["buyer"]["id"]
    opened = ok(post(f"{API}/deals", json={"title": "Từ web", "pipeline_id": world["pipeline"]["id"], "counterparty_id": buyer}, headers=key), 201)  # fmt: skip
    assert opened["owner_id"] is None
    logged = ok(post(f"{API}/interactions", json={"counterparty_id": buyer, "kind": "note", "subject": "Form"}, headers=key), 201)  # fmt: skip
    assert logged["owner_id"] is None
    answer = ok(post(f"{API}/campaigns/{world['campaign']['id']}/responses", json={"prospect": {"name": "Bà Sáu"}, "kind": "form"}, headers=key), 201)  # fmt: skip
    converted = ok(post(f"{API}/campaign-responses/{answer['id']}/convert", json={"pipeline_id": world["pipeline"]["id"]}, headers=key), 201)  # fmt: skip
    assert converted["owner_id"] is None
    box = {"name": "Máy", "address": f"{unique()}@hoa-crm.vn", "imap": {"host": "127.0.0.1", "port": 1}, "smtp": {"host": "127.0.0.1", "port": 1}}  # fmt: skip
    personal = post(f"{API}/mailboxes", json=box, headers=key)
    assert personal.status_code == 422 and personal.get_json()["errors"][0]["field"] == "owner_id"


def test_an_entry_named_again_in_other_letter_case_is_the_one_already_there(suite: Suite) -> None:
    """SQLite folds only ASCII letters; "Ô" and "ô" are one name all the same (it was a 500)."""
    name = unique("Hội chợ ÔA ") + "\U000ce869"
    first = ok(suite.client.post(f"{API}/deal-sources", json={"name": name}, headers=suite.headers()), 201)  # fmt: skip
    again = suite.client.post(f"{API}/deal-sources", json={"name": name.lower()}, headers=suite.headers())  # fmt: skip
    assert again.status_code == 409 and again.get_json()["existing_id"] == first["id"]
