"""The audit of API.md ("Second wave"): who changed which record, when, what and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from gateway.schemas.common import Id, Page, PageQuery

# Every kind of record with a history, and the service that keeps it (each keeps its own).
KEPT_BY = {
    "counterparty": "contacts", "contact": "contacts", "interaction": "contacts",
    "company_group": "contacts", "relationship": "contacts",
    "deal": "deals", "task": "deals", "list_item": "deals", "lost_reason": "deals",
}  # fmt: skip
Entity = Literal[
    "counterparty",
    "contact",
    "interaction",
    "company_group",
    "relationship",
    "deal",
    "task",
    "list_item",
    "lost_reason",
]
ActorKind = Literal["user", "api_key", "system"]


class AuditQuery(PageQuery):
    entity: Entity | None = None
    entity_id: Id | None = None
    actor_id: Id | None = None
    since: AwareDatetime | None = Field(None, alias="from", description="from this moment on")
    until: AwareDatetime | None = Field(None, alias="to", description="before this moment")


class AuditEntry(BaseModel):
    at: datetime
    actor_id: str | None = Field(None, description="a user's id, an API key's id; none: system")
    actor_kind: ActorKind
    entity: str
    entity_id: str
    action: str = Field(description="created, updated, archived, restored, rescheduled, done, ...")
    changes: dict[str, list[object]] = Field(description="per field changed: [old, new]")
    request_id: str | None = Field(None, description="the request it came from (X-Request-Id)")


AuditPage = Page[AuditEntry]
