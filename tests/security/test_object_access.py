"""Who may see and change what, across two groups of people (mailboxes: test_mail_access.py).

The rules, as the code has them (gateway/auth.py, gateway/api/visibility.py, crmkit/identity.py,
the services' `actor` checks):

- Everyone signs in. A person's roles decide what they may do: admin, director, manager and
  marketer read and change every area (contacts, deals, analytics, mail); a viewer reads all of
  it and changes nothing (403). ERP documents are written by the ERP's API key or by an admin.
- Customers and the sales process are the company's, not their owner's: counterparties, contact
  persons, interactions, relationships, supplier profiles, customer terms, company groups,
  pipelines and their documents, deals, their participants, stage history and timeline, the
  files on deals and counterparties (a counterparty's are read and changed by whoever may read or
  change contacts, a deal's by whoever may read or change deals),
  campaigns and responses, lost reasons, orders, invoices and shipments, analytics reports
  (also the KPIs of every manager), templates, address groups, rules and mailings. `owner_id`
  says who answers for a thing, not who may see it: any writer reads and changes any of them.
- Tasks are their assignee's: a person sees (and completes) their own and those of everyone
  below them in the supervisor chain, however deep; directors and admins see everyone's. A task
  someone may not see does not exist for them (404); asking for someone else's list is 403.
- A planner is opened by its user and their supervisors, by nobody else (403, not even a
  director). Notifications are their user's alone (404 for anyone else's). Assigned messages are
  listed for their assignee and the assignee's supervisors.
- Mailboxes, their messages and the e-mails in timelines: see test_mail_access.py.
- Users and groups are listed for anyone signed in (owner pickers need them), and for a
  machine's key with a `users:read` scope; creating users, groups and API keys, listing and
  revoking keys is the admin's (403). Nobody changes their own roles: there is no way to.
- A machine's API key (test_api_keys.py) reaches only the areas of its scopes; it sees every
  task and is nobody: what it creates has no owner.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.deals.service_layer import reminders
from tests.deals.integration.helpers import API, counterparty, deal, ok, pipeline, unique, user_id
from tests.support import Suite

STAGES = [{"name": "Lead", "probability": 10}, {"name": "Offer", "probability": 50}]


@dataclass(frozen=True)
class Person:
    id: str
    headers: dict[str, str]


@dataclass(frozen=True)
class People:
    """North: Lan supervises Anh; Chi is their peer. South: Binh. Dung directs; Vy only views."""

    lan: Person
    anh: Person
    chi: Person
    binh: Person
    dung: Person
    vy: Person
    admin: Person


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


def person(suite: Suite, name: str, roles: list[str], **extra: Any) -> Person:
    headers = suite.user(unique(name + "-"), roles, **extra)
    return Person(user_id(suite, headers), headers)


@pytest.fixture(scope="module")
def people(suite: Suite) -> People:
    admin = suite.headers()
    north, south = (
        ok(suite.client.post(f"{API}/groups", json={"name": unique(n)}, headers=admin), 201)["id"]
        for n in ("North ", "South ")
    )
    lan = person(suite, "lan", ["manager"], group_ids=[north])
    return People(
        lan=lan,
        anh=person(suite, "anh", ["manager"], group_ids=[north], supervisor_id=lan.id),
        chi=person(suite, "chi", ["manager"], group_ids=[north]),
        binh=person(suite, "binh", ["manager"], group_ids=[south]),
        dung=person(suite, "dung", ["director"]),
        vy=person(suite, "vy", ["viewer"]),
        admin=Person(suite.admin_id, admin),
    )


@pytest.fixture(scope="module")
def anhs(suite: Suite, people: People) -> dict[str, Any]:
    """A customer of Anh's with everything that can hang off one, and a deal of Anh's."""
    anh = people.anh.headers
    buyer = counterparty(suite, anh, owner_id=people.anh.id, email=f"{unique()}@an-phat.vn")
    rival = counterparty(suite, anh, roles=["competitor"])
    post = suite.client.post
    contact = ok(
        post(f"{API}/counterparties/{buyer['id']}/contacts", json={"full_name": "Chị Mai"}, headers=anh),
        201,
    )  # fmt: skip
    ok(post(f"{API}/relationships", json={"from_id": buyer["id"], "to_id": rival["id"], "kind": "partner_of"}, headers=anh), 201)  # fmt: skip
    interaction = ok(
        post(f"{API}/interactions", json={"counterparty_id": buyer["id"], "kind": "call", "subject": "Giá tháng 5", "owner_id": people.anh.id}, headers=anh),
        201,
    )  # fmt: skip
    ok(suite.client.put(f"{API}/counterparties/{buyer['id']}/terms", json={"discount_percent": "5", "payment_days": 30}, headers=anh))  # fmt: skip
    ok(suite.client.put(f"{API}/counterparties/{buyer['id']}/supplier-profile", json={"reliability": 90}, headers=anh))  # fmt: skip
    process = pipeline(suite, anh, "simple", STAGES)
    rules = {"title": "Quy trình", "file": (io.BytesIO(b"%PDF-1.4 rules"), "rules.pdf")}
    document = ok(post(f"{API}/pipelines/{process['id']}/documents", data=rules, headers=anh), 201)
    opened = deal(suite, anh, process["id"], buyer["id"], owner_id=people.anh.id)
    participant = ok(
        post(f"{API}/deals/{opened['id']}/participants", json={"counterparty_id": rival["id"], "role": "competitor"}, headers=anh),
        201,
    )  # fmt: skip
    campaign = ok(post(f"{API}/campaigns", json={"name": unique("Hội chợ ")}, headers=anh), 201)
    response = ok(
        post(f"{API}/campaigns/{campaign['id']}/responses", json={"prospect": {"name": "Ông Tư"}, "kind": "visit"}, headers=anh),
        201,
    )  # fmt: skip
    reason = ok(post(f"{API}/lost-reasons", json={"name": unique("Giá ")}, headers=anh), 201)
    task = ok(post(f"{API}/tasks", json={"title": "Gọi chị Mai", "assignee_id": people.anh.id, "due_date": "2030-01-01"}, headers=anh), 201)  # fmt: skip
    offer = {"title": "Báo giá", "file": (io.BytesIO(b"%PDF-1.4 offer"), "Báo giá.pdf")}
    deal_file = ok(post(f"{API}/deals/{opened['id']}/files", data=offer, headers=anh), 201)
    licence = {"file": (io.BytesIO(b"scan"), "Giấy phép.png")}
    buyer_file = ok(post(f"{API}/counterparties/{buyer['id']}/files", data=licence, headers=anh), 201)  # fmt: skip
    template = ok(post(f"{API}/mail/templates", json={"name": unique("Chào "), "subject": "S", "body": "B"}, headers=anh), 201)  # fmt: skip
    group = ok(post(f"{API}/mail/address-groups", json={"name": unique("Nhóm "), "criteria": {"region": "Huế"}}, headers=anh), 201)  # fmt: skip
    suite.deliver_events()
    return {
        "template": template,
        "address_group": group,
        "buyer": buyer,
        "rival": rival,
        "contact": contact,
        "interaction": interaction,
        "task": task,
        "pipeline": process,
        "deal": opened,
        "participant": participant,
        "campaign": campaign,
        "response": response,
        "reason": reason,
        "document": document,
        "deal_file": deal_file,
        "buyer_file": buyer_file,
    }


def reads_of(world: dict[str, Any]) -> list[str]:
    buyer, opened = world["buyer"]["id"], world["deal"]["id"]
    return [
        f"/counterparties/{buyer}",
        f"/counterparties?owner_id={world['buyer']['owner_id']}",
        f"/contacts/{world['contact']['id']}",
        f"/contacts?counterparty_id={buyer}",
        f"/interactions?counterparty_id={buyer}",
        f"/interactions/{world['interaction']['id']}",
        f"/audit?entity=counterparty&entity_id={buyer}",
        f"/counterparties/{buyer}/relationships",
        f"/counterparties/{buyer}/terms",
        f"/counterparties/{buyer}/supplier-profile",
        f"/counterparties/{buyer}/timeline",
        f"/pipelines/{world['pipeline']['id']}",
        f"/pipelines/{world['pipeline']['id']}/documents",
        f"/documents/{world['document']['id']}/content",
        f"/deals/{opened}",
        f"/deals/{opened}/participants",
        f"/deals/{opened}/participant-links",
        f"/deals/{opened}/stage-history",
        f"/deals/{opened}/timeline",
        f"/deals/{opened}/files",
        f"/counterparties/{buyer}/files",
        f"/files/{world['deal_file']['id']}",
        f"/files/{world['deal_file']['id']}/content",
        f"/files/{world['buyer_file']['id']}",
        f"/files/{world['buyer_file']['id']}/content",
        f"/audit?entity=file&entity_id={world['buyer_file']['id']}",
        f"/campaigns/{world['campaign']['id']}/responses",
        "/lost-reasons",
        f"/orders?counterparty_id={buyer}",
        f"/invoices?counterparty_id={buyer}",
        "/analytics/managers?from=2025-01-01&to=2026-12-31",
        "/analytics/lost-deals?group_by=owner",
        "/mail/templates",
        f"/mail/templates/{world['template']['id']}",
        f"/mail/address-groups/{world['address_group']['id']}",
        f"/audit?entity=mail_template&entity_id={world['template']['id']}",
        "/mail/mailings",
        "/users",
        "/groups",
    ]


def test_a_manager_of_another_group_reads_and_works_on_a_colleagues_customers_and_deals(
    suite: Suite, people: People, anhs: dict[str, Any]
) -> None:
    binh = people.binh.headers
    for path in reads_of(anhs):
        assert suite.client.get(API + path, headers=binh).status_code == 200, path
    buyer, opened = anhs["buyer"]["id"], anhs["deal"]["id"]
    renamed = suite.client.patch(
        f"{API}/counterparties/{buyer}", json={"region": "Huế"}, headers=binh
    )
    assert ok(renamed)["region"] == "Huế"
    moved = suite.client.post(
        f"{API}/deals/{opened}/stage", json={"stage_id": anhs["pipeline"]["stages"][1]["id"]}, headers=binh
    )  # fmt: skip
    assert ok(moved)["owner_id"] == people.anh.id


def test_a_viewer_reads_every_kind_of_company_data_and_changes_none_of_it(
    suite: Suite, people: People, anhs: dict[str, Any]
) -> None:
    vy = people.vy.headers
    for path in reads_of(anhs):
        assert suite.client.get(API + path, headers=vy).status_code == 200, path
    buyer, opened = anhs["buyer"]["id"], anhs["deal"]["id"]
    before = ok(suite.client.get(f"{API}/deals/{opened}", headers=vy))
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "/counterparties", {"name": "Vy's own"}), ("patch", f"/counterparties/{buyer}", {"name": "Vy's now"}),
        ("delete", f"/counterparties/{buyer}", {}), ("post", f"/counterparties/{buyer}/contacts", {"full_name": "X"}),
        ("patch", f"/contacts/{anhs['contact']['id']}", {"full_name": "Y"}), ("post", "/company-groups", {"name": "G"}),
        ("post", f"/counterparties/{buyer}/restore", {}), ("delete", f"/contacts/{anhs['contact']['id']}", {}),
        ("post", f"/contacts/{anhs['contact']['id']}/restore", {}),
        ("patch", f"/interactions/{anhs['interaction']['id']}", {"subject": "z"}),
        ("post", f"/interactions/{anhs['interaction']['id']}/done", {}),
        ("delete", f"/interactions/{anhs['interaction']['id']}", {}),
        ("post", f"/interactions/{anhs['interaction']['id']}/restore", {}),
        ("post", "/relationships", {"from_id": buyer, "to_id": anhs["rival"]["id"], "kind": "partner_of"}),
        ("post", "/interactions", {"counterparty_id": buyer, "kind": "note", "subject": "x"}),
        ("put", f"/counterparties/{buyer}/terms", {"discount_percent": "90"}),
        ("put", f"/counterparties/{buyer}/supplier-profile", {"reliability": 1}),
        ("post", "/pipelines", {"name": "P", "stages": STAGES}), ("put", f"/pipelines/{anhs['pipeline']['id']}", {"name": "P", "stages": STAGES}),
        ("post", "/deals", {"title": "D", "pipeline_id": anhs["pipeline"]["id"], "counterparty_id": buyer}),
        ("patch", f"/deals/{opened}", {"amount": "1.00"}), ("post", f"/deals/{opened}/win", {}),
        ("post", f"/deals/{opened}/lose", {"reason_id": anhs["reason"]["id"]}), ("post", f"/deals/{opened}/reopen", {}),
        ("delete", f"/deals/{opened}", {}), ("post", f"/deals/{opened}/restore", {}),
        ("delete", f"/pipelines/{anhs['pipeline']['id']}", {}), ("post", f"/pipelines/{anhs['pipeline']['id']}/restore", {}),
        ("patch", f"/campaign-responses/{anhs['response']['id']}", {"kind": "x"}),
        ("delete", f"/documents/{anhs['document']['id']}", {}), ("post", f"/documents/{anhs['document']['id']}/restore", {}),
        ("delete", f"/campaign-responses/{anhs['response']['id']}", {}),
        ("post", f"/campaign-responses/{anhs['response']['id']}/restore", {}),
        ("post", f"/deals/{opened}/participants", {"counterparty_id": buyer, "role": "partner"}),
        ("post", f"/deals/{opened}/participant-links", {"from_participant_id": anhs["participant"]["id"], "to_participant_id": anhs["participant"]["id"], "kind": "x"}),
        ("post", "/tasks", {"title": "T", "assignee_id": people.vy.id, "due_date": "2030-01-01"}),
        ("patch", f"/tasks/{anhs['task']['id']}", {"title": "T2"}), ("delete", f"/tasks/{anhs['task']['id']}", {}),
        ("post", f"/tasks/{anhs['task']['id']}/restore", {}), ("post", f"/tasks/{anhs['task']['id']}/comments", {"text": "x"}),
        ("post", "/campaigns", {"name": "C"}), ("post", f"/campaigns/{anhs['campaign']['id']}/responses", {"counterparty_id": buyer, "kind": "call"}),
        ("post", f"/campaign-responses/{anhs['response']['id']}/convert", {}), ("post", "/lost-reasons", {"name": "R"}),
        ("post", "/erp/orders", {"external_id": "o-1", "number": "1", "date": "2025-01-01", "counterparty_id": buyer}),
        ("post", "/analytics/classifications", {"period_from": "2024-01-01", "period_to": "2024-12-31"}),
        ("post", "/analytics/win-model/train", {}), ("put", "/analytics/schedules/classification", {"cron": "0 3 * * 1"}),
        ("post", "/mail/templates", {"name": "T", "subject": "S", "body": "B"}),
        ("post", "/mail/address-groups", {"name": "A", "members": [anhs["contact"]["id"]]}),
        ("patch", f"/mail/templates/{anhs['template']['id']}", {"name": "Vy's"}),
        ("delete", f"/mail/templates/{anhs['template']['id']}", None),
        ("post", f"/mail/templates/{anhs['template']['id']}/restore", None),
        ("patch", f"/mail/address-groups/{anhs['address_group']['id']}", {"name": "Vy's"}),
        ("delete", f"/mail/address-groups/{anhs['address_group']['id']}", None),
        ("post", f"/mail/address-groups/{anhs['address_group']['id']}/restore", None),
        ("post", "/users", {"username": "vy2", "password": "p" * 8, "full_name": "V", "roles": ["admin"]}),
        ("post", "/groups", {"name": "Vy's"}), ("post", "/api-keys", {"name": "k", "scopes": ["contacts:read"]}),
        ("post", f"/deals/{opened}/files", {}), ("post", f"/counterparties/{buyer}/files", {}),
        *[(method, f"/files/{anhs[kind]['id']}{tail}", body) for kind in ("deal_file", "buyer_file") for method, tail, body in (
            ("patch", "", {"title": "Vy's"}), ("delete", "", {}), ("post", "/restore", {}),
        )],
    ]  # fmt: skip
    for method, path, body in writes:
        reply = getattr(suite.client, method)(API + path, json=body, headers=vy)
        assert reply.status_code == 403, (method, path, reply.get_json())
    more_rules = {"title": "Vy's", "file": (io.BytesIO(b"%PDF-1.4"), "vy.pdf")}
    upload = f"{API}/pipelines/{anhs['pipeline']['id']}/documents"
    assert suite.client.post(upload, data=more_rules, headers=vy).status_code == 403
    for path in (f"/deals/{opened}/files", f"/counterparties/{buyer}/files"):
        mine = {"file": (io.BytesIO(b"vy"), "vy.pdf")}
        assert suite.client.post(API + path, data=mine, headers=vy).status_code == 403
        assert ok(suite.client.get(API + path, headers=vy))["total"] == 1
    assert ok(suite.client.get(f"{API}/deals/{opened}", headers=vy)) == before
    assert (
        ok(suite.client.get(f"{API}/counterparties/{buyer}", headers=vy))["name"]
        == anhs["buyer"]["name"]
    )


def test_only_an_admin_makes_users_groups_and_keys(suite: Suite, people: People) -> None:
    for who in (people.dung, people.lan):
        attempts = [
            ("post", "/users", {"username": unique("x"), "password": "p" * 8, "full_name": "X", "roles": ["manager"]}),
            ("post", "/groups", {"name": unique("G")}), ("post", "/api-keys", {"name": "k", "scopes": ["erp:write"]}),
            ("get", "/api-keys", None), ("delete", "/api-keys/whatever", None),
        ]  # fmt: skip
        for method, path, body in attempts:
            reply = getattr(suite.client, method)(API + path, json=body, headers=who.headers)
            assert reply.status_code == 403, (method, path, reply.get_json())


def test_only_an_admin_changes_users_resets_passwords_lists_keys_and_edits_groups(
    suite: Suite, people: People
) -> None:
    admin = people.admin.headers
    group = ok(suite.client.post(f"{API}/groups", json={"name": unique("East ")}, headers=admin), 201)  # fmt: skip
    anh_before = ok(suite.client.get(f"{API}/users/{people.anh.id}", headers=admin))
    for who in (people.lan, people.dung):
        attempts = [
            ("patch", f"/users/{people.anh.id}", {"roles": ["admin"]}),
            ("patch", f"/users/{who.id}", {"roles": ["admin"]}),
            ("post", f"/users/{people.anh.id}/password", {"password": "p" * 10, "must_change": False}),
            ("get", "/api-keys", None),
            ("patch", f"/groups/{group['id']}", {"name": unique("Mine ")}),
            ("delete", f"/groups/{group['id']}", None), ("post", f"/groups/{group['id']}/restore", None),
        ]  # fmt: skip
        for method, path, body in attempts:
            reply = getattr(suite.client, method)(API + path, json=body, headers=who.headers)
            assert reply.status_code == 403, (method, path, reply.get_json())
    assert ok(suite.client.get(f"{API}/users/{people.anh.id}", headers=admin)) == anh_before
    assert ok(suite.client.get(f"{API}/groups/{group['id']}", headers=people.lan.headers)) == group
    assert ok(suite.client.get(f"{API}/me", headers=people.lan.headers))["roles"] == ["manager"]


# -- tasks, planners, notifications: their people's -------------------------------------------
def task_for(suite: Suite, who: Person, by: Person, due: date | None = None) -> dict[str, Any]:
    body = {
        "title": unique("Gọi lại "),
        "assignee_id": who.id,
        "due_date": str(due or date.today()),
    }
    return ok(suite.client.post(f"{API}/tasks", json=body, headers=by.headers), 201)  # type: ignore[no-any-return]


def test_a_peer_can_neither_see_nor_complete_someone_elses_task(
    suite: Suite, people: People
) -> None:
    task = task_for(suite, people.anh, by=people.anh)
    for peer in (people.chi, people.binh):
        assert (
            suite.client.get(f"{API}/tasks/{task['id']}", headers=peer.headers).status_code == 404
        )
        done = suite.client.post(f"{API}/tasks/{task['id']}/complete", headers=peer.headers)
        assert done.status_code == 404, done.get_json()
        listed = ok(
            suite.client.get(f"{API}/tasks", query_string={"page_size": 500}, headers=peer.headers)
        )
        assert task["id"] not in [t["id"] for t in listed["items"]]
        theirs = suite.client.get(
            f"{API}/tasks", query_string={"assignee_id": people.anh.id}, headers=peer.headers
        )
        assert theirs.status_code == 403
    assert (
        ok(suite.client.get(f"{API}/tasks/{task['id']}", headers=people.anh.headers))["status"]
        == "open"
    )


def test_an_unknown_task_and_a_task_one_may_not_see_look_the_same(
    suite: Suite, people: People
) -> None:
    hidden = task_for(suite, people.anh, by=people.anh)
    seen = suite.client.get(f"{API}/tasks/{hidden['id']}", headers=people.binh.headers)
    unknown = suite.client.get(f"{API}/tasks/no-such-task", headers=people.binh.headers)
    assert seen.status_code == unknown.status_code == 404
    assert seen.get_json()["detail"].replace(hidden["id"], "?") == unknown.get_json()[
        "detail"
    ].replace("no-such-task", "?")


def test_a_supervisor_and_a_director_see_and_complete_a_subordinates_task(
    suite: Suite, people: People
) -> None:
    for boss in (people.lan, people.dung):
        task = task_for(suite, people.anh, by=people.chi)
        assert (
            ok(suite.client.get(f"{API}/tasks/{task['id']}", headers=boss.headers))["id"]
            == task["id"]
        )
        listed = ok(
            suite.client.get(
                f"{API}/tasks",
                query_string={"assignee_id": people.anh.id, "page_size": 500},
                headers=boss.headers,
            )
        )
        assert task["id"] in [t["id"] for t in listed["items"]]
        done = ok(suite.client.post(f"{API}/tasks/{task['id']}/complete", headers=boss.headers))
        assert done["status"] == "done"


def test_a_subordinate_does_not_see_the_supervisors_tasks(suite: Suite, people: People) -> None:
    task = task_for(suite, people.lan, by=people.lan)
    assert (
        suite.client.get(f"{API}/tasks/{task['id']}", headers=people.anh.headers).status_code == 404
    )
    done = suite.client.post(f"{API}/tasks/{task['id']}/complete", headers=people.anh.headers)
    assert done.status_code == 404


def test_only_the_user_and_their_supervisors_open_a_planner(suite: Suite, people: People) -> None:
    window = {
        "user_id": people.anh.id,
        "from": str(date.today()),
        "to": str(date.today() + timedelta(days=6)),
    }
    assert (
        ok(suite.client.get(f"{API}/planner", query_string=window, headers=people.anh.headers))[
            "user_id"
        ]
        == people.anh.id
    )
    assert (
        ok(suite.client.get(f"{API}/planner", query_string=window, headers=people.lan.headers))[
            "user_id"
        ]
        == people.anh.id
    )
    for outsider in (people.chi, people.binh, people.dung, people.vy):
        reply = suite.client.get(f"{API}/planner", query_string=window, headers=outsider.headers)
        assert reply.status_code == 403, outsider


def test_notifications_are_their_users_alone(suite: Suite, people: People) -> None:
    task = task_for(suite, people.anh, by=people.anh, due=date.today())
    suite.deliver_events()
    reminders.scan(suite.deals.uow(), datetime.now(UTC))
    mine = ok(
        suite.client.get(
            f"{API}/notifications", query_string={"page_size": 500}, headers=people.anh.headers
        )
    )["items"]
    [reminder] = [n for n in mine if n["ref_id"] == task["id"]]
    for other in (people.lan, people.binh, people.dung):
        theirs = ok(
            suite.client.get(
                f"{API}/notifications", query_string={"page_size": 500}, headers=other.headers
            )
        )
        assert reminder["id"] not in [n["id"] for n in theirs["items"]]
        read = suite.client.post(
            f"{API}/notifications/{reminder['id']}/read", headers=other.headers
        )
        assert read.status_code == 404
    still = ok(
        suite.client.get(
            f"{API}/notifications",
            query_string={"unread_only": "true", "page_size": 500},
            headers=people.anh.headers,
        )
    )
    assert reminder["id"] in [n["id"] for n in still["items"]]


def test_assigned_messages_are_listed_for_the_assignee_and_their_supervisors_only(
    suite: Suite, people: People
) -> None:
    wanted = {"assignee_id": people.anh.id}
    assert (
        suite.client.get(
            f"{API}/mail/assignments", query_string=wanted, headers=people.lan.headers
        ).status_code
        == 200
    )
    for outsider in (people.chi, people.binh):
        reply = suite.client.get(
            f"{API}/mail/assignments", query_string=wanted, headers=outsider.headers
        )
        assert reply.status_code == 403


def test_a_key_for_deals_alone_reaches_a_deals_files_and_not_a_counterpartys(
    suite: Suite, anhs: dict[str, Any]
) -> None:
    body = {"name": unique("deals key "), "scopes": ["deals:write"]}
    made = ok(suite.client.post(f"{API}/api-keys", json=body, headers=suite.headers()), 201)
    key = {"X-API-Key": made["key"]}
    deal_file, buyer_file = anhs["deal_file"]["id"], anhs["buyer_file"]["id"]
    assert ok(suite.client.get(f"{API}/files/{deal_file}/content", headers=key)) is None
    assert suite.client.get(f"{API}/files/{deal_file}", headers=key).status_code == 200
    for method, path in (
        ("get", f"/files/{buyer_file}"), ("get", f"/files/{buyer_file}/content"),
        ("delete", f"/files/{buyer_file}"), ("post", f"/files/{buyer_file}/restore"),
        ("get", f"/counterparties/{anhs['buyer']['id']}/files"),
    ):  # fmt: skip
        reply = suite.client.open(API + path, method=method.upper(), headers=key)
        assert reply.status_code == 403, (method, path, reply.get_json())
    assert (
        ok(suite.client.get(f"{API}/files/{buyer_file}", headers=suite.headers()))["version"] == 1
    )
