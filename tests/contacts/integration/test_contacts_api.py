"""Every Contacts endpoint of API.md through the gateway, gRPC and a real database:
SQLite (the laptop default) and PostgreSQL (production), each in its own fresh database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support import Suite

API = "/api/v1"


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def unique(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def tax_id() -> str:
    return str(uuid.uuid4().int)[:10]


def create(suite: Suite, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": unique("Company "), **fields}
    reply = suite.client.post(f"{API}/counterparties", json=body, headers=headers)
    assert reply.status_code == 201, reply.get_json()
    created: dict[str, Any] = reply.get_json()
    return created


def field_errors(reply: Any) -> list[str]:
    assert reply.status_code == 422, reply.get_json()
    assert reply.content_type == "application/problem+json"
    return [error["field"] for error in reply.get_json()["errors"]]


# -- counterparties ------------------------------------------------------------------------
def test_a_registered_counterparty_reads_back_with_status_and_completeness(
    suite: Suite, admin: dict[str, str]
) -> None:
    created = create(suite, admin, tax_id=tax_id(), region="Hà Nội", roles=["customer", "supplier"])
    reply = suite.client.get(f"{API}/counterparties/{created['id']}", headers=admin)
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["roles"] == ["customer", "supplier"]
    assert body["legal_kind"] == "legal_entity"
    assert body["status"] == "potential"
    assert body["abc"] is None and body["xyz"] is None
    assert body["completeness"] == 44  # name, legal kind, tax id, region of nine
    assert reply.headers.get("X-Request-ID")


def test_vietnamese_names_are_found_without_diacritics_and_in_any_case(
    suite: Suite, admin: dict[str, str]
) -> None:
    marker = unique()
    created = create(
        suite,
        admin,
        name=f"Công ty Đông Á Nguyễn Văn An {marker}",
        phone="+84 (28) 3822-1234",
        email=f"an.{marker}@example.vn",
    )
    for q in (
        f"cong ty dong a nguyen van an {marker}",
        f"NGUYEN VAN AN {marker}",
        f"an.{marker}@EXAMPLE.vn",
        "2838221234",
        marker,
    ):
        reply = suite.client.get(f"{API}/counterparties", query_string={"q": q}, headers=admin)
        assert [item["id"] for item in reply.get_json()["items"]] == [created["id"]], q


def test_a_known_tax_id_or_email_warns_with_the_existing_id_unless_forced(
    suite: Suite, admin: dict[str, str]
) -> None:
    first = create(suite, admin, tax_id=tax_id(), email=f"{unique()}@example.com")
    for clash in ({"tax_id": first["tax_id"]}, {"email": first["email"].upper()}):
        reply = suite.client.post(
            f"{API}/counterparties", json={"name": "Another", **clash}, headers=admin
        )
        assert reply.status_code == 409
        assert reply.get_json()["existing_id"] == first["id"]
    forced = suite.client.post(
        f"{API}/counterparties",
        json={"name": "Another", "tax_id": first["tax_id"], "force": True},
        headers=admin,
    )
    assert forced.status_code == 201


def test_the_list_filters_by_role_region_industry_owner_group_and_status(
    suite: Suite, admin: dict[str, str]
) -> None:
    region, industry = unique("Region "), unique("Industry ")
    group = suite.client.post(
        f"{API}/company-groups", json={"name": unique("Holding ")}, headers=admin
    ).get_json()
    supplier = create(
        suite,
        admin,
        region=region,
        industry=industry,
        roles=["supplier"],
        owner_id=suite.admin_id,
        group_id=group["id"],
    )
    create(suite, admin, region=region, roles=["customer"])
    cases = [
        ({"region": region}, 2),
        ({"region": region, "role": "supplier"}, 1),
        ({"industry": industry}, 1),
        ({"group_id": group["id"]}, 1),
        ({"region": region, "owner_id": suite.admin_id}, 1),
        ({"region": region, "status": "potential"}, 2),
        ({"region": region, "status": "regular"}, 0),
        ({"region": region, "abc": "A"}, 0),
    ]
    for query, expected in cases:
        body = suite.client.get(
            f"{API}/counterparties", query_string=query, headers=admin
        ).get_json()
        assert body["total"] == expected, query
    only = suite.client.get(
        f"{API}/counterparties", query_string={"industry": industry}, headers=admin
    ).get_json()
    assert only["items"][0]["id"] == supplier["id"]


def test_a_screen_asks_for_just_the_counterparties_of_its_rows_by_their_ids(
    suite: Suite, admin: dict[str, str]
) -> None:
    region = unique("Board ")
    first, second, _ = (create(suite, admin, region=region) for _ in range(3))

    def found(ids: str) -> Any:
        return suite.client.get(f"{API}/counterparties", query_string={"ids": ids}, headers=admin)

    named = found(f"{first['id']},{second['id']},no-such-id").get_json()
    assert {item["id"] for item in named["items"]} == {first["id"], second["id"]}
    refused = found("a,,b")
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "ids"


def test_the_list_is_paged(suite: Suite, admin: dict[str, str]) -> None:
    region = unique("Paged ")
    for _ in range(3):
        create(suite, admin, region=region)
    first = suite.client.get(
        f"{API}/counterparties", query_string={"region": region, "page_size": 2}, headers=admin
    ).get_json()
    second = suite.client.get(
        f"{API}/counterparties",
        query_string={"region": region, "page_size": 2, "page": 2},
        headers=admin,
    ).get_json()
    assert (first["total"], len(first["items"]), first["page"], first["page_size"]) == (3, 2, 1, 2)
    assert len(second["items"]) == 1
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    too_big = suite.client.get(
        f"{API}/counterparties", query_string={"page_size": 501}, headers=admin
    )
    assert field_errors(too_big) == ["page_size"]


def test_patch_changes_only_the_given_fields_and_null_clears_one(
    suite: Suite, admin: dict[str, str]
) -> None:
    created = create(suite, admin, phone="0901234567", region="Huế")
    reply = suite.client.patch(
        f"{API}/counterparties/{created['id']}",
        json={"phone": None, "industry": "Food"},
        headers=admin,
    )
    assert reply.status_code == 200
    body = reply.get_json()
    assert (body["phone"], body["industry"], body["region"], body["name"]) == (
        None,
        "Food",
        "Huế",
        created["name"],
    )


def test_a_division_cannot_be_its_own_ancestor(suite: Suite, admin: dict[str, str]) -> None:
    parent = create(suite, admin)
    child = create(suite, admin, parent_id=parent["id"])
    reply = suite.client.patch(
        f"{API}/counterparties/{parent['id']}", json={"parent_id": child["id"]}, headers=admin
    )
    assert field_errors(reply) == ["parent_id"]


# -- errors --------------------------------------------------------------------------------
def test_unknown_ids_are_404(suite: Suite, admin: dict[str, str]) -> None:
    missing = str(uuid.uuid4())
    calls = [
        ("get", f"/counterparties/{missing}", None),
        ("patch", f"/counterparties/{missing}", {"region": "x"}),
        ("delete", f"/counterparties/{missing}", None),
        ("get", f"/counterparties/{missing}/relationships", None),
        ("get", f"/counterparties/{missing}/supplier-profile", None),
        ("put", f"/counterparties/{missing}/supplier-profile", {"reliability": 5}),
        ("get", f"/counterparties/{missing}/terms", None),
        ("put", f"/counterparties/{missing}/terms", {"payment_days": 5}),
        ("get", f"/counterparties/{missing}/timeline", None),
        ("post", f"/counterparties/{missing}/contacts", {"full_name": "A B"}),
        ("get", f"/contacts/{missing}", None),
        ("patch", f"/contacts/{missing}", {"position": "x"}),
        ("get", f"/contacts?counterparty_id={missing}", None),
    ]
    for method, path, body in calls:
        reply = getattr(suite.client, method)(API + path, json=body, headers=admin)
        assert reply.status_code == 404, (method, path, reply.get_json())
        assert reply.content_type == "application/problem+json"


def test_invalid_fields_are_422_naming_the_field(suite: Suite, admin: dict[str, str]) -> None:
    cp = create(suite, admin)
    cases = [
        ("post", "/counterparties", {"name": ""}, "name"),
        ("post", "/counterparties", {"name": "A", "legal_kind": "corporation"}, "legal_kind"),
        ("post", "/counterparties", {"name": "A", "roles": ["buyer"]}, "roles.0"),
        ("post", "/counterparties", {"name": "A", "email": "not-an-address"}, "email"),
        ("post", "/counterparties", {"name": "A", "phone": "call me"}, "phone"),
        ("post", "/counterparties", {"name": "A", "colour": "red"}, "colour"),
        ("post", "/counterparties", {"name": "A", "group_id": "no-such-group"}, "group_id"),
        ("post", "/counterparties", {"name": "A", "parent_id": "no-such-parent"}, "parent_id"),
        ("post", "/counterparties", {"name": "A", "owner_id": "no-such-user"}, "owner_id"),
        ("patch", f"/counterparties/{cp['id']}", {"name": None}, "name"),
        ("patch", f"/counterparties/{cp['id']}", {"status": "regular"}, "status"),
        (
            "post",
            f"/counterparties/{cp['id']}/contacts",
            {"full_name": "A", "birthday": "31-12-1990"},
            "birthday",
        ),
        (
            "post",
            "/relationships",
            {"from_id": cp["id"], "to_id": cp["id"], "kind": "partner_of"},
            "to_id",
        ),
        (
            "post",
            "/relationships",
            {"from_id": cp["id"], "to_id": "nobody", "kind": "partner_of"},
            "to_id",
        ),
        (
            "post",
            "/relationships",
            {"from_id": cp["id"], "to_id": "x", "kind": "friend_of"},
            "kind",
        ),
        (
            "post",
            "/interactions",
            {"counterparty_id": cp["id"], "kind": "visit", "subject": "x"},
            "kind",
        ),
        (
            "post",
            "/interactions",
            {
                "counterparty_id": cp["id"],
                "kind": "call",
                "subject": "x",
                "planned_at": "2026-05-01T09:00:00",
            },
            "planned_at",
        ),
        (
            "post",
            "/interactions",
            {"counterparty_id": "nobody", "kind": "call", "subject": "x"},
            "counterparty_id",
        ),
        (
            "put",
            f"/counterparties/{cp['id']}/supplier-profile",
            {"reliability": 101},
            "reliability",
        ),
        (
            "put",
            f"/counterparties/{cp['id']}/supplier-profile",
            {"items": [{"sku": "A", "name": "A", "price": "abc", "currency": "VND"}]},
            "items.0.price",
        ),
        (
            "put",
            f"/counterparties/{cp['id']}/terms",
            {"discount_percent": "120"},
            "discount_percent",
        ),
        ("put", f"/counterparties/{cp['id']}/terms", {"payment_days": -1}, "payment_days"),
    ]
    for method, path, body, field in cases:
        reply = getattr(suite.client, method)(API + path, json=body, headers=admin)
        assert field in field_errors(reply), (path, body, reply.get_json())


def test_a_body_that_is_not_json_is_400(suite: Suite, admin: dict[str, str]) -> None:
    reply = suite.client.post(
        f"{API}/counterparties",
        data="{name:",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert reply.status_code == 400
    assert reply.content_type == "application/problem+json"


CONTACTS_ENDPOINTS = [
    ("post", "/counterparties"), ("get", "/counterparties"), ("get", "/counterparties/x"),
    ("patch", "/counterparties/x"), ("delete", "/counterparties/x"), ("post", "/company-groups"),
    ("get", "/company-groups"), ("post", "/counterparties/x/contacts"), ("get", "/contacts"),
    ("get", "/contacts/x"), ("patch", "/contacts/x"), ("post", "/relationships"),
    ("get", "/counterparties/x/relationships"), ("post", "/interactions"), ("get", "/interactions"),
    ("put", "/counterparties/x/supplier-profile"), ("get", "/counterparties/x/supplier-profile"),
    ("put", "/counterparties/x/terms"), ("get", "/counterparties/x/terms"), ("get", "/counterparties/x/timeline"),
]  # fmt: skip


def test_every_contacts_endpoint_wants_credentials(suite: Suite) -> None:
    for method, path in CONTACTS_ENDPOINTS:
        reply = getattr(suite.client, method)(API + path, json={})
        assert reply.status_code == 401, (method, path)
        bad = getattr(suite.client, method)(
            API + path, json={}, headers={"Authorization": "Bearer not-a-token"}
        )
        assert bad.status_code == 401, (method, path)


def test_a_viewer_reads_but_cannot_write(suite: Suite, admin: dict[str, str]) -> None:
    viewer = suite.user(unique("viewer"), ["viewer"])
    cp = create(suite, admin)
    assert suite.client.get(f"{API}/counterparties/{cp['id']}", headers=viewer).status_code == 200
    assert suite.client.get(f"{API}/counterparties", headers=viewer).status_code == 200
    for method, path in CONTACTS_ENDPOINTS:
        if method != "get":
            reply = getattr(suite.client, method)(
                API + path.replace("/x", f"/{cp['id']}"), json={"name": "n"}, headers=viewer
            )
            assert reply.status_code == 403, (method, path, reply.get_json())


# -- the rest of the section ---------------------------------------------------------------
def test_company_groups_are_listed_and_a_name_is_used_once(
    suite: Suite, admin: dict[str, str]
) -> None:
    name = unique("Tập đoàn ")
    created = suite.client.post(f"{API}/company-groups", json={"name": name}, headers=admin)
    assert created.status_code == 201
    again = suite.client.post(f"{API}/company-groups", json={"name": name}, headers=admin)
    assert again.status_code == 409
    listed = suite.client.get(
        f"{API}/company-groups", query_string={"page_size": 500}, headers=admin
    ).get_json()
    assert name in [group["name"] for group in listed["items"]]


def test_a_contact_person_completes_the_card_and_can_be_changed(
    suite: Suite, admin: dict[str, str]
) -> None:
    cp = create(suite, admin)
    before = cp["completeness"]
    reply = suite.client.post(
        f"{API}/counterparties/{cp['id']}/contacts",
        json={
            "full_name": "Trần Thị Bích",
            "position": "Kế toán trưởng",
            "birthday": "1985-03-08",
            "email": "bich@example.vn",
        },
        headers=admin,
    )
    assert reply.status_code == 201
    contact = reply.get_json()
    assert contact["birthday"] == "1985-03-08"
    after = suite.client.get(f"{API}/counterparties/{cp['id']}", headers=admin).get_json()[
        "completeness"
    ]
    assert after > before
    patched = suite.client.patch(
        f"{API}/contacts/{contact['id']}", json={"position": "Giám đốc tài chính"}, headers=admin
    ).get_json()
    assert (patched["position"], patched["full_name"]) == ("Giám đốc tài chính", "Trần Thị Bích")
    assert suite.client.get(f"{API}/contacts/{contact['id']}", headers=admin).get_json() == patched
    listed = suite.client.get(
        f"{API}/contacts", query_string={"counterparty_id": cp["id"]}, headers=admin
    ).get_json()
    assert [c["id"] for c in listed["items"]] == [contact["id"]]


def test_relationships_are_listed_from_both_ends_and_not_twice(
    suite: Suite, admin: dict[str, str]
) -> None:
    a, b = create(suite, admin), create(suite, admin)
    link = {"from_id": a["id"], "to_id": b["id"], "kind": "supplier_of"}
    assert suite.client.post(f"{API}/relationships", json=link, headers=admin).status_code == 201
    assert suite.client.post(f"{API}/relationships", json=link, headers=admin).status_code == 409
    for side in (a, b):
        listed = suite.client.get(
            f"{API}/counterparties/{side['id']}/relationships", headers=admin
        ).get_json()
        assert [(r["from_id"], r["to_id"], r["kind"]) for r in listed["items"]] == [
            (a["id"], b["id"], "supplier_of")
        ]


def test_interactions_are_filtered_by_counterparty_owner_and_planned_window(
    suite: Suite, admin: dict[str, str]
) -> None:
    cp = create(suite, admin)
    planned = {
        "counterparty_id": cp["id"],
        "kind": "meeting",
        "subject": "Ký hợp đồng",
        "planned_at": "2031-05-01T09:00:00+07:00",
        "owner_id": suite.admin_id,
    }
    done = {
        "counterparty_id": cp["id"],
        "kind": "call",
        "subject": "Chào hàng",
        "done_at": "2031-04-01T09:00:00+07:00",
    }
    assert suite.client.post(f"{API}/interactions", json=planned, headers=admin).status_code == 201
    assert suite.client.post(f"{API}/interactions", json=done, headers=admin).status_code == 201
    everything = suite.client.get(
        f"{API}/interactions", query_string={"counterparty_id": cp["id"]}, headers=admin
    ).get_json()
    assert [i["subject"] for i in everything["items"]] == ["Ký hợp đồng", "Chào hàng"]
    window = {
        "counterparty_id": cp["id"],
        "planned_from": "2031-05-01T00:00:00+07:00",
        "planned_to": "2031-05-02T00:00:00+07:00",
    }
    in_window = suite.client.get(
        f"{API}/interactions", query_string=window, headers=admin
    ).get_json()
    assert [i["subject"] for i in in_window["items"]] == ["Ký hợp đồng"]
    mine = suite.client.get(
        f"{API}/interactions",
        query_string={"counterparty_id": cp["id"], "owner_id": suite.admin_id},
        headers=admin,
    ).get_json()
    assert mine["total"] == 2  # the caller owns what they log without naming an owner


def test_a_supplier_profile_keeps_its_assortment_and_agreed_prices(
    suite: Suite, admin: dict[str, str]
) -> None:
    cp = create(suite, admin, roles=["customer"])
    empty = suite.client.get(
        f"{API}/counterparties/{cp['id']}/supplier-profile", headers=admin
    ).get_json()
    assert empty["items"] == [] and empty["reliability"] is None
    profile = {
        "delivery_terms": "DAP Hải Phòng",
        "reliability": 92,
        "lead_time_days": 14,
        "items": [
            {"sku": "ST-01", "name": "Thép cuộn", "price": "18500000.00", "currency": "VND"},
            {"sku": "ST-02", "name": "Thép tấm", "price": "21000000", "currency": "VND"},
        ],
    }
    reply = suite.client.put(
        f"{API}/counterparties/{cp['id']}/supplier-profile", json=profile, headers=admin
    )
    assert reply.status_code == 200
    stored = suite.client.get(
        f"{API}/counterparties/{cp['id']}/supplier-profile", headers=admin
    ).get_json()
    assert [(i["sku"], i["price"]) for i in stored["items"]] == [
        ("ST-01", "18500000.00"),
        ("ST-02", "21000000.00"),
    ]
    assert stored["reliability"] == 92 and stored["lead_time_days"] == 14
    replaced = suite.client.put(
        f"{API}/counterparties/{cp['id']}/supplier-profile",
        json={"items": [profile["items"][0]]},
        headers=admin,
    ).get_json()
    assert len(replaced["items"]) == 1
    roles = suite.client.get(f"{API}/counterparties/{cp['id']}", headers=admin).get_json()["roles"]
    assert "supplier" in roles


def test_individual_customer_terms_round_trip(suite: Suite, admin: dict[str, str]) -> None:
    cp = create(suite, admin)
    terms = {"discount_percent": "7.5", "price_list": "Đại lý cấp 1", "payment_days": 45}
    assert (
        suite.client.put(
            f"{API}/counterparties/{cp['id']}/terms", json=terms, headers=admin
        ).status_code
        == 200
    )
    stored = suite.client.get(f"{API}/counterparties/{cp['id']}/terms", headers=admin).get_json()
    assert (stored["discount_percent"], stored["price_list"], stored["payment_days"]) == (
        "7.50",
        "Đại lý cấp 1",
        45,
    )


def test_the_timeline_shows_interactions_newest_first(suite: Suite, admin: dict[str, str]) -> None:
    cp = create(suite, admin)
    for subject, at in (("old", "2030-01-01T08:00:00+00:00"), ("new", "2030-02-01T08:00:00+00:00")):
        body = {"counterparty_id": cp["id"], "kind": "note", "subject": subject, "done_at": at}
        suite.client.post(f"{API}/interactions", json=body, headers=admin)
    timeline = suite.client.get(
        f"{API}/counterparties/{cp['id']}/timeline", headers=admin
    ).get_json()
    assert [(e["title"], e["kind"]) for e in timeline["items"]] == [
        ("new", "note"),
        ("old", "note"),
    ]


def test_an_idempotency_key_replays_the_first_response_and_refuses_another_body(
    suite: Suite, admin: dict[str, str]
) -> None:
    key = {"Idempotency-Key": unique("key-"), **admin}
    body = {"name": unique("Idempotent "), "tax_id": tax_id()}
    first = suite.client.post(f"{API}/counterparties", json=body, headers=key)
    second = suite.client.post(f"{API}/counterparties", json=body, headers=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    listed = suite.client.get(
        f"{API}/counterparties", query_string={"q": body["name"]}, headers=admin
    ).get_json()
    assert listed["total"] == 1
    other = suite.client.post(f"{API}/counterparties", json={**body, "region": "x"}, headers=key)
    assert other.status_code == 409


def test_an_external_id_from_the_erp_belongs_to_one_counterparty(
    suite: Suite, admin: dict[str, str]
) -> None:
    code = unique("KH-")
    first = create(suite, admin, external_id=code)
    assert first["external_id"] == code
    clash = suite.client.post(
        f"{API}/counterparties",
        json={"name": "Other", "external_id": code, "force": True},
        headers=admin,
    )
    assert clash.status_code == 409 and clash.get_json()["existing_id"] == first["id"]
    other = create(suite, admin)
    moved = suite.client.patch(
        f"{API}/counterparties/{other['id']}", json={"external_id": code}, headers=admin
    )
    assert moved.status_code == 409
