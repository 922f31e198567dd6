"""The deals service's tables, mapped onto the plain domain classes, and its projections of
what other services publish."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import registry, relationship

from crmkit.audit import define_audit
from crmkit.db import UtcDateTime, id_column
from crmkit.inbox import define_inbox
from crmkit.outbox import define_outbox
from crmkit.text import searchable
from services.deals.domain import model

metadata = MetaData()
mapper_registry = registry(metadata=metadata)


_id = id_column


pipelines = Table(
    "pipelines",
    metadata,
    _id(primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("mode", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

stages = Table(
    "stages",
    metadata,
    _id(primary_key=True),
    _id("pipeline_id", ForeignKey("pipelines.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("probability", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("task_templates", JSON, nullable=False),
    Column("archived", Boolean, nullable=False),
    Column("stall_after_days", Integer),
)

deals = Table(
    "deals",
    metadata,
    _id(primary_key=True),
    Column("title", String(300), nullable=False),
    Column(
        "title_key", Text, nullable=False, server_default=""
    ),  # searchable(title), may be longer
    _id("pipeline_id", ForeignKey("pipelines.id"), nullable=False, index=True),
    _id("counterparty_id", nullable=False, index=True),
    _id("stage_id", ForeignKey("stages.id"), nullable=False, index=True),
    Column("amount", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("expected_close_date", Date, index=True),
    _id("owner_id", index=True),
    _id("campaign_id", index=True),
    _id("source_id", index=True),  # where the deal came from: an entry of the list deal_source
    Column("status", String(10), nullable=False, index=True),
    Column("probability", Integer, nullable=False),
    Column("probability_manual", Boolean, nullable=False),
    Column("closed_at", UtcDateTime),
    _id("lost_reason_id"),
    _id("lost_to_competitor_id"),
    Column("lost_comment", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("win_probability", Float),
    Column("win_scored_at", UtcDateTime),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

stage_visits = Table(
    "stage_visits",
    metadata,
    _id(primary_key=True),
    _id("deal_id", ForeignKey("deals.id"), nullable=False, index=True),
    _id("stage_id", nullable=False, index=True),
    Column("entered_at", UtcDateTime, nullable=False),
    Column("left_at", UtcDateTime),
)

tasks = Table(
    "tasks",
    metadata,
    _id(primary_key=True),
    Column("title", String(300), nullable=False),
    _id("assignee_id", nullable=False, index=True),
    Column("due_date", Date, nullable=False, index=True),
    Column("status", String(10), nullable=False),
    _id("deal_id", ForeignKey("deals.id"), index=True),
    _id("counterparty_id", index=True),
    _id("stage_id"),
    Column("note", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

task_comments = Table(
    "task_comments",
    metadata,
    _id(primary_key=True),
    _id("task_id", ForeignKey("tasks.id"), nullable=False, index=True),
    _id("author_id"),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

participants = Table(
    "participants",
    metadata,
    _id(primary_key=True),
    _id("deal_id", ForeignKey("deals.id"), nullable=False, index=True),
    _id("counterparty_id", nullable=False),
    Column("role", String(20), nullable=False),
    Column("influence", Integer, nullable=False),
    Column("attitude", String(10), nullable=False),
    Column("note", Text),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

participant_links = Table(
    "participant_links",
    metadata,
    _id(primary_key=True),
    _id("deal_id", ForeignKey("deals.id"), nullable=False, index=True),
    _id("from_participant_id", ForeignKey("participants.id"), nullable=False),
    _id("to_participant_id", ForeignKey("participants.id"), nullable=False),
    Column("kind", String(100), nullable=False),
)

lost_reasons = Table(
    "lost_reasons",
    metadata,
    _id(primary_key=True),
    Column("name", String(200), nullable=False, unique=True),  # one catalogue: unique across kinds
    Column("kind", String(10), nullable=False, server_default="deal"),  # deal | order
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

company_settings = Table(
    "company_settings",
    metadata,
    Column("id", String(20), primary_key=True),  # one row: "company"
    Column("time_zone", String(64), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

# The entries of the lists a company keeps itself (model.MANAGED_LISTS), each list by its name.
list_items = Table(
    "list_items",
    metadata,
    _id(primary_key=True),
    Column("list", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
    Index("ix_list_items_list_name", "list", "name", unique=True),
)

campaigns = Table(
    "campaigns",
    metadata,
    _id(primary_key=True),
    Column("name", String(300), nullable=False),
    Column("channel", String(100)),
    Column("cost", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

campaign_responses = Table(
    "campaign_responses",
    metadata,
    _id(primary_key=True),
    _id("campaign_id", ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("kind", String(100), nullable=False),
    _id("counterparty_id"),
    Column("prospect_name", String(300)),
    Column("prospect_email", String(320)),
    Column("prospect_phone", String(40)),
    Column("note", Text),
    _id("deal_id"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

documents = Table(
    "documents",
    metadata,
    _id(primary_key=True),
    _id("pipeline_id", ForeignKey("pipelines.id"), nullable=False, index=True),
    Column("title", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

files = Table(
    "files",
    metadata,
    _id(primary_key=True),
    _id("deal_id", ForeignKey("deals.id"), index=True),
    _id("counterparty_id", index=True),
    Column("title", String(300), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    _id("uploaded_by"),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

notifications = Table(
    "notifications",
    metadata,
    _id(primary_key=True),
    _id("user_id", nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("title", String(500), nullable=False),
    _id("ref_id", nullable=False),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column(
        "params", JSON, nullable=False, default=dict
    ),  # the facts the reader's words are made of
    Column("due_at", UtcDateTime),
    Column("read_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)

erp_documents = Table(
    "erp_documents",
    metadata,
    _id(primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("number", String(100), nullable=False),
    Column("date", Date, nullable=False, index=True),
    _id("counterparty_id", nullable=False, index=True),
    _id("deal_id", index=True),
    Column("currency", String(3)),
    Column("lines", JSON, nullable=False),
    Column("order_kind", String(10)),
    Column("status", String(10)),
    _id("failure_reason_id"),
    Column("due_date", Date),
    Column("order_external_id", String(100)),
    Column("paid_at", UtcDateTime),
    Column("invoice_external_id", String(100)),
    _id("owner_id"),
    Column("content_hash", String(64), nullable=False),
    Column("overdue_announced_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("kind", "external_id", name="uq_erp_documents_kind_external_id"),
)

# -- projections of other services' data, fed by events ------------------------------------
known_counterparties = Table(
    "known_counterparties",
    metadata,
    _id(primary_key=True),
    Column("name", String(300), nullable=False),
    _id("owner_id"),
    Column("deleted", Boolean, nullable=False, default=False),
)

known_contacts = Table(
    "known_contacts",
    metadata,
    _id(primary_key=True),
    _id("counterparty_id", nullable=False, index=True),
    Column("full_name", String(300), nullable=False),
    Column("birthday_month_day", String(5), index=True),  # "03-08", for "whose birthday is today"
)

known_interactions = Table(
    "known_interactions",
    metadata,
    _id(primary_key=True),
    _id("counterparty_id", nullable=False),
    _id("deal_id", index=True),
    _id("owner_id", index=True),
    Column("kind", String(20), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("planned_at", UtcDateTime, index=True),
    Column("done_at", UtcDateTime),
)

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("event_id", String(36), primary_key=True),
    _id("deal_id"),
    _id("counterparty_id"),
    Column("kind", String(40), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("title", String(500), nullable=False),  # English, for older clients
    Column(
        "params", JSON, nullable=False, default=dict
    ),  # the facts the reader's words are made of
    _id("ref_id", nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("projected_at", UtcDateTime, nullable=False),
    Index("ix_timeline_deal", "deal_id", "at"),
    Index("ix_timeline_counterparty", "counterparty_id", "at"),
)

outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
audit = define_audit(metadata)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(model.Stage, stages)
    mapper_registry.map_imperatively(
        model.Pipeline,
        pipelines,
        version_id_col=pipelines.c.version,
        version_id_generator=False,
        properties={
            "stages": relationship(
                model.Stage,
                lazy="selectin",
                order_by=stages.c.position,
                cascade="all, delete-orphan",
            )
        },
    )
    versioned_tables = (
        (model.Deal, deals), (model.Task, tasks), (model.ListItem, list_items),
        (model.LostReason, lost_reasons), (model.Participant, participants),
        (model.Campaign, campaigns), (model.File, files), (model.Document, documents),
        (model.CampaignResponse, campaign_responses), (model.CompanySettings, company_settings),
    )  # fmt: skip
    for versioned, table in versioned_tables:
        # every UPDATE checks the version the change was made on (crmkit.domain.Lifecycle)
        mapper_registry.map_imperatively(
            versioned, table, version_id_col=table.c.version, version_id_generator=False
        )
    for cls, table in (
        (model.StageVisit, stage_visits),
        (model.TaskComment, task_comments),
        (model.ParticipantLink, participant_links),
        (model.Notification, notifications),
    ):
        mapper_registry.map_imperatively(cls, table)
    event.listen(model.Deal, "before_insert", _fold_title)
    event.listen(model.Deal, "before_update", _fold_title)


def _fold_title(mapper: Any, connection: Any, deal: model.Deal) -> None:
    """Keeps the title findable as people type it: any case, with or without diacritics."""
    deal.title_key = searchable(deal.title)  # type: ignore[attr-defined]
