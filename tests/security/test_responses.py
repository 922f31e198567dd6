"""What answers give away: the UI is served with headers that keep it in its box, every answer
says nosniff and names no server software, and an error says what went wrong in words, never
with a stack trace, a file name or a secret."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from gateway.context import gateway
from services.contacts.service_layer import handlers
from tests.deals.integration.helpers import API, counterparty, ok, unique
from tests.mail_servers import free_port
from tests.support import Suite, running_suite, settings_for

SECRET = "hunter2-" + unique()
LEAKS = re.compile(r"Traceback|File \"|\.py\b|line \d+|Werkzeug|Flask|Python/|" + SECRET)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """A suite that serves a built UI of its own."""
    data = tmp_path_factory.mktemp("ui")
    built = data / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text('<!doctype html><script src="/assets/app-1a2b.js"></script>')
    (built / "assets" / "app-1a2b.js").write_text("document.title = 'Hoa CRM';")
    with running_suite(settings_for(data, CRM_WEB_DIST=str(built))) as running:
        yield running


def test_the_ui_and_its_assets_run_only_their_own_scripts_and_cannot_be_framed(
    suite: Suite,
) -> None:
    for path in ("/", "/assets/app-1a2b.js"):
        reply = suite.client.get(path)
        assert reply.status_code == 200, path
        policy = reply.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert reply.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")


def test_every_answer_says_nosniff_and_names_no_server_software(suite: Suite) -> None:
    admin = suite.headers()
    answers = [
        suite.client.get(f"{API}/counterparties", headers=admin),
        suite.client.get(f"{API}/counterparties"),
        suite.client.get(f"{API}/counterparties/nobody", headers=admin),
        suite.client.post(f"{API}/counterparties", data="{", headers=admin),
        suite.client.delete(f"{API}/me", headers=admin),
        suite.client.get("/no/such/page"),
        suite.client.get("/assets/../../etc/passwd"),
        suite.client.get("/openapi.json"),
        suite.client.get("/healthz"),
        suite.client.get("/docs"),
    ]
    for reply in answers:
        where = (reply.request.method, reply.request.path, reply.status_code)
        assert reply.headers.get("X-Content-Type-Options") == "nosniff", where
        assert not re.search(r"\d", reply.headers.get("Server", "")), where
        assert "X-Powered-By" not in reply.headers, where
        if reply.status_code >= 400:
            assert reply.content_type == "application/problem+json", where
            assert not LEAKS.search(reply.get_data(as_text=True)), where


def test_a_failure_inside_a_service_is_an_internal_error_without_its_story(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = suite.headers()
    known = counterparty(suite, admin)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"could not connect: password={SECRET} in /srv/crm/db.py line 3")

    monkeypatch.setattr(handlers, "get_counterparty", broken)
    reply = suite.client.get(f"{API}/counterparties/{known['id']}", headers=admin)
    assert reply.status_code == 500
    assert reply.get_json()["detail"] == "internal error"
    assert not LEAKS.search(reply.get_data(as_text=True))


def test_a_failure_inside_the_gateway_is_an_internal_error_without_its_story(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = suite.headers()
    with suite.client.application.app_context():
        contacts = gateway().clients.contacts

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError(f"password={SECRET}")

    monkeypatch.setattr(contacts, "ListCounterparties", broken)
    reply = suite.client.get(f"{API}/counterparties", headers=admin)
    assert reply.status_code == 500
    assert reply.content_type == "application/problem+json"
    assert not LEAKS.search(reply.get_data(as_text=True))


@pytest.mark.parametrize(
    "asked",
    ["é-ü", "a\tb", "\x7f", "x" * 10_000, "a b"],
    ids=["accents", "tab", "control", "10 KB", "space"],
)
def test_a_strange_request_id_is_replaced_by_a_fresh_one_not_answered_with_an_error(
    suite: Suite, asked: str
) -> None:
    reply = suite.client.get(
        f"{API}/counterparties", headers={**suite.headers(), "X-Request-ID": asked}
    )
    assert reply.status_code == 200, reply.get_json()
    assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-ID"])


def test_a_plain_request_id_is_kept_to_follow_the_request(suite: Suite) -> None:
    asked = "web-" + unique()
    reply = suite.client.get(f"{API}/me", headers={**suite.headers(), "X-Request-ID": asked})
    assert reply.headers["X-Request-ID"] == asked


def test_a_message_whose_smtp_server_is_down_is_refused_naming_the_server(suite: Suite) -> None:
    admin = suite.headers()
    port = free_port()  # nothing listens there
    box = {
        "name": unique("Hộp thư "),
        "address": f"{unique()}@hoa-crm.vn",
        "imap": {"host": "127.0.0.1", "port": port},
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "password": SECRET},
    }
    made = ok(suite.client.post(f"{API}/mailboxes", json=box, headers=admin), 201)
    send = {"mailbox_id": made["id"], "to": ["khach@example.org"], "subject": "Báo giá"}
    reply = suite.client.post(f"{API}/messages", json=send, headers=admin)
    assert reply.status_code == 409, reply.get_json()
    assert f"127.0.0.1:{port}" in reply.get_json()["detail"]
    assert SECRET not in reply.get_data(as_text=True)
    listed = ok(suite.client.get(f"{API}/mailboxes/{made['id']}/messages", headers=admin))
    assert listed["total"] == 0


@pytest.mark.parametrize("depth", [990, 5_000, 100_000])
def test_a_body_nested_deeper_than_anyone_writes_is_refused_not_a_server_error(
    suite: Suite, depth: int
) -> None:
    headers = {**suite.headers(), "Content-Type": "application/json"}
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        reply = suite.client.post(f"{API}/counterparties", data=body, headers=headers)
        assert reply.status_code == 400, reply.get_json()
        assert "nested" in reply.get_json()["detail"]


def test_a_file_whose_name_carries_line_breaks_downloads_under_a_clean_name(suite: Suite) -> None:
    admin = suite.headers()
    process = ok(suite.client.post(f"{API}/pipelines", json={"name": unique("P "), "stages": [{"name": "S", "probability": 1}]}, headers=admin), 201)  # fmt: skip
    upload = (
        b'--BB\r\nContent-Disposition: form-data; name="title"\r\n\r\nQuy trinh\r\n'
        b'--BB\r\nContent-Disposition: form-data; name="file"; '
        b"filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20taken%3D1.html\r\n"
        b"Content-Type: text/html\r\n\r\n<script>alert(1)</script>\r\n--BB--\r\n"
    )
    made = ok(suite.client.post(f"{API}/pipelines/{process['id']}/documents", data=upload, headers={**admin, "Content-Type": "multipart/form-data; boundary=BB"}), 201)  # fmt: skip
    reply = suite.client.get(f"{API}/documents/{made['id']}/content", headers=admin)
    assert reply.status_code == 200
    assert "Set-Cookie" not in reply.headers
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="evilSet-Cookie')
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
