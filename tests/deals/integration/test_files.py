"""Files on deals and counterparties: uploaded, listed, downloaded under their Vietnamese names,
retitled, archived (out of the list, still downloadable) and restored, each step in the record's
history and in the timelines of its deal and counterparty; through the gateway, gRPC and a real
database."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pytest

from tests.deals.integration.helpers import API, counterparty, deal, history, ok, pipeline
from tests.support import Suite

STAGES = [{"name": "Tiếp cận", "probability": 10}, {"name": "Báo giá", "probability": 40}]
CONTRACT = "Hợp đồng mua bán số 12.pdf"
PDF = b"%PDF-1.4 hop dong \xe2\x80\x94 bytes kept as they are\x00\x01\x02"


@pytest.fixture(scope="module")
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


@pytest.fixture(scope="module")
def world(suite: Suite, admin: dict[str, str]) -> dict[str, Any]:
    buyer = counterparty(suite, admin)
    flow = pipeline(suite, admin, "simple", STAGES)
    suite.deliver_events()
    return {"buyer": buyer, "deal": deal(suite, admin, flow["id"], buyer["id"])}


def upload(
    suite: Suite,
    admin: dict[str, str],
    path: str,
    content: bytes = PDF,
    name: str = CONTRACT,
    **form: str,
) -> Any:
    data = {"file": (io.BytesIO(content), name, "application/pdf"), **form}
    return suite.client.post(f"{API}{path}/files", data=data, headers=admin)


def listed(suite: Suite, admin: dict[str, str], path: str, archived: bool = False) -> list[str]:
    reply = suite.client.get(
        f"{API}{path}/files", query_string={"archived": archived}, headers=admin
    )
    return [f["id"] for f in ok(reply)["items"]]


def timeline(suite: Suite, admin: dict[str, str], path: str) -> list[dict[str, Any]]:
    suite.deliver_events()
    return ok(suite.client.get(f"{API}{path}/timeline", headers=admin))["items"]  # type: ignore[no-any-return]


def test_a_file_attached_to_a_deal_is_listed_and_downloaded_as_it_was_under_its_own_name(
    suite: Suite, admin: dict[str, str], world: dict[str, Any]
) -> None:
    path = f"/deals/{world['deal']['id']}"
    made = ok(upload(suite, admin, path, title="Hợp đồng chính"), 201)
    assert made["title"] == "Hợp đồng chính" and made["filename"] == CONTRACT
    assert (
        made["size"] == len(PDF) and made["version"] == 1 and made["deal_id"] == world["deal"]["id"]
    )
    assert made["content_type"] == "application/pdf" and made["uploaded_by"] == suite.admin_id
    assert made["id"] in listed(suite, admin, path)
    got = suite.client.get(f"{API}/files/{made['id']}", headers=admin)
    assert ok(got) == made and got.headers["ETag"] == '"1"'
    content = suite.client.get(f"{API}/files/{made['id']}/content", headers=admin)
    assert content.status_code == 200 and content.data == PDF
    assert content.content_type == "application/pdf"
    disposition = content.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote(CONTRACT)}" in disposition
    assert disposition.startswith('attachment; filename="')
    assert "\n" not in disposition


def test_a_file_without_a_title_takes_its_name_and_a_counterparty_keeps_its_own_files(
    suite: Suite, admin: dict[str, str], world: dict[str, Any]
) -> None:
    path = f"/counterparties/{world['buyer']['id']}"
    made = ok(upload(suite, admin, path, b"scan", "Giấy phép kinh doanh.png"), 201)
    assert made["title"] == "Giấy phép kinh doanh.png"
    assert made["counterparty_id"] == world["buyer"]["id"] and made["deal_id"] is None
    assert made["id"] in listed(suite, admin, path)
    assert made["id"] not in listed(suite, admin, f"/deals/{world['deal']['id']}")


def test_an_archived_file_leaves_the_list_stays_downloadable_and_comes_back_when_restored(
    suite: Suite, admin: dict[str, str], world: dict[str, Any]
) -> None:
    path = f"/deals/{world['deal']['id']}"
    made = ok(upload(suite, admin, path), 201)
    file_path = f"{API}/files/{made['id']}"
    archived = suite.client.delete(file_path, headers={**admin, "If-Match": '"1"'})
    assert archived.status_code == 204
    assert made["id"] not in listed(suite, admin, path)
    assert made["id"] in listed(suite, admin, path, archived=True)
    assert ok(suite.client.get(file_path, headers=admin))["archived_at"] is not None
    assert suite.client.get(f"{file_path}/content", headers=admin).data == PDF
    refused = suite.client.patch(file_path, json={"title": "Khác"}, headers=admin)
    assert refused.status_code == 409
    restored = ok(suite.client.post(f"{file_path}/restore", headers=admin))
    assert restored["archived_at"] is None and restored["version"] == 3
    assert made["id"] in listed(suite, admin, path)


def test_a_file_retitled_on_a_stale_version_is_a_412_and_changes_nothing(
    suite: Suite, admin: dict[str, str], world: dict[str, Any]
) -> None:
    made = ok(upload(suite, admin, f"/deals/{world['deal']['id']}"), 201)
    file_path = f"{API}/files/{made['id']}"
    renamed = suite.client.patch(
        file_path, json={"title": "Bản ký"}, headers={**admin, "If-Match": '"1"'}
    )
    assert ok(renamed)["title"] == "Bản ký" and renamed.headers["ETag"] == '"2"'
    stale = suite.client.patch(
        file_path, json={"title": "Bản nháp"}, headers={**admin, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    gone = suite.client.delete(file_path, headers={**admin, "If-Match": '"1"'})
    assert gone.status_code == 412
    assert ok(suite.client.get(file_path, headers=admin))["title"] == "Bản ký"


def field_of(reply: Any) -> list[str]:
    return [e["field"] for e in reply.get_json()["errors"]]


def test_an_empty_file_a_missing_one_and_a_wrong_title_are_refused_naming_the_field(
    suite: Suite, admin: dict[str, str], world: dict[str, Any]
) -> None:
    path = f"/deals/{world['deal']['id']}"
    empty = upload(suite, admin, path, b"")
    assert empty.status_code == 422 and field_of(empty) == ["file"]
    missing = suite.client.post(f"{API}{path}/files", data={"title": "x"}, headers=admin)
    assert missing.status_code == 422 and field_of(missing) == ["file"]
    long_title = upload(suite, admin, path, title="x" * 301)
    assert long_title.status_code == 422 and field_of(long_title) == ["title"]
    unknown = upload(suite, admin, path, version="7")
    assert unknown.status_code == 422 and field_of(unknown) == ["version"]
    made = ok(upload(suite, admin, path), 201)
    blank = suite.client.patch(f"{API}/files/{made['id']}", json={"title": " "}, headers=admin)
    assert blank.status_code == 422 and field_of(blank) == ["title"]
    sneaky = suite.client.patch(
        f"{API}/files/{made['id']}", json={"title": "ok", "sha256": "0" * 64}, headers=admin
    )
    assert sneaky.status_code == 422 and field_of(sneaky) == ["sha256"]
    assert listed(suite, admin, path).count(made["id"]) == 1


def test_a_file_over_25_mb_is_refused_naming_the_file(
    suite: Suite, admin: dict[str, str], world: dict[str, Any]
) -> None:
    big = upload(suite, admin, f"/deals/{world['deal']['id']}", b"\0" * (25 * 1024 * 1024 + 1))
    assert big.status_code == 413 and field_of(big) == ["file"]
    huge = upload(suite, admin, f"/deals/{world['deal']['id']}", b"\0" * (27 * 1024 * 1024))
    assert huge.status_code == 413 and field_of(huge) == ["file"]


def test_a_file_for_a_deal_or_counterparty_that_does_not_exist_or_is_archived_is_refused(
    suite: Suite, admin: dict[str, str]
) -> None:
    assert upload(suite, admin, "/deals/no-such-deal").status_code == 404
    assert upload(suite, admin, "/counterparties/no-such-one").status_code == 404
    assert suite.client.get(f"{API}/deals/no-such-deal/files", headers=admin).status_code == 404
    assert suite.client.get(f"{API}/files/no-such-file", headers=admin).status_code == 404
    gone = counterparty(suite, admin)
    ok(suite.client.delete(f"{API}/counterparties/{gone['id']}", headers=admin), 204)
    suite.deliver_events()
    refused = upload(suite, admin, f"/counterparties/{gone['id']}")
    assert refused.status_code == 409, refused.get_json()
    flow = pipeline(suite, admin, "simple", [{"name": "Lead", "probability": 10}])
    shelved = deal(suite, admin, flow["id"], counterparty(suite, admin)["id"])
    ok(suite.client.delete(f"{API}/deals/{shelved['id']}", headers=admin), 204)
    assert upload(suite, admin, f"/deals/{shelved['id']}").status_code == 409


def test_attaching_and_archiving_files_join_the_timelines_of_the_deal_and_its_counterparty(
    suite: Suite, admin: dict[str, str]
) -> None:
    buyer = counterparty(suite, admin)
    flow = pipeline(suite, admin, "simple", STAGES)
    suite.deliver_events()
    opened = deal(suite, admin, flow["id"], buyer["id"])
    on_deal = ok(upload(suite, admin, f"/deals/{opened['id']}", title="Báo giá"), 201)
    on_buyer = ok(upload(suite, admin, f"/counterparties/{buyer['id']}", title="Giấy phép"), 201)
    ok(suite.client.delete(f"{API}/files/{on_deal['id']}", headers=admin), 204)
    of_deal = [
        e for e in timeline(suite, admin, f"/deals/{opened['id']}") if e["ref_id"] == on_deal["id"]
    ]
    assert [e["kind"] for e in of_deal] == ["file_archived", "file_attached"]
    attached = of_deal[1]
    assert attached["params"] == {"title": "Báo giá", "filename": CONTRACT, "size": str(len(PDF))}
    assert attached["title"] == "File attached: Báo giá"
    of_buyer = timeline(suite, admin, f"/counterparties/{buyer['id']}")
    kinds = {(e["ref_id"], e["kind"]) for e in of_buyer}
    assert {(on_deal["id"], "file_attached"), (on_deal["id"], "file_archived")} <= kinds
    assert (on_buyer["id"], "file_attached") in kinds
    assert on_buyer["id"] not in {
        e["ref_id"] for e in timeline(suite, admin, f"/deals/{opened['id']}")
    }


def test_every_step_of_a_file_is_in_its_history_with_old_and_new(
    suite: Suite, admin: dict[str, str], world: dict[str, Any]
) -> None:
    made = ok(upload(suite, admin, f"/deals/{world['deal']['id']}", title="Bản một"), 201)
    file_path = f"{API}/files/{made['id']}"
    ok(suite.client.patch(file_path, json={"title": "Bản hai"}, headers=admin))
    ok(suite.client.delete(file_path, headers=admin), 204)
    ok(suite.client.post(f"{file_path}/restore", headers=admin))
    entries = history(suite, admin, "file", made["id"])
    assert [e["action"] for e in entries] == ["restored", "archived", "updated", "created"]
    assert entries[2]["changes"] == {"title": ["Bản một", "Bản hai"]}
    assert entries[3]["changes"]["filename"] == [None, CONTRACT]
    assert entries[3]["changes"]["deal_id"] == [None, world["deal"]["id"]]
    assert entries[1]["changes"]["archived_at"][0] is None
    assert entries[0]["changes"]["archived_at"][1] is None
    assert all(e["actor_id"] == suite.admin_id for e in entries)
