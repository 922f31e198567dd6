"""Counterparties, contact persons and interactions are changed, archived and restored as
API.md's "Second wave" says, through the gateway, gRPC and a real database; each change is in
the audit with its old and new values, and the projections (deals' timelines, analytics) follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from services.deals.service_layer import reminders
from tests.deals.integration.helpers import API, counterparty, deal, history, ok, pipeline, unique
from tests.support import Suite


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def sales_flow(suite: Suite, admin: dict[str, str]) -> dict[str, Any]:
    """A simple pipeline of two stages, and what deals heard of the counterparties so far."""
    stages = [{"name": "Mới", "probability": 10}, {"name": "Hợp đồng", "probability": 80}]
    flow = pipeline(suite, admin, "simple", stages)
    suite.deliver_events()
    return flow


def customer_deleted(suite: Suite, counterparty_id: str) -> bool:
    """What analytics' projection says of the counterparty."""
    with suite.analytics.engine.connect() as conn:
        query = text("SELECT deleted FROM customers WHERE id = :id")
        return bool(conn.execute(query, {"id": counterparty_id}).scalar_one())


def matching(what: dict[str, str], entity: str, suite: Suite, admin: dict[str, str]) -> int:
    reply = suite.client.get(f"{API}/{entity}", query_string=what, headers=admin)
    return ok(reply)["total"]  # type: ignore[no-any-return]


def test_a_patch_changes_only_what_was_sent_and_the_audit_says_old_and_new(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin, region="Huế", phone="0905 123 456")
    assert card["version"] == 1
    reply = suite.client.patch(
        f"{API}/counterparties/{card['id']}", json={"region": "Đà Nẵng"}, headers=admin
    )
    changed = ok(reply)
    assert (changed["region"], changed["phone"], changed["version"]) == (
        "Đà Nẵng",
        card["phone"],
        2,
    )
    assert reply.headers["ETag"] == '"2"'
    newest = history(suite, admin, "counterparty", card["id"])[0]
    assert (newest["action"], newest["changes"]) == ("updated", {"region": ["Huế", "Đà Nẵng"]})
    assert newest["actor_kind"] == "user" and newest["actor_id"] == suite.admin_id
    assert newest["request_id"] == reply.headers["X-Request-ID"]


def test_a_change_with_a_stale_if_match_is_a_412_and_changes_nothing(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin, region="Huế")
    path = f"{API}/counterparties/{card['id']}"
    ok(suite.client.patch(path, json={"region": "Vinh"}, headers={**admin, "If-Match": '"1"'}))
    stale = suite.client.patch(
        path, json={"region": "Hà Nội"}, headers={**admin, "If-Match": '"1"'}
    )
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    refused = suite.client.delete(path, headers={**admin, "If-Match": '"1"'})
    assert refused.status_code == 412
    now = ok(suite.client.get(path, headers=admin))
    assert (now["region"], now["version"], now["archived_at"]) == ("Vinh", 2, None)


def test_version_and_archived_at_cannot_be_sent(suite: Suite, admin: dict[str, str]) -> None:
    card = counterparty(suite, admin)
    for field, value in (("version", 7), ("archived_at", "2026-01-01T00:00:00Z")):
        reply = suite.client.patch(
            f"{API}/counterparties/{card['id']}", json={field: value}, headers=admin
        )
        assert reply.status_code == 422
        assert [e["field"] for e in reply.get_json()["errors"]] == [field]


def test_an_archived_counterparty_leaves_the_lists_stays_readable_and_comes_back_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    name = unique("Archived Co ")
    card = counterparty(suite, admin, name=name)
    path = f"{API}/counterparties/{card['id']}"
    assert suite.client.delete(path, headers=admin).status_code == 204
    read = ok(suite.client.get(path, headers=admin))
    assert read["archived_at"] is not None and read["name"] == name
    assert matching({"q": name}, "counterparties", suite, admin) == 0
    assert matching({"q": name, "archived": "true"}, "counterparties", suite, admin) == 1
    refused = suite.client.patch(path, json={"region": "Huế"}, headers=admin)
    assert refused.status_code == 409  # archived: restore it first
    restored = ok(suite.client.post(f"{path}/restore", headers=admin))
    assert restored["archived_at"] is None and restored["version"] == 3
    assert matching({"q": name}, "counterparties", suite, admin) == 1
    actions = [entry["action"] for entry in history(suite, admin, "counterparty", card["id"])]
    assert actions == ["restored", "archived", "created"]


def test_deals_and_analytics_follow_a_counterparty_archived_and_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin)
    flow = sales_flow(suite, admin)
    ok(suite.client.delete(f"{API}/counterparties/{card['id']}", headers=admin), 204)
    suite.deliver_events()
    assert customer_deleted(suite, card["id"])  # out of the classification and the reports
    body = {"title": "After archive", "pipeline_id": flow["id"], "counterparty_id": card["id"]}
    refused = suite.client.post(f"{API}/deals", json=body, headers=admin)
    assert refused.status_code == 422  # deals has heard it is archived
    ok(suite.client.post(f"{API}/counterparties/{card['id']}/restore", headers=admin))
    suite.deliver_events()
    assert not customer_deleted(suite, card["id"])
    deal(suite, admin, flow["id"], card["id"])  # and that it is back


def test_a_contact_person_is_changed_archived_and_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin)
    person = ok(
        suite.client.post(
            f"{API}/counterparties/{card['id']}/contacts",
            json={"full_name": "Lê Văn Tám", "position": "Kế toán"},
            headers=admin,
        ),
        201,
    )
    path = f"{API}/contacts/{person['id']}"
    changed = ok(suite.client.patch(path, json={"position": "Kế toán trưởng"}, headers=admin))
    assert (changed["full_name"], changed["position"], changed["version"]) == (
        "Lê Văn Tám", "Kế toán trưởng", 2,
    )  # fmt: skip
    stale = suite.client.patch(
        path, json={"phone": "0905 123 456"}, headers={**admin, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert suite.client.delete(path, headers=admin).status_code == 204
    of_card = {"counterparty_id": card["id"]}
    assert matching(of_card, "contacts", suite, admin) == 0
    assert ok(suite.client.get(path, headers=admin))["archived_at"] is not None
    ok(suite.client.post(f"{path}/restore", headers=admin))
    assert matching(of_card, "contacts", suite, admin) == 1
    entries = history(suite, admin, "contact", person["id"])
    assert [e["action"] for e in entries] == ["restored", "archived", "updated", "created"]
    assert entries[2]["changes"] == {"position": ["Kế toán", "Kế toán trưởng"]}


def test_a_planned_call_is_rescheduled_marked_done_with_its_outcome_and_counted(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    body = {
        "counterparty_id": card["id"],
        "kind": "call",
        "subject": "Gọi lại về báo giá",
        "planned_at": (yesterday - timedelta(days=1)).isoformat(),
    }
    planned = ok(suite.client.post(f"{API}/interactions", json=body, headers=admin), 201)
    path = f"{API}/interactions/{planned['id']}"
    moved = ok(suite.client.patch(path, json={"planned_at": yesterday.isoformat()}, headers=admin))
    assert moved["overdue"] and moved["done_at"] is None and moved["subject"] == body["subject"]
    done = ok(
        suite.client.post(
            f"{path}/done",
            json={"outcome": "Khách đặt hàng tháng 5"},
            headers={**admin, "If-Match": '"2"'},
        )
    )
    assert done["outcome"] == "Khách đặt hàng tháng 5" and not done["overdue"]
    assert done["done_at"] is not None and done["version"] == 3
    actions = [e["action"] for e in history(suite, admin, "interaction", planned["id"])]
    assert actions == ["done", "rescheduled", "created"]
    suite.deliver_events()
    today = datetime.now(UTC).date()
    window = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    rows = ok(suite.client.get(f"{API}/analytics/managers", query_string=window, headers=admin))
    mine = next(row for row in rows["items"] if row["owner_id"] == suite.admin_id)
    assert mine["contacts"] >= 1


def test_an_archived_interaction_leaves_the_log_the_deal_timeline_and_comes_back_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin)
    flow = sales_flow(suite, admin)
    opened = deal(suite, admin, flow["id"], card["id"])
    body = {
        "counterparty_id": card["id"],
        "deal_id": opened["id"],
        "kind": "note",
        "subject": "Ghi chú",
    }
    note = ok(suite.client.post(f"{API}/interactions", json=body, headers=admin), 201)
    suite.deliver_events()

    def on_deal_timeline() -> bool:
        entries = ok(suite.client.get(f"{API}/deals/{opened['id']}/timeline", headers=admin))
        return any(entry["ref_id"] == note["id"] for entry in entries["items"])

    assert on_deal_timeline()
    path = f"{API}/interactions/{note['id']}"
    assert suite.client.delete(path, headers=admin).status_code == 204
    suite.deliver_events()
    assert not on_deal_timeline()
    assert matching({"counterparty_id": card["id"]}, "interactions", suite, admin) == 0
    ok(suite.client.post(f"{path}/restore", headers=admin))
    suite.deliver_events()
    assert on_deal_timeline()
    assert matching({"deal_id": opened["id"]}, "interactions", suite, admin) == 1


def test_a_manager_reads_the_history_of_what_he_may_see_and_otherwise_only_his_own(
    suite: Suite, admin: dict[str, str]
) -> None:
    manager = suite.user(unique("manager"), ["manager"])
    card = counterparty(suite, admin)
    assert [e["action"] for e in history(suite, manager, "counterparty", card["id"])] == ["created"]
    everything = ok(suite.client.get(f"{API}/audit", headers=manager))
    assert everything["total"] == 0  # he changed nothing yet
    ok(
        suite.client.patch(
            f"{API}/counterparties/{card['id']}", json={"region": "Huế"}, headers=manager
        )
    )
    mine = ok(suite.client.get(f"{API}/audit", headers=manager))["items"]
    assert [(e["entity_id"], e["action"]) for e in mine] == [(card["id"], "updated")]
    missing = suite.client.get(
        f"{API}/audit",
        query_string={"entity": "counterparty", "entity_id": "nope"},
        headers=manager,
    )
    assert missing.status_code == 404


def test_a_planned_call_whose_time_passed_undone_reminds_its_owner_once_and_not_once_done(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin)
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    body = {
        "counterparty_id": card["id"],
        "kind": "call",
        "subject": "Gọi xác nhận đơn",
        "planned_at": two_hours_ago.isoformat(),
    }
    missed = ok(suite.client.post(f"{API}/interactions", json=body, headers=admin), 201)
    done = ok(suite.client.post(f"{API}/interactions", json=body, headers=admin), 201)
    ok(suite.client.post(f"{API}/interactions/{done['id']}/done", headers=admin))
    suite.deliver_events()
    for _ in range(2):
        reminders.scan(suite.deals.uow(), datetime.now(UTC))
    query = {"page_size": 500}
    items = ok(suite.client.get(f"{API}/notifications", query_string=query, headers=admin))["items"]
    about = [(n["ref_id"], n["kind"]) for n in items if n["kind"] == "interaction_missed"]
    assert about.count((missed["id"], "interaction_missed")) == 1  # once, however often it scans
    assert all(ref != done["id"] for ref, _ in about)


def test_a_timeline_pages_through_its_whole_history_newest_first_each_entry_once(
    suite: Suite, admin: dict[str, str]
) -> None:
    card = counterparty(suite, admin)
    flow = pipeline(suite, admin, "simple", [{"name": "Mới", "probability": 10}])
    suite.deliver_events()
    deal(suite, admin, flow["id"], card["id"])
    same_moment = "2026-03-01T09:00:00+00:00"  # ties are broken, not lost at a page's edge
    for n in range(7):
        body = {
            "counterparty_id": card["id"],
            "kind": "note",
            "subject": f"Ghi chú {n}",
            "done_at": same_moment,
        }
        ok(suite.client.post(f"{API}/interactions", json=body, headers=admin), 201)
    suite.deliver_events()
    path = f"{API}/counterparties/{card['id']}/timeline"
    whole = ok(suite.client.get(path, headers=admin))
    assert whole["next_cursor"] is None and len(whole["items"]) >= 8
    paged: list[Any] = []
    cursor = None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = ok(suite.client.get(path, query_string=query, headers=admin))
        assert len(page["items"]) <= 3
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == whole["items"]
    bad = suite.client.get(path, query_string={"cursor": "bm90LWEtY3Vyc29y"}, headers=admin)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "cursor"


def test_an_archived_company_group_is_not_given_any_more_but_its_members_stay_in_it(
    suite: Suite, admin: dict[str, str]
) -> None:
    group = ok(
        suite.client.post(
            f"{API}/company-groups", json={"name": unique("Tập đoàn ")}, headers=admin
        ),
        201,
    )
    path = f"{API}/company-groups/{group['id']}"
    member = counterparty(suite, admin, group_id=group["id"])
    renamed = ok(
        suite.client.patch(path, json={"name": unique("Tập đoàn Hòa Phát ")}, headers=admin)
    )
    assert renamed["version"] == 2
    assert suite.client.delete(path, headers={**admin, "If-Match": '"1"'}).status_code == 412
    assert suite.client.delete(path, headers=admin).status_code == 204
    listed = ok(
        suite.client.get(f"{API}/company-groups", query_string={"page_size": 500}, headers=admin)
    )
    assert group["id"] not in [g["id"] for g in listed["items"]]
    refused = suite.client.post(
        f"{API}/counterparties",
        json={"name": unique("Mới "), "group_id": group["id"]},
        headers=admin,
    )
    assert [e["field"] for e in refused.get_json()["errors"]] == ["group_id"]
    still = ok(suite.client.get(f"{API}/counterparties/{member['id']}", headers=admin))
    assert still["group_id"] == group["id"]
    ok(suite.client.post(f"{path}/restore", headers=admin))
    actions = [e["action"] for e in history(suite, admin, "company_group", group["id"])]
    assert actions == ["restored", "archived", "renamed", "created"]


def test_an_archived_link_leaves_the_counterpartys_links_and_may_be_made_again_or_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    a, b = counterparty(suite, admin), counterparty(suite, admin)
    body = {"from_id": a["id"], "to_id": b["id"], "kind": "partner_of"}
    link = ok(suite.client.post(f"{API}/relationships", json=body, headers=admin), 201)
    links = f"{API}/counterparties/{a['id']}/relationships"
    assert (
        suite.client.delete(f"{API}/relationships/{link['id']}", headers=admin).status_code == 204
    )
    assert ok(suite.client.get(links, headers=admin))["total"] == 0
    assert (
        ok(suite.client.get(links, query_string={"archived": "true"}, headers=admin))["total"] == 1
    )
    ok(suite.client.post(f"{API}/relationships/{link['id']}/restore", headers=admin))
    assert ok(suite.client.get(links, headers=admin))["total"] == 1
    actions = [e["action"] for e in history(suite, admin, "relationship", link["id"])]
    assert actions == ["restored", "archived", "created"]


def test_a_records_history_pages_newest_first(suite: Suite, admin: dict[str, str]) -> None:
    card = counterparty(suite, admin, region="Huế")
    for region in ("Vinh", "Đà Lạt", "Cần Thơ"):
        ok(
            suite.client.patch(
                f"{API}/counterparties/{card['id']}", json={"region": region}, headers=admin
            )
        )
    query = {"entity": "counterparty", "entity_id": card["id"], "page_size": 2}
    pages = [
        ok(suite.client.get(f"{API}/audit", query_string={**query, "page": n}, headers=admin))
        for n in (1, 2)
    ]
    assert [p["total"] for p in pages] == [4, 4]
    regions = [e["changes"].get("region", [None, None])[1] for p in pages for e in p["items"]]
    assert regions == ["Cần Thơ", "Đà Lạt", "Vinh", "Huế"]
