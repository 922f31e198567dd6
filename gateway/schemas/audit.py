"""The audit of API.md ("Second wave"): who changed which record, when, what and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, JsonValue

from gateway.schemas.common import Id, Page, PageQuery

# Every kind of record with a history, and the service that keeps it (each keeps its own).
KEPT_BY = {
    "counterparty": "contacts", "contact": "contacts", "interaction": "contacts",
    "company_group": "contacts", "relationship": "contacts",
    "deal": "deals", "task": "deals", "participant": "deals", "campaign": "deals",
    "list_item": "deals", "lost_reason": "deals", "file": "deals", "pipeline": "deals",
    "company_settings": "deals",
    "document": "deals", "campaign_response": "deals",
    "mailbox": "mail", "mail_template": "mail", "address_group": "mail", "mail_rule": "mail",
    "user": "gateway", "group": "gateway", "api_key": "gateway",
}  # fmt: skip
ActorKind = Literal["user", "api_key", "system"]


def _kept(entity: str) -> str:
    if entity not in KEPT_BY:
        raise ValueError(f"must be one of {', '.join(sorted(KEPT_BY))}")
    return entity


ENTITIES: list[JsonValue] = [*sorted(KEPT_BY)]
Entity = Annotated[str, AfterValidator(_kept), Field(json_schema_extra={"enum": ENTITIES})]


class AuditQuery(PageQuery):
    entity: Entity | None = Field(None, description="the kind of record")
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
