"""Deals carry versions and a history; tasks are edited, reassigned, commented on, archived and
restored; through the gateway, gRPC and a real database, with the projections following."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tests.deals.integration.helpers import (
    API,
    counterparty,
    deal,
    history,
    ok,
    pipeline,
    tasks_of,
    unique,
    user_id,
)
from tests.support import Suite

STAGES = [{"name": "Tiếp cận", "probability": 10}, {"name": "Báo giá", "probability": 40}]


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def opened(suite: Suite, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    flow = pipeline(suite, admin, "simple", STAGES)
    suite.deliver_events()
    return deal(suite, admin, flow["id"], counterparty(suite, admin)["id"], **fields)


def test_a_deal_changed_on_a_stale_version_is_a_412_and_its_history_tells_every_step(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = opened(suite, admin, amount="1000.00", currency="VND")
    assert made["version"] == 1
    path = f"{API}/deals/{made['id']}"
    changed = suite.client.patch(
        path, json={"amount": "1500.00"}, headers={**admin, "If-Match": '"1"'}
    )
    assert ok(changed)["version"] == 2 and changed.headers["ETag"] == '"2"'
    stale = suite.client.patch(path, json={"title": "Mine"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert ok(suite.client.get(path, headers=admin))["title"] == made["title"]
    second = ok(suite.client.get(f"{API}/pipelines/{made['pipeline_id']}", headers=admin))[
        "stages"
    ][1]
    ok(suite.client.post(f"{path}/stage", json={"stage_id": second["id"]}, headers=admin))
    ok(suite.client.post(f"{path}/win", headers=admin))
    entries = history(suite, admin, "deal", made["id"])
    assert [e["action"] for e in entries] == ["won", "moved", "updated", "created"]
    assert entries[2]["changes"] == {"amount": ["1000.00", "1500.00"]}
    assert entries[1]["changes"] == {"stage_id": [made["stage_id"], second["id"]]}
    assert entries[3]["changes"]["title"] == [None, made["title"]]


def test_a_task_is_edited_reassigned_and_commented_on_and_each_step_is_in_its_history(
    suite: Suite, admin: dict[str, str]
) -> None:
    colleague = suite.user(unique("lan"), ["manager"])
    lan = user_id(suite, colleague)
    made = opened(suite, admin)
    body = {
        "title": "Gửi báo giá",
        "assignee_id": suite.admin_id,
        "due_date": "2030-01-10",
        "deal_id": made["id"],
    }
    task = ok(suite.client.post(f"{API}/tasks", json=body, headers=admin), 201)
    path = f"{API}/tasks/{task['id']}"
    edited = ok(
        suite.client.patch(path, json={"due_date": "2030-01-12", "note": "gấp"}, headers=admin)
    )
    assert (edited["title"], edited["due_date"], edited["version"]) == (
        body["title"],
        "2030-01-12",
        2,
    )
    moved = ok(
        suite.client.patch(path, json={"assignee_id": lan}, headers={**admin, "If-Match": '"2"'})
    )
    assert moved["assignee_id"] == lan
    assert [t["id"] for t in tasks_of(suite, colleague, made["id"])] == [task["id"]]
    said = ok(
        suite.client.post(
            f"{path}/comments", json={"text": "Khách hỏi lại giá"}, headers=colleague
        ),
        201,
    )
    comments = ok(suite.client.get(f"{path}/comments", headers=admin))["items"]
    assert [(c["text"], c["author_id"]) for c in comments] == [("Khách hỏi lại giá", lan)]
    assert said["task_id"] == task["id"]
    entries = history(suite, admin, "task", task["id"])
    assert [e["action"] for e in entries] == ["commented", "reassigned", "updated", "created"]
    assert entries[1]["changes"] == {"assignee_id": [suite.admin_id, lan]}
    assert entries[0]["actor_id"] == lan


def test_an_archived_task_leaves_the_lists_the_planner_and_the_deal_timeline_until_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = opened(suite, admin)
    due = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    body = {
        "title": "Gọi lại",
        "assignee_id": suite.admin_id,
        "due_date": due,
        "deal_id": made["id"],
    }
    task = ok(suite.client.post(f"{API}/tasks", json=body, headers=admin), 201)
    suite.deliver_events()

    def on_timeline() -> bool:
        entries = ok(suite.client.get(f"{API}/deals/{made['id']}/timeline", headers=admin))["items"]
        return any(e["ref_id"] == task["id"] for e in entries)

    def in_planner() -> bool:
        query = {"from": due, "to": due}
        days = ok(suite.client.get(f"{API}/planner", query_string=query, headers=admin))["days"]
        return any(t["id"] == task["id"] for day in days for t in day["tasks"])

    assert on_timeline() and in_planner()
    path = f"{API}/tasks/{task['id']}"
    assert suite.client.delete(path, headers=admin).status_code == 204
    suite.deliver_events()
    assert tasks_of(suite, admin, made["id"]) == []
    assert not on_timeline() and not in_planner()
    assert suite.client.post(f"{path}/complete", headers=admin).status_code == 409
    archived = suite.client.get(
        f"{API}/tasks", query_string={"deal_id": made["id"], "archived": "true"}, headers=admin
    )
    assert [t["id"] for t in ok(archived)["items"]] == [task["id"]]
    ok(suite.client.post(f"{path}/restore", headers=admin))
    suite.deliver_events()
    assert on_timeline() and in_planner()
    actions = [e["action"] for e in history(suite, admin, "task", task["id"])]
    assert actions == ["restored", "archived", "created"]


def test_a_peer_neither_changes_nor_archives_nor_reads_the_history_of_someone_elses_task(
    suite: Suite, admin: dict[str, str]
) -> None:
    peer = suite.user(unique("peer"), ["manager"])
    body = {"title": "Việc của sếp", "assignee_id": suite.admin_id, "due_date": "2030-02-01"}
    task = ok(suite.client.post(f"{API}/tasks", json=body, headers=admin), 201)
    path = f"{API}/tasks/{task['id']}"
    assert suite.client.patch(path, json={"title": "x"}, headers=peer).status_code == 404
    assert suite.client.delete(path, headers=peer).status_code == 404
    assert (
        suite.client.post(f"{path}/comments", json={"text": "x"}, headers=peer).status_code == 404
    )
    query = {"entity": "task", "entity_id": task["id"]}
    assert suite.client.get(f"{API}/audit", query_string=query, headers=peer).status_code == 404


def test_a_deal_source_renamed_and_archived_is_no_longer_offered_but_its_deals_keep_it(
    suite: Suite, admin: dict[str, str]
) -> None:
    source = ok(
        suite.client.post(f"{API}/deal-sources", json={"name": unique("Hội chợ ")}, headers=admin),
        201,
    )
    path = f"{API}/deal-sources/{source['id']}"
    renamed = ok(suite.client.patch(path, json={"name": "Triển lãm Đà Nẵng"}, headers=admin))
    assert (renamed["name"], renamed["version"]) == ("Triển lãm Đà Nẵng", 2)
    kept = opened(suite, admin, source_id=source["id"])
    stale = suite.client.delete(path, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert suite.client.delete(path, headers=admin).status_code == 204
    offered = ok(suite.client.get(f"{API}/deal-sources", headers=admin))["items"]
    assert source["id"] not in [entry["id"] for entry in offered]
    archived = ok(
        suite.client.get(f"{API}/deal-sources", query_string={"archived": "true"}, headers=admin)
    )
    assert source["id"] in [entry["id"] for entry in archived["items"]]
    refused = suite.client.post(
        f"{API}/deals",
        json={
            "title": "Mới",
            "pipeline_id": kept["pipeline_id"],
            "counterparty_id": kept["counterparty_id"],
            "source_id": source["id"],
        },
        headers=admin,
    )
    assert [e["field"] for e in refused.get_json()["errors"]] == ["source_id"]
    still = ok(
        suite.client.patch(
            f"{API}/deals/{kept['id']}", json={"amount": "5.00", "currency": "VND"}, headers=admin
        )
    )
    assert still["source_id"] == source["id"]  # what already names it keeps it
    ok(suite.client.post(f"{path}/restore", headers=admin))
    actions = [e["action"] for e in history(suite, admin, "list_item", source["id"])]
    assert actions == ["restored", "archived", "renamed", "created"]


def test_an_archived_lost_reason_is_not_offered_for_losing_a_deal_until_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    reason = ok(
        suite.client.post(f"{API}/lost-reasons", json={"name": unique("Giá cao ")}, headers=admin),
        201,
    )
    path = f"{API}/lost-reasons/{reason['id']}"
    assert suite.client.delete(path, headers=admin).status_code == 204
    made = opened(suite, admin)
    lose = f"{API}/deals/{made['id']}/lose"
    refused = suite.client.post(lose, json={"reason_id": reason["id"]}, headers=admin)
    assert [e["field"] for e in refused.get_json()["errors"]] == ["reason_id"]
    listed = ok(
        suite.client.get(f"{API}/lost-reasons", query_string={"page_size": 500}, headers=admin)
    )
    assert reason["id"] not in [r["id"] for r in listed["items"]]
    ok(suite.client.post(f"{path}/restore", headers=admin))
    assert (
        ok(suite.client.post(lose, json={"reason_id": reason["id"]}, headers=admin))["status"]
        == "lost"
    )


def test_a_pipeline_edited_keeps_the_stall_days_given_to_its_stages(
    suite: Suite, admin: dict[str, str]
) -> None:
    flow = pipeline(suite, admin, "simple", STAGES)
    stages = [
        {
            "id": stage["id"],
            "name": stage["name"],
            "probability": stage["probability"],
            "stall_after_days": 7,
        }
        for stage in flow["stages"]
    ] + [{"name": "Hợp đồng", "probability": 80, "stall_after_days": 3}]
    body = {"name": flow["name"], "mode": "simple", "stages": stages}
    edited = ok(suite.client.put(f"{API}/pipelines/{flow['id']}", json=body, headers=admin))
    assert [stage["stall_after_days"] for stage in edited["stages"]] == [7, 7, 3]


def test_a_participant_changes_their_attitude_drops_out_and_comes_back_and_analytics_follows(
    suite: Suite, admin: dict[str, str]
) -> None:
    made = opened(suite, admin)
    rival = counterparty(suite, admin, roles=["competitor"])
    suite.deliver_events()
    body = {"counterparty_id": rival["id"], "role": "competitor", "attitude": "neutral"}
    added = ok(
        suite.client.post(f"{API}/deals/{made['id']}/participants", json=body, headers=admin), 201
    )
    path = f"{API}/participants/{added['id']}"
    changed = ok(
        suite.client.patch(path, json={"attitude": "negative", "influence": 80}, headers=admin)
    )
    assert (changed["role"], changed["attitude"], changed["influence"]) == (
        "competitor",
        "negative",
        80,
    )
    assert (
        suite.client.patch(
            path, json={"note": "x"}, headers={**admin, "If-Match": '"1"'}
        ).status_code
        == 412
    )
    listed = f"{API}/deals/{made['id']}/participants"
    assert suite.client.delete(path, headers=admin).status_code == 204
    assert ok(suite.client.get(listed, headers=admin))["total"] == 0
    suite.deliver_events()
    with suite.analytics.engine.connect() as conn:
        projected = conn.execute(
            text("SELECT deal_id, attitude FROM participants WHERE id = :id"), {"id": added["id"]}
        ).one()
    assert tuple(projected) == ("", "negative")  # takes part in no deal's features
    ok(suite.client.post(f"{path}/restore", headers=admin))
    assert ok(suite.client.get(listed, headers=admin))["total"] == 1
    actions = [e["action"] for e in history(suite, admin, "participant", added["id"])]
    assert actions == ["restored", "archived", "updated", "created"]


def test_a_campaign_changed_and_archived_takes_no_new_responses_or_deals_until_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    body = {"name": unique("Hội chợ Xuân "), "cost": "5000000", "currency": "VND"}
    campaign = ok(suite.client.post(f"{API}/campaigns", json=body, headers=admin), 201)
    path = f"{API}/campaigns/{campaign['id']}"
    changed = ok(
        suite.client.patch(
            path, json={"channel": "Triển lãm", "end_date": "2026-03-31"}, headers=admin
        )
    )
    assert (changed["name"], changed["channel"], changed["version"]) == (
        body["name"],
        "Triển lãm",
        2,
    )
    assert suite.client.delete(path, headers={**admin, "If-Match": '"1"'}).status_code == 412
    assert suite.client.delete(path, headers=admin).status_code == 204
    listed = ok(
        suite.client.get(f"{API}/campaigns", query_string={"page_size": 500}, headers=admin)
    )
    assert campaign["id"] not in [c["id"] for c in listed["items"]]
    response = {"prospect": {"name": "Bà Năm"}, "kind": "visit"}
    refused = suite.client.post(f"{path}/responses", json=response, headers=admin)
    assert refused.status_code == 409
    made = opened(suite, admin)
    chosen = suite.client.patch(
        f"{API}/deals/{made['id']}", json={"campaign_id": campaign["id"]}, headers=admin
    )
    assert [e["field"] for e in chosen.get_json()["errors"]] == ["campaign_id"]
    ok(suite.client.post(f"{path}/restore", headers=admin))
    ok(suite.client.post(f"{path}/responses", json=response, headers=admin), 201)
    actions = [e["action"] for e in history(suite, admin, "campaign", campaign["id"])]
    assert actions == ["restored", "archived", "updated", "created"]


def test_an_archived_deal_leaves_the_lists_and_every_report_until_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    flow = pipeline(suite, admin, "simple", STAGES)
    suite.deliver_events()
    made = deal(
        suite, admin, flow["id"], counterparty(suite, admin)["id"], amount="9000000", currency="VND"
    )
    path = f"{API}/deals/{made['id']}"
    second = flow["stages"][1]["id"]
    ok(suite.client.post(f"{path}/stage", json={"stage_id": second}, headers=admin))
    suite.deliver_events()

    def reports() -> tuple[int, list[int], list[int]]:
        asked = {"pipeline_id": flow["id"]}
        funnel = ok(suite.client.get(f"{API}/analytics/funnel", query_string=asked, headers=admin))
        where = f"{API}/analytics/bottlenecks"
        stages = ok(suite.client.get(where, query_string=asked, headers=admin))["stages"]
        return (
            funnel["deals"],
            [s["entered"] for s in stages],
            [s["finished_stays"] for s in stages],
        )

    def listed(**query: Any) -> list[str]:
        asked = {"pipeline_id": flow["id"], **query}
        return [d["id"] for d in ok(suite.client.get(f"{API}/deals", query_string=asked, headers=admin))["items"]]  # fmt: skip

    assert reports() == (1, [1, 1], [1, 0])
    assert suite.client.delete(path, headers={**admin, "If-Match": '"1"'}).status_code == 412
    assert suite.client.delete(path, headers=admin).status_code == 204
    assert listed() == [] and listed(archived="true") == [made["id"]]
    assert ok(suite.client.get(path, headers=admin))["archived_at"] is not None
    assert suite.client.patch(path, json={"title": "Đổi"}, headers=admin).status_code == 409
    assert suite.client.post(f"{path}/win", headers=admin).status_code == 409
    task = {"title": "Gọi lại", "assignee_id": suite.admin_id, "due_date": "2030-01-01", "deal_id": made["id"]}  # fmt: skip
    refused = suite.client.post(f"{API}/tasks", json=task, headers=admin)
    assert [e["field"] for e in refused.get_json()["errors"]] == ["deal_id"]
    suite.deliver_events()
    assert reports() == (0, [0, 0], [0, 0])

    restored = ok(suite.client.post(f"{path}/restore", headers=admin))
    assert restored["archived_at"] is None and restored["stage_id"] == second
    suite.deliver_events()
    assert listed() == [made["id"]]
    assert reports() == (1, [1, 1], [1, 0])
    actions = [e["action"] for e in history(suite, admin, "deal", made["id"])]
    assert actions[:3] == ["restored", "archived", "moved"]


def test_a_pipeline_edited_on_a_stale_version_is_a_412_and_archived_it_opens_no_new_deals(
    suite: Suite, admin: dict[str, str]
) -> None:
    flow = pipeline(suite, admin, "simple", STAGES)
    path = f"{API}/pipelines/{flow['id']}"
    kept = [{"id": s["id"], "name": s["name"], "probability": s["probability"]} for s in flow["stages"]]  # fmt: skip
    kept[1]["probability"] = 55
    body = {"name": flow["name"], "mode": "simple", "stages": kept}
    edited = ok(suite.client.put(path, json=body, headers={**admin, "If-Match": '"1"'}))
    assert edited["version"] == 2
    stale = suite.client.put(path, json=body | {"name": "X"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    buyer = counterparty(suite, admin)["id"]
    going = deal(suite, admin, flow["id"], buyer)

    assert suite.client.delete(path, headers=admin).status_code == 204
    listed = ok(suite.client.get(f"{API}/pipelines", query_string={"page_size": 500}, headers=admin))  # fmt: skip
    assert flow["id"] not in [p["id"] for p in listed["items"]]
    assert ok(suite.client.get(path, headers=admin))["archived_at"] is not None
    refused = suite.client.post(f"{API}/deals", json={"title": "Mới", "pipeline_id": flow["id"], "counterparty_id": buyer}, headers=admin)  # fmt: skip
    assert [e["field"] for e in refused.get_json()["errors"]] == ["pipeline_id"]
    assert suite.client.put(path, json=body, headers=admin).status_code == 409
    moved = suite.client.post(f"{API}/deals/{going['id']}/stage", json={"stage_id": kept[1]["id"]}, headers=admin)  # fmt: skip
    assert ok(moved)["stage_id"] == kept[1]["id"]  # its deals go on in it

    ok(suite.client.post(f"{path}/restore", headers=admin))
    ok(suite.client.post(f"{API}/deals", json={"title": "Mới", "pipeline_id": flow["id"], "counterparty_id": buyer}, headers=admin), 201)  # fmt: skip
    entries = history(suite, admin, "pipeline", flow["id"])
    assert [e["action"] for e in entries] == ["restored", "archived", "updated", "created"]
    assert entries[2]["changes"]["stages"] == [["Tiếp cận 10%", "Báo giá 40%"], ["Tiếp cận 10%", "Báo giá 55%"]]  # fmt: skip


def test_a_process_document_archived_leaves_the_list_stays_downloadable_and_is_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    flow = pipeline(suite, admin, "simple", STAGES)
    documents = f"{API}/pipelines/{flow['id']}/documents"
    upload = {"title": "Quy trình báo giá", "kind": "regulation", "file": (io.BytesIO(b"%PDF-1.4 quy trinh"), "quy-trinh.pdf", "application/pdf")}  # fmt: skip
    added = ok(suite.client.post(documents, data=upload, headers=admin), 201)
    path = f"{API}/documents/{added['id']}"
    assert suite.client.delete(path, headers={**admin, "If-Match": '"7"'}).status_code == 412
    assert suite.client.delete(path, headers=admin).status_code == 204
    assert ok(suite.client.get(documents, headers=admin))["total"] == 0
    archived = ok(suite.client.get(documents, query_string={"archived": "true"}, headers=admin))
    assert [d["id"] for d in archived["items"]] == [added["id"]]
    assert suite.client.get(f"{path}/content", headers=admin).data == b"%PDF-1.4 quy trinh"
    ok(suite.client.post(f"{path}/restore", headers=admin))
    assert ok(suite.client.get(documents, headers=admin))["total"] == 1
    actions = [e["action"] for e in history(suite, admin, "document", added["id"])]
    assert actions == ["restored", "archived", "created"]


def test_a_campaign_response_is_corrected_archived_out_of_the_report_and_restored(
    suite: Suite, admin: dict[str, str]
) -> None:
    campaign = ok(suite.client.post(f"{API}/campaigns", json={"name": unique("Tờ rơi ")}, headers=admin), 201)  # fmt: skip
    responses = f"{API}/campaigns/{campaign['id']}/responses"
    answer = ok(suite.client.post(responses, json={"prospect": {"name": "Chị Tư"}, "kind": "call"}, headers=admin), 201)  # fmt: skip
    path = f"{API}/campaign-responses/{answer['id']}"
    fixed = ok(suite.client.patch(path, json={"kind": "visit"}, headers=admin))
    assert (fixed["kind"], fixed["prospect"]["name"], fixed["version"]) == ("visit", "Chị Tư", 2)
    assert suite.client.patch(path, json={"note": "x"}, headers={**admin, "If-Match": '"1"'}).status_code == 412  # fmt: skip
    suite.deliver_events()

    def counted() -> int:
        report = ok(suite.client.get(f"{API}/analytics/campaigns", headers=admin))
        return next(r["responses"] for r in report["items"] if r["campaign_id"] == campaign["id"])

    assert counted() == 1
    assert suite.client.delete(path, headers=admin).status_code == 204
    assert ok(suite.client.get(responses, headers=admin))["total"] == 0
    assert ok(suite.client.get(responses, query_string={"archived": "true"}, headers=admin))["total"] == 1  # fmt: skip
    assert suite.client.post(f"{path}/convert", json={}, headers=admin).status_code == 409
    suite.deliver_events()
    assert counted() == 0

    ok(suite.client.post(f"{path}/restore", headers=admin))
    suite.deliver_events()
    assert counted() == 1
    flow = pipeline(suite, admin, "simple", STAGES)
    converted = ok(
        suite.client.post(f"{path}/convert", json={"pipeline_id": flow["id"]}, headers=admin), 201
    )
    assert suite.client.delete(path, headers=admin).status_code == 409  # it is a deal now
    actions = [e["action"] for e in history(suite, admin, "campaign_response", answer["id"])]
    assert actions == ["converted", "restored", "archived", "updated", "created"]
    assert converted["campaign_id"] == campaign["id"]
