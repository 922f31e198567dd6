"""Shared steps of the deals tests: a counterparty, a pipeline, a deal, a user."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support import Suite

API = "/api/v1"


def unique(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def ok(reply: Any, status: int = 200) -> Any:
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def counterparty(suite: Suite, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": unique("Công ty "), "force": True, **fields}
    return ok(suite.client.post(f"{API}/counterparties", json=body, headers=headers), 201)  # type: ignore[no-any-return]


def pipeline(
    suite: Suite, headers: dict[str, str], mode: str, stages: list[dict[str, Any]]
) -> dict[str, Any]:
    body = {"name": unique("Pipeline "), "mode": mode, "stages": stages}
    return ok(suite.client.post(f"{API}/pipelines", json=body, headers=headers), 201)  # type: ignore[no-any-return]


def deal(
    suite: Suite, headers: dict[str, str], pipeline_id: str, counterparty_id: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "title": unique("Deal "),
        "pipeline_id": pipeline_id,
        "counterparty_id": counterparty_id,
        **fields,
    }
    return ok(suite.client.post(f"{API}/deals", json=body, headers=headers), 201)  # type: ignore[no-any-return]


def tasks_of(
    suite: Suite, headers: dict[str, str], deal_id: str, status: str = "open"
) -> list[dict[str, Any]]:
    reply = suite.client.get(
        f"{API}/tasks", query_string={"deal_id": deal_id, "status": status}, headers=headers
    )
    return ok(reply)["items"]  # type: ignore[no-any-return]


def user_id(suite: Suite, headers: dict[str, str]) -> str:
    return ok(suite.client.get(f"{API}/me", headers=headers))["id"]  # type: ignore[no-any-return]


def history(suite: Suite, headers: dict[str, str], entity: str, entity_id: str) -> list[Any]:
    """A record's audit entries, newest first."""
    query = {"entity": entity, "entity_id": entity_id}
    return ok(suite.client.get(f"{API}/audit", query_string=query, headers=headers))["items"]  # type: ignore[no-any-return]
