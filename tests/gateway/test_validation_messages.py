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
    }
