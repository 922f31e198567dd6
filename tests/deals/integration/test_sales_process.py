"""The sales process through the gateway, gRPC and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

import pytest

from tests.deals.integration.helpers import (
    API,
    counterparty,
    deal,
    ok,
    pipeline,
    tasks_of,
    unique,
    user_id,
)
from tests.support import Suite

THREE_STAGES = [
    {"name": "Qualification", "probability": 10},
    {"name": "Proposal", "probability": 40},
    {"name": "Contract", "probability": 80},
]


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


@pytest.fixture(scope="module")
def buyer(suite: Suite, admin: dict[str, str]) -> dict[str, str]:
    return counterparty(suite, admin)


def business_process(suite: Suite, admin: dict[str, str], helper_id: str) -> dict[str, str]:
    return pipeline(suite, admin, "business_process", [
        {"name": "Qualification", "probability": 10, "task_templates": [
            {"title": "Call the buyer", "due_in_days": 1},
            {"title": "Check credit", "due_in_days": 2, "assignee": helper_id},
        ]},
        {"name": "Proposal", "probability": 40, "task_templates": [{"title": "Send the proposal", "due_in_days": 3}]},
        {"name": "Contract", "probability": 80},
    ])  # fmt: skip


# -- the two modes -------------------------------------------------------------------------
def test_in_a_business_process_the_last_task_of_a_stage_moves_the_deal_on(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    process = business_process(suite, admin, suite.admin_id)
    opened = deal(suite, admin, process["id"], buyer["id"])
    qualification, proposal = process["stages"][0], process["stages"][1]
    assert (opened["stage_id"], opened["probability"]) == (qualification["id"], 10)
    first_tasks = tasks_of(suite, admin, opened["id"])
    assert sorted(t["title"] for t in first_tasks) == ["Call the buyer", "Check credit"]
    assert {t["due_date"] for t in first_tasks} == {
        str(date.today() + timedelta(days=1)),
        str(date.today() + timedelta(days=2)),
    }

    ok(suite.client.post(f"{API}/tasks/{first_tasks[0]['id']}/complete", headers=admin))
    assert (
        ok(suite.client.get(f"{API}/deals/{opened['id']}", headers=admin))["stage_id"]
        == qualification["id"]
    )
    ok(suite.client.post(f"{API}/tasks/{first_tasks[1]['id']}/complete", headers=admin))

    moved = ok(suite.client.get(f"{API}/deals/{opened['id']}", headers=admin))
    assert (moved["stage_id"], moved["probability"]) == (proposal["id"], 40)
    assert [t["title"] for t in tasks_of(suite, admin, opened["id"])] == ["Send the proposal"]
    history = ok(suite.client.get(f"{API}/deals/{opened['id']}/stage-history", headers=admin))[
        "items"
    ]
    assert [v["stage_id"] for v in history] == [qualification["id"], proposal["id"]]
    assert history[0]["left_at"] is not None and history[1]["left_at"] is None


def test_in_a_simple_pipeline_nothing_moves_by_itself(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    stages = [
        {**THREE_STAGES[0], "task_templates": [{"title": "Never created"}]},
        *THREE_STAGES[1:],
    ]
    simple = pipeline(suite, admin, "simple", stages)
    opened = deal(suite, admin, simple["id"], buyer["id"])
    assert tasks_of(suite, admin, opened["id"]) == []
    task = ok(
        suite.client.post(
            f"{API}/tasks",
            json={
                "title": "Call",
                "assignee_id": suite.admin_id,
                "due_date": str(date.today()),
                "deal_id": opened["id"],
            },
            headers=admin,
        ),
        201,
    )
    ok(suite.client.post(f"{API}/tasks/{task['id']}/complete", headers=admin))
    assert (
        ok(suite.client.get(f"{API}/deals/{opened['id']}", headers=admin))["stage_id"]
        == simple["stages"][0]["id"]
    )
    moved = ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/stage",
            json={"stage_id": simple["stages"][2]["id"]},
            headers=admin,
        )
    )
    assert (moved["stage_id"], moved["probability"]) == (simple["stages"][2]["id"], 80)


def test_a_manager_may_override_the_business_process(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    process = business_process(suite, admin, suite.admin_id)
    opened = deal(suite, admin, process["id"], buyer["id"])
    proposal = process["stages"][1]
    ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/stage", json={"stage_id": proposal["id"]}, headers=admin
        )
    )
    assert "Send the proposal" in [t["title"] for t in tasks_of(suite, admin, opened["id"])]


def test_a_stage_of_another_pipeline_is_refused_naming_the_field(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    one, other = (
        pipeline(suite, admin, "simple", THREE_STAGES),
        pipeline(suite, admin, "simple", THREE_STAGES),
    )
    opened = deal(suite, admin, one["id"], buyer["id"])
    reply = suite.client.post(
        f"{API}/deals/{opened['id']}/stage",
        json={"stage_id": other["stages"][1]["id"]},
        headers=admin,
    )
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == "stage_id"


# -- outcome -------------------------------------------------------------------------------
def test_a_lost_deal_needs_a_reason_from_the_list(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    opened = deal(suite, admin, simple["id"], buyer["id"])
    missing = suite.client.post(
        f"{API}/deals/{opened['id']}/lose", json={"comment": "too expensive"}, headers=admin
    )
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "reason_id"
    unknown = suite.client.post(
        f"{API}/deals/{opened['id']}/lose", json={"reason_id": str(uuid.uuid4())}, headers=admin
    )
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "reason_id"
    reason = ok(
        suite.client.post(f"{API}/lost-reasons", json={"name": unique("Price ")}, headers=admin),
        201,
    )
    rival = counterparty(suite, admin, roles=["competitor"])
    lost = ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/lose",
            json={"reason_id": reason["id"], "competitor_id": rival["id"], "comment": "cheaper"},
            headers=admin,
        )
    )
    assert (
        lost["status"],
        lost["probability"],
        lost["lost_reason_id"],
        lost["lost_to_competitor_id"],
    ) == ("lost", 0, reason["id"], rival["id"])
    assert lost["closed_at"] is not None
    assert suite.client.post(f"{API}/deals/{opened['id']}/win", headers=admin).status_code == 409
    reopened = ok(suite.client.post(f"{API}/deals/{opened['id']}/reopen", headers=admin))
    assert (reopened["status"], reopened["closed_at"], reopened["probability"]) == (
        "open",
        None,
        10,
    )
    won = ok(suite.client.post(f"{API}/deals/{opened['id']}/win", headers=admin))
    assert (won["status"], won["probability"]) == ("won", 100)


def test_a_probability_set_by_hand_stays_until_changed_by_hand(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    opened = deal(suite, admin, simple["id"], buyer["id"], amount="125000000.00", currency="VND")
    assert (
        ok(
            suite.client.patch(
                f"{API}/deals/{opened['id']}", json={"probability": 33}, headers=admin
            )
        )["probability"]
        == 33
    )
    moved = ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/stage",
            json={"stage_id": simple["stages"][1]["id"]},
            headers=admin,
        )
    )
    assert (moved["probability"], moved["probability_manual"]) == (33, True)
    back = ok(
        suite.client.patch(f"{API}/deals/{opened['id']}", json={"probability": None}, headers=admin)
    )
    assert (back["probability"], back["probability_manual"], back["amount"]) == (
        40,
        False,
        "125000000.00",
    )


def test_deals_are_found_by_pipeline_stage_status_owner_counterparty_and_close_date(
    suite: Suite, admin: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    mine = counterparty(suite, admin)
    soon = deal(
        suite,
        admin,
        simple["id"],
        mine["id"],
        expected_close_date=str(date.today() + timedelta(days=10)),
    )
    deal(
        suite,
        admin,
        simple["id"],
        mine["id"],
        expected_close_date=str(date.today() + timedelta(days=100)),
    )
    cases = [
        ({"pipeline_id": simple["id"]}, 2),
        ({"counterparty_id": mine["id"], "status": "open"}, 2),
        ({"pipeline_id": simple["id"], "close_to": str(date.today() + timedelta(days=30))}, 1),
        ({"pipeline_id": simple["id"], "close_from": str(date.today() + timedelta(days=30))}, 1),
        ({"pipeline_id": simple["id"], "stage_id": simple["stages"][1]["id"]}, 0),
        ({"pipeline_id": simple["id"], "owner_id": suite.admin_id}, 2),
        ({"pipeline_id": simple["id"], "status": "won"}, 0),
    ]
    for query, expected in cases:
        assert (
            ok(suite.client.get(f"{API}/deals", query_string=query, headers=admin))["total"]
            == expected
        ), query
    found = ok(
        suite.client.get(
            f"{API}/deals",
            query_string={
                "close_to": str(date.today() + timedelta(days=30)),
                "pipeline_id": simple["id"],
            },
            headers=admin,
        )
    )
    assert found["items"][0]["id"] == soon["id"]


def test_deals_are_found_by_words_of_their_title_typed_without_diacritics_in_any_case(
    suite: Suite, admin: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    buyer = counterparty(suite, admin)
    marker = unique()
    wanted = deal(suite, admin, simple["id"], buyer["id"], title=f"Máy lọc nước Đông Á {marker}")
    deal(suite, admin, simple["id"], buyer["id"], title=f"Bàn ghế văn phòng {marker}")
    renamed = deal(suite, admin, simple["id"], buyer["id"], title=f"Nháp {marker}")
    ok(
        suite.client.patch(
            f"{API}/deals/{renamed['id']}", json={"title": f"Ấm đun Đông Á {marker}"}, headers=admin
        )
    )

    def titles(q: str) -> set[str]:
        query = {"q": q, "pipeline_id": simple["id"]}
        found = ok(suite.client.get(f"{API}/deals", query_string=query, headers=admin))
        return {item["id"] for item in found["items"]}

    assert titles("may loc nuoc") == {wanted["id"]}
    assert titles("ĐÔNG Á") == {wanted["id"], renamed["id"]}
    assert titles("100%_") == set()
    longest = deal(suite, admin, simple["id"], buyer["id"], title="Straße" * 50)  # folds to 350
    assert titles("STRASSE" * 25) == {longest["id"]}


# -- pipelines -----------------------------------------------------------------------------
def test_editing_a_pipeline_never_drops_a_stage_that_deals_use(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    opened = deal(suite, admin, simple["id"], buyer["id"])
    first, second, third = simple["stages"]
    keep = [
        {"id": s["id"], "name": s["name"], "probability": s["probability"]}
        for s in (first, second, third)
    ]
    dropped = suite.client.put(
        f"{API}/pipelines/{simple['id']}",
        json={"name": simple["name"], "mode": "simple", "stages": keep[1:]},
        headers=admin,
    )
    assert dropped.status_code == 409
    edited = {
        "name": simple["name"],
        "mode": "simple",
        "stages": [
            {**keep[0], "archived": True},
            keep[1],
            {"name": "Negotiation", "probability": 60},
            keep[2],
        ],
    }
    after = ok(suite.client.put(f"{API}/pipelines/{simple['id']}", json=edited, headers=admin))
    assert [s["name"] for s in after["stages"]] == [
        "Qualification",
        "Proposal",
        "Negotiation",
        "Contract",
    ]
    assert (
        ok(suite.client.get(f"{API}/deals/{opened['id']}", headers=admin))["stage_id"]
        == first["id"]
    )
    archived = suite.client.post(
        f"{API}/deals/{opened['id']}/stage", json={"stage_id": second["id"]}, headers=admin
    )
    assert archived.status_code == 200
    back = suite.client.post(
        f"{API}/deals/{opened['id']}/stage", json={"stage_id": first["id"]}, headers=admin
    )
    assert back.status_code == 422  # archived
    unused = {
        "name": simple["name"],
        "mode": "simple",
        "stages": [{**keep[0], "archived": True}, keep[1], keep[2]],
    }
    assert (
        suite.client.put(f"{API}/pipelines/{simple['id']}", json=unused, headers=admin).status_code
        == 200
    )
    foreign = {
        "name": simple["name"],
        "mode": "simple",
        "stages": [{"id": str(uuid.uuid4()), "name": "X", "probability": 5}],
    }
    reply = suite.client.put(f"{API}/pipelines/{simple['id']}", json=foreign, headers=admin)
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == "stages.0.id"


def test_process_documents_are_uploaded_listed_and_downloaded_as_they_were(
    suite: Suite, admin: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    content = "Quy trình bán hàng\n".encode() * 100
    form = {
        "title": "Quy trình",
        "kind": "regulation",
        "file": (io.BytesIO(content), "quy-trình.txt", "text/plain"),
    }
    uploaded = ok(
        suite.client.post(
            f"{API}/pipelines/{simple['id']}/documents",
            data=form,
            headers=admin,
            content_type="multipart/form-data",
        ),
        201,
    )
    assert (uploaded["size"], uploaded["content_type"], uploaded["filename"]) == (
        len(content),
        "text/plain",
        "quy-trình.txt",
    )
    listed = ok(suite.client.get(f"{API}/pipelines/{simple['id']}/documents", headers=admin))
    assert [d["id"] for d in listed["items"]] == [uploaded["id"]]
    download = suite.client.get(f"{API}/documents/{uploaded['id']}/content", headers=admin)
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == "text/plain"
    assert "UTF-8''quy-tr%C3%ACnh.txt" in download.headers["Content-Disposition"]
    too_big = {"title": "Big", "file": (io.BytesIO(b"x" * (10 * 1024 * 1024 + 1)), "big.bin")}
    reply = suite.client.post(
        f"{API}/pipelines/{simple['id']}/documents",
        data=too_big,
        headers=admin,
        content_type="multipart/form-data",
    )
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == "file"
    no_file = suite.client.post(
        f"{API}/pipelines/{simple['id']}/documents",
        data={"title": "x"},
        headers=admin,
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422 and no_file.get_json()["errors"][0]["field"] == "file"


# -- environment, campaigns ----------------------------------------------------------------
def test_a_deal_keeps_its_environment_and_the_links_between_participants(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    opened = deal(suite, admin, simple["id"], buyer["id"])
    rival, consultant = (
        counterparty(suite, admin, roles=["competitor"]),
        counterparty(suite, admin, roles=["influencer"]),
    )
    first = ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/participants",
            json={
                "counterparty_id": rival["id"],
                "role": "competitor",
                "influence": 70,
                "attitude": "negative",
            },
            headers=admin,
        ),
        201,
    )
    second = ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/participants",
            json={
                "counterparty_id": consultant["id"],
                "role": "influencer",
                "note": "advises the buyer",
            },
            headers=admin,
        ),
        201,
    )
    unknown = suite.client.post(
        f"{API}/deals/{opened['id']}/participants",
        json={"counterparty_id": str(uuid.uuid4()), "role": "partner"},
        headers=admin,
    )
    assert (
        unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "counterparty_id"
    )
    ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/participant-links",
            json={
                "from_participant_id": second["id"],
                "to_participant_id": first["id"],
                "kind": "recommends",
            },
            headers=admin,
        ),
        201,
    )
    participants = ok(suite.client.get(f"{API}/deals/{opened['id']}/participants", headers=admin))[
        "items"
    ]
    assert {(p["role"], p["attitude"], p["influence"]) for p in participants} == {
        ("competitor", "negative", 70),
        ("influencer", "neutral", 50),
    }
    links = ok(suite.client.get(f"{API}/deals/{opened['id']}/participant-links", headers=admin))[
        "items"
    ]
    assert [(link["from_participant_id"], link["kind"]) for link in links] == [
        (second["id"], "recommends")
    ]


def test_a_prospects_campaign_response_becomes_a_deal_and_a_counterparty(
    suite: Suite, admin: dict[str, str]
) -> None:
    pipeline(suite, admin, "simple", THREE_STAGES)
    campaign = ok(
        suite.client.post(
            f"{API}/campaigns",
            json={
                "name": unique("Triển lãm "),
                "channel": "exhibition",
                "cost": "50000000",
                "currency": "VND",
                "start_date": "2026-10-01",
                "end_date": "2026-10-03",
            },
            headers=admin,
        ),
        201,
    )
    email = f"{unique()}@prospect.vn"
    response = ok(
        suite.client.post(
            f"{API}/campaigns/{campaign['id']}/responses",
            json={"prospect": {"name": "Công ty Mới", "email": email}, "kind": "booth visit"},
            headers=admin,
        ),
        201,
    )
    converted = ok(
        suite.client.post(f"{API}/campaign-responses/{response['id']}/convert", headers=admin), 201
    )
    assert converted["campaign_id"] == campaign["id"]
    registered = ok(
        suite.client.get(f"{API}/counterparties/{converted['counterparty_id']}", headers=admin)
    )
    assert (registered["name"], registered["email"]) == ("Công ty Mới", email)
    again = suite.client.post(f"{API}/campaign-responses/{response['id']}/convert", headers=admin)
    assert again.status_code == 409 and again.get_json()["existing_id"] == converted["id"]
    responses = ok(suite.client.get(f"{API}/campaigns/{campaign['id']}/responses", headers=admin))[
        "items"
    ]
    assert responses[0]["deal_id"] == converted["id"]
    both = suite.client.post(
        f"{API}/campaigns/{campaign['id']}/responses",
        json={"counterparty_id": registered["id"], "prospect": {"name": "x"}, "kind": "call"},
        headers=admin,
    )
    assert both.status_code == 422


# -- people --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def team(suite: Suite) -> dict[str, dict[str, str]]:
    """A head of sales over a manager; and a peer of the head who supervises nobody."""
    head = suite.user(unique("head"), ["manager"])
    head_id = user_id(suite, head)
    rep = suite.user(unique("rep"), ["manager"], supervisor_id=head_id)
    peer = suite.user(unique("peer"), ["manager"])
    return {"head": head, "rep": rep, "peer": peer}


def test_overdue_tasks_are_visible_to_the_supervisor_and_nobody_else(
    suite: Suite, admin: dict[str, str], team: dict[str, dict[str, str]]
) -> None:
    rep_id = user_id(suite, team["rep"])
    late = {
        "title": "Send the invoice",
        "assignee_id": rep_id,
        "due_date": str(date.today() - timedelta(days=3)),
    }
    task = ok(suite.client.post(f"{API}/tasks", json=late, headers=admin), 201)
    seen_by_head = ok(
        suite.client.get(
            f"{API}/tasks",
            query_string={"assignee_id": rep_id, "overdue": "true"},
            headers=team["head"],
        )
    )
    assert task["id"] in [t["id"] for t in seen_by_head["items"]]
    everything_of_head = ok(
        suite.client.get(f"{API}/tasks", query_string={"overdue": "true"}, headers=team["head"])
    )
    assert task["id"] in [t["id"] for t in everything_of_head["items"]]
    assert (
        suite.client.get(
            f"{API}/tasks", query_string={"assignee_id": rep_id}, headers=team["peer"]
        ).status_code
        == 403
    )
    assert task["id"] not in [
        t["id"] for t in ok(suite.client.get(f"{API}/tasks", headers=team["peer"]))["items"]
    ]
    assert suite.client.get(f"{API}/tasks/{task['id']}", headers=team["peer"]).status_code == 404


def test_the_planner_shows_a_subordinate_to_the_supervisor_and_refuses_a_peer(
    suite: Suite, admin: dict[str, str], team: dict[str, dict[str, str]]
) -> None:
    rep_id = user_id(suite, team["rep"])
    when = date.today() + timedelta(days=2)
    ok(
        suite.client.post(
            f"{API}/tasks",
            json={"title": "Visit the plant", "assignee_id": rep_id, "due_date": str(when)},
            headers=admin,
        ),
        201,
    )
    client = counterparty(suite, admin)
    meeting = {
        "counterparty_id": client["id"],
        "kind": "meeting",
        "subject": "Đàm phán giá",
        "planned_at": f"{when}T09:00:00+00:00",
        "owner_id": rep_id,
    }
    ok(suite.client.post(f"{API}/interactions", json=meeting, headers=admin), 201)
    suite.deliver_events()
    window = {"from": str(date.today()), "to": str(date.today() + timedelta(days=7))}
    own = ok(suite.client.get(f"{API}/planner", query_string=window, headers=team["rep"]))
    by_head = ok(
        suite.client.get(
            f"{API}/planner", query_string={**window, "user_id": rep_id}, headers=team["head"]
        )
    )
    assert own == by_head
    [day] = [d for d in own["days"] if d["date"] == str(when)]
    assert [t["title"] for t in day["tasks"]] == ["Visit the plant"]
    assert [i["subject"] for i in day["interactions"]] == ["Đàm phán giá"]
    assert (
        suite.client.get(
            f"{API}/planner", query_string={**window, "user_id": rep_id}, headers=team["peer"]
        ).status_code
        == 403
    )
    assert (
        suite.client.get(
            f"{API}/planner", query_string={**window, "user_id": rep_id}, headers=admin
        ).status_code
        == 403
    )
    backwards = suite.client.get(
        f"{API}/planner",
        query_string={"from": "2026-02-01", "to": "2026-01-01"},
        headers=team["rep"],
    )
    assert backwards.status_code == 422


# -- timelines -----------------------------------------------------------------------------
def test_timelines_show_the_deal_its_stages_tasks_and_interactions_newest_first(
    suite: Suite, admin: dict[str, str]
) -> None:
    client = counterparty(suite, admin)
    process = business_process(suite, admin, suite.admin_id)
    opened = deal(suite, admin, process["id"], client["id"])
    ok(
        suite.client.post(
            f"{API}/interactions",
            json={
                "counterparty_id": client["id"],
                "deal_id": opened["id"],
                "kind": "call",
                "subject": "Gọi chào giá",
                "done_at": "2031-01-01T08:00:00+00:00",
            },
            headers=admin,
        ),
        201,
    )
    ok(
        suite.client.post(
            f"{API}/deals/{opened['id']}/stage",
            json={"stage_id": process["stages"][2]["id"]},
            headers=admin,
        )
    )
    suite.deliver_events()
    entries = ok(suite.client.get(f"{API}/deals/{opened['id']}/timeline", headers=admin))["items"]
    kinds = [e["kind"] for e in entries]
    assert kinds[0] == "call"  # dated 2031
    assert {"deal", "deal_stage", "task"} <= set(kinds)
    assert any("Contract" in e["title"] for e in entries if e["kind"] == "deal_stage")
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    merged = ok(suite.client.get(f"{API}/counterparties/{client['id']}/timeline", headers=admin))[
        "items"
    ]
    assert [e["kind"] for e in merged].count("call") == 1  # from contacts, not twice
    assert "deal" in [e["kind"] for e in merged]


# -- errors --------------------------------------------------------------------------------
def test_unknown_ids_are_404(suite: Suite, admin: dict[str, str]) -> None:
    missing = str(uuid.uuid4())
    calls = [
        ("get", f"/pipelines/{missing}", None), ("put", f"/pipelines/{missing}", {"name": "x", "stages": [{"name": "a", "probability": 1}]}),
        ("get", f"/pipelines/{missing}/documents", None), ("get", f"/documents/{missing}/content", None),
        ("get", f"/deals/{missing}", None), ("patch", f"/deals/{missing}", {"title": "x"}),
        ("post", f"/deals/{missing}/stage", {"stage_id": missing}), ("post", f"/deals/{missing}/win", None),
        ("post", f"/deals/{missing}/lose", {"reason_id": missing}), ("post", f"/deals/{missing}/reopen", None),
        ("get", f"/deals/{missing}/participants", None), ("get", f"/deals/{missing}/participant-links", None),
        ("get", f"/deals/{missing}/timeline", None), ("get", f"/deals/{missing}/stage-history", None),
        ("get", f"/tasks/{missing}", None), ("post", f"/tasks/{missing}/complete", None),
        ("get", f"/campaigns/{missing}/responses", None), ("post", f"/campaign-responses/{missing}/convert", None),
        ("post", f"/notifications/{missing}/read", None),
    ]  # fmt: skip
    for method, path, body in calls:
        reply = getattr(suite.client, method)(API + path, json=body, headers=admin)
        assert reply.status_code == 404, (method, path, reply.get_json())


def test_invalid_fields_are_422_naming_the_field(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    cases = [
        ("/pipelines", {"name": "x", "mode": "kanban", "stages": THREE_STAGES}, "mode"),
        ("/pipelines", {"name": "x", "stages": []}, "stages"),
        (
            "/pipelines",
            {"name": "x", "stages": [{"name": "a", "probability": 101}]},
            "stages.0.probability",
        ),
        (
            "/pipelines",
            {
                "name": "x",
                "stages": [{"name": "a", "probability": 5}, {"name": "A", "probability": 6}],
            },
            "stages",
        ),
        (
            "/pipelines",
            {
                "name": "x",
                "stages": [
                    {
                        "name": "a",
                        "probability": 5,
                        "task_templates": [{"title": "t", "assignee": "nobody"}],
                    }
                ],
            },
            "stages.task_templates.assignee",
        ),
        (
            "/deals",
            {"title": "x", "pipeline_id": simple["id"], "counterparty_id": str(uuid.uuid4())},
            "counterparty_id",
        ),
        (
            "/deals",
            {"title": "x", "pipeline_id": str(uuid.uuid4()), "counterparty_id": buyer["id"]},
            "pipeline_id",
        ),
        (
            "/deals",
            {
                "title": "x",
                "pipeline_id": simple["id"],
                "counterparty_id": buyer["id"],
                "amount": "12,5",
            },
            "amount",
        ),
        (
            "/deals",
            {
                "title": "x",
                "pipeline_id": simple["id"],
                "counterparty_id": buyer["id"],
                "amount": "12.50",
            },
            "currency",
        ),
        (
            "/deals",
            {
                "title": "x",
                "pipeline_id": simple["id"],
                "counterparty_id": buyer["id"],
                "owner_id": "nobody",
            },
            "owner_id",
        ),
        (
            "/deals",
            {
                "title": "x",
                "pipeline_id": simple["id"],
                "counterparty_id": buyer["id"],
                "campaign_id": "nothing",
            },
            "campaign_id",
        ),
        (
            "/tasks",
            {"title": "x", "assignee_id": "nobody", "due_date": "2026-01-01"},
            "assignee_id",
        ),
        (
            "/tasks",
            {"title": "x", "assignee_id": suite.admin_id, "due_date": "tomorrow"},
            "due_date",
        ),
        (
            "/tasks",
            {
                "title": "x",
                "assignee_id": suite.admin_id,
                "due_date": "2026-01-01",
                "deal_id": "none",
            },
            "deal_id",
        ),
        (
            "/campaigns",
            {"name": "x", "start_date": "2026-02-01", "end_date": "2026-01-01"},
            "end_date",
        ),
    ]
    for path, body, field in cases:
        reply = suite.client.post(API + path, json=body, headers=admin)
        assert reply.status_code == 422, (path, body, reply.get_json())
        assert field in [e["field"] for e in reply.get_json()["errors"]], (
            path,
            body,
            reply.get_json(),
        )


def test_a_viewer_reads_the_sales_process_but_cannot_change_it(
    suite: Suite, admin: dict[str, str], buyer: dict[str, str]
) -> None:
    viewer = suite.user(unique("viewer"), ["viewer"])
    simple = pipeline(suite, admin, "simple", THREE_STAGES)
    opened = deal(suite, admin, simple["id"], buyer["id"])
    assert suite.client.get(f"{API}/deals/{opened['id']}", headers=viewer).status_code == 200
    assert suite.client.get(f"{API}/pipelines", headers=viewer).status_code == 200
    writes = [
        ("post", "/pipelines", {"name": "x", "stages": THREE_STAGES}), ("put", f"/pipelines/{simple['id']}", {"name": "x", "stages": THREE_STAGES}),
        ("post", "/deals", {"title": "x", "pipeline_id": simple["id"], "counterparty_id": buyer["id"]}),
        ("patch", f"/deals/{opened['id']}", {"title": "y"}), ("post", f"/deals/{opened['id']}/stage", {"stage_id": simple["stages"][1]["id"]}),
        ("post", f"/deals/{opened['id']}/win", {}), ("post", f"/deals/{opened['id']}/reopen", {}),
        ("post", "/lost-reasons", {"name": "x"}), ("post", "/campaigns", {"name": "x"}),
        ("post", "/tasks", {"title": "x", "assignee_id": suite.admin_id, "due_date": "2026-01-01"}),
    ]  # fmt: skip
    for method, path, body in writes:
        reply = getattr(suite.client, method)(API + path, json=body, headers=viewer)
        assert reply.status_code == 403, (method, path, reply.get_json())
    assert suite.client.get(f"{API}/deals").status_code == 401
