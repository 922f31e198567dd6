from __future__ import annotations

import re
from pathlib import Path

from gateway.errors import PATTERN_MESSAGES
from tests.support import Suite

SCHEMAS = Path(__file__).resolve().parents[2] / "gateway" / "schemas"


def test_every_format_the_api_checks_has_a_message_a_person_can_act_on() -> None:
    used = {
        found
        for source in SCHEMAS.glob("*.py")
        for found in re.findall(r'pattern=r"([^"]+)"', source.read_text())
    }
    assert used <= set(PATTERN_MESSAGES), used - set(PATTERN_MESSAGES)


def test_a_malformed_phone_is_refused_with_words_not_a_regular_expression(
    sqlite_suite: Suite,
) -> None:
    reply = sqlite_suite.client.post(
        "/api/v1/counterparties",
        json={"name": "Công ty Sai Số", "phone": "gọi tôi"},
        headers=sqlite_suite.headers(),
    )
    assert reply.status_code == 422
    [error] = reply.get_json()["errors"]
    assert error == {
        "field": "phone",
        "message": "must be a phone number: 5 to 30 digits, spaces or + ( ) . -",
        "code": "not_a_phone",
        "params": {},
    }


def test_every_error_carries_a_code_and_its_limits_so_a_client_says_it_in_its_own_language(
    sqlite_suite: Suite,
) -> None:
    """The gateway's checks and the services' alike (docs/api.md, "Second wave")."""
    suite, admin = sqlite_suite, sqlite_suite.headers()

    def errors(method: str, path: str, body: object) -> list[tuple[str, str, dict[str, object]]]:
        reply = getattr(suite.client, method)(f"/api/v1{path}", json=body, headers=admin)
        assert reply.status_code == 422, reply.get_json()
        return [(e["field"], e["code"], e["params"]) for e in reply.get_json()["errors"]]

    assert errors("post", "/counterparties", {"name": "x" * 301}) == [("name", "too_long", {"max_length": 300})]  # fmt: skip
    assert errors("post", "/counterparties", {}) == [("name", "required", {})]
    assert errors("post", "/counterparties", {"name": "A", "colour": "đỏ"}) == [("colour", "unknown_field", {})]  # fmt: skip
    assert errors("post", "/counterparties", {"name": "A", "tax_id": "?"}) == [("tax_id", "not_a_tax_id", {})]  # fmt: skip
    body = {"title": "Đơn", "pipeline_id": "no-such-pipeline", "counterparty_id": "x"}
    [(field, code, _)] = errors("post", "/deals", body)  # said by the deals service
    assert (field, code) in {("pipeline_id", "not_found"), ("counterparty_id", "not_found")}
    assert errors("post", "/deal-sources", {"name": "A\u0000"})[0][1] == "nul_character"
    assert all(code != "" for _, code, _ in errors("post", "/tasks", {"title": ""}))
