"""The analytics service's projections: everything it computes on, fed only by events.

Each row keeps the version (the source's `updated_at`) it was built from, so that an older
event arriving late never overwrites a newer state, and a replay of the whole stream rebuilds
the same tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    false,
)

from crmkit.db import UtcDateTime, id_column
from crmkit.inbox import define_inbox
from crmkit.outbox import define_outbox

metadata = MetaData()

# The status of a deal archived in deals (opened by mistake or twice): no report counts it.
ARCHIVED = "archived"


_id = id_column


customers = Table(
    "customers",
    metadata,
    _id(primary_key=True),
    Column("name", String(300), nullable=False),
    Column("roles", String(200), nullable=False),
    _id("owner_id", index=True),
    Column("completeness", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("version", UtcDateTime, nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    _id(primary_key=True),
    _id("counterparty_id", nullable=False, index=True),
    _id("deal_id"),
    Column("date", Date, nullable=False),
    Column("status", String(10), nullable=False),
    Column("paid_at", UtcDateTime),
    Column("version", UtcDateTime, nullable=False),
)

# ANALYTICS.md, "Sales facts": one row per invoice line.
sales_facts = Table(
    "sales_facts",
    metadata,
    _id("invoice_id", primary_key=True),
    Column("line_no", Integer, primary_key=True),
    _id("counterparty_id", nullable=False),
    Column("date", Date, nullable=False),
    Column("sku", String(100), nullable=False),
    Column("quantity", Numeric(18, 4), nullable=False),
    Column("revenue", Numeric(18, 2), nullable=False),
    Column("gross_profit", Numeric(18, 2), nullable=False),
    Column("discount", Numeric(18, 2), nullable=False),
    _id("owner_id"),
    Index("ix_sales_facts_customer_date", "counterparty_id", "date"),
    Index("ix_sales_facts_date", "date"),
)

orders = Table(
    "orders",
    metadata,
    _id(primary_key=True),
    _id("counterparty_id", nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    _id("failure_reason_id"),
    Column("date", Date, nullable=False),
    _id("owner_id"),
    Column("version", UtcDateTime, nullable=False),
)

deals = Table(
    "deals",
    metadata,
    _id(primary_key=True),
    _id("pipeline_id", nullable=False, index=True),
    _id("counterparty_id", nullable=False, index=True),
    _id("owner_id", index=True),
    _id("stage_id", nullable=False),
    _id("campaign_id"),
    Column("status", String(10), nullable=False),
    Column("amount", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("probability", Integer, nullable=False),
    Column("expected_close_date", Date),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    _id("lost_reason_id"),
    _id("lost_to_competitor_id"),
    Column("version", UtcDateTime, nullable=False),
    # What the reports group and filter the deal by, as deals sent it: {"owner": id, ...}
    Column("dimensions", JSON, nullable=False, server_default="{}"),
    # Derived when the row is written, so that the funnel is one scan of this table:
    Column("title", String(300)),
    Column("weighted_amount", Numeric(18, 2)),  # amount * probability / 100
    Column("close_month", Integer),  # year * 12 + month - 1 of expected_close_date
    Column("furthest_position", Integer),  # the furthest stage the deal ever entered
    Column("stage_entered_at", UtcDateTime),  # when its current stay began
    Index("ix_deals_pipeline_created", "pipeline_id", "created_at"),
    Index("ix_deals_pipeline_stay", "pipeline_id", "status", "stage_id", "stage_entered_at"),
)

# The stages of every pipeline, in their order (deals.pipeline.* events).
stages = Table(
    "stages",
    metadata,
    _id(primary_key=True),
    _id("pipeline_id", nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("probability", Integer, nullable=False),
    Column("archived", Boolean, nullable=False),
    Column("stall_after_days", Integer),
    Column("version", UtcDateTime, nullable=False),
)

# One row per entry into a stage. The deal left it when it entered the next one: `left_at` and
# `days` are set when that next entry is stored, whichever of the two arrives first.
stage_entries = Table(
    "stage_entries",
    metadata,
    Column("event_id", String(36), primary_key=True),
    _id("deal_id", nullable=False),
    _id("stage_id", nullable=False),
    Column("entered_at", UtcDateTime, nullable=False),
    Column("left_at", UtcDateTime),
    Column("days", Float),  # left_at - entered_at of a finished stay
    # of an archived deal: counted in no report (its stays taken out of stay_days, stage_reach)
    Column("archived", Boolean, nullable=False, server_default=false()),
    Index("ix_stage_entries_deal", "deal_id", "entered_at"),
    Index("ix_stage_entries_stay", "stage_id", "days"),
)

# Finished stays per stage and whole day of their length, kept as stays finish: the median and
# p90 are found here first, then read exactly from the few stays of that one day.
stay_days = Table(
    "stay_days",
    metadata,
    _id("stage_id", primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("stays", Integer, nullable=False),
    Column("total_days", Float, nullable=False),
)

# How many deals ever entered each stage (each deal once).
stage_reach = Table(
    "stage_reach",
    metadata,
    _id("stage_id", primary_key=True),
    Column("deals", Integer, nullable=False),
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
    Column("version", UtcDateTime, nullable=False),
)

campaign_responses = Table(
    "campaign_responses",
    metadata,
    _id(primary_key=True),
    _id("campaign_id", nullable=False, index=True),
    _id("counterparty_id"),
    _id("deal_id"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", UtcDateTime, nullable=False),
    # archived in deals (entered by mistake): the campaign's report no longer counts it
    Column("archived", Boolean, nullable=False, server_default=false()),
)

interactions = Table(
    "interactions",
    metadata,
    _id(primary_key=True),
    _id("counterparty_id", nullable=False, index=True),
    _id("owner_id", index=True),
    Column("kind", String(20), nullable=False),
    Column("done_at", UtcDateTime, index=True),  # none while planned, and once archived
    Column("version", Integer, nullable=False, server_default="1"),
)

classification_runs = Table(
    "classification_runs",
    metadata,
    _id(primary_key=True),
    Column("parameter", String(20), nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("abc_limits", JSON, nullable=False),
    Column("xyz_limits", JSON, nullable=False),
    Column("xyz_period", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("reason", Text),
    Column("run_key", String(200), unique=True),  # a scheduled run's key: started once
    Column("customers", Integer, nullable=False, default=0),
    Column("negative", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    # What the run waits for before it computes: event type -> its source's number when asked.
    Column("awaited", JSON, nullable=False, server_default="{}"),
    Column("wait_seconds", Integer, nullable=False, server_default="300"),
    Column("partial_allowed", Boolean, nullable=False, server_default=false()),
    Column("waited_seconds", Float),
    Column("partial", Boolean, nullable=False, server_default=false()),
)

# Kept for ever: the history of every customer's classes.
classification_results = Table(
    "classification_results",
    metadata,
    _id("run_id", primary_key=True),
    _id("counterparty_id", primary_key=True),
    Column("value", Numeric(20, 4), nullable=False),
    Column("share", Float, nullable=False),
    Column("cumulative_share", Float, nullable=False),
    Column("abc", String(1), nullable=False),
    Column("cv", Float),
    Column("xyz", String(1)),
    Column("status", String(10), nullable=False),
    Index("ix_classification_results_customer", "counterparty_id"),
)

# What users set: "ABC/XYZ every Monday 03:00 over the last 12 months".
classification_schedules = Table(
    "classification_schedules",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("cron", String(100), nullable=False),
    Column("parameter", String(20), nullable=False),
    Column("window_months", Integer, nullable=False),
    Column("abc_limits", JSON, nullable=False),
    Column("xyz_limits", JSON, nullable=False),
    Column("xyz_period", String(10), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# What the win model looks at besides the deals (deals.participant.added, deals.task.*).
participants = Table(
    "participants",
    metadata,
    _id(primary_key=True),
    _id("deal_id", nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("attitude", String(10), nullable=False),
    Column("influence", Integer, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
)

tasks = Table(
    "tasks",
    metadata,
    _id(primary_key=True),
    _id("deal_id", index=True),
    Column("due_date", Date, nullable=False),
    Column("completed_at", UtcDateTime),
    Column("version", UtcDateTime, nullable=False),
)

# Every trained win model, kept: its metrics, features, window and parameters (plain JSON
# numbers, never a pickle). The promoted one answers; none promoted: the stage baseline does.
win_models = Table(
    "win_models",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("status", String(10), nullable=False),  # queued | running | done | failed
    Column("reason", Text),
    Column("run_key", String(200), unique=True),
    Column("window_from", Date),
    Column("window_to", Date),
    Column("deals", Integer, nullable=False, default=0),
    Column("metrics", JSON),  # auc, brier of the model; of the baseline; of the model it met
    Column("features", JSON),
    Column("model", JSON),
    Column("baseline", JSON),
    Column("promoted", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("trained_at", UtcDateTime),
    # What the training waits for before it trains, as classification_runs
    Column("awaited", JSON, nullable=False, server_default="{}"),
    Column("wait_seconds", Integer, nullable=False, server_default="300"),
    Column("partial_allowed", Boolean, nullable=False, server_default=false()),
    Column("waited_seconds", Float),
    Column("partial", Boolean, nullable=False, server_default=false()),
)

# When the win model is trained again by itself ("every Sunday 02:00 on the last 24 months").
win_model_schedule = Table(
    "win_model_schedule",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("cron", String(100), nullable=False),
    Column("window_months", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The latest score of each deal, as published in analytics.deal.scored.
deal_scores = Table(
    "deal_scores",
    metadata,
    _id("deal_id", primary_key=True),
    Column("probability", Float, nullable=False),
    Column("model_version", Integer),  # none: the stage baseline
    Column("factors", JSON, nullable=False),
    Column("scored_at", UtcDateTime, nullable=False),
)

outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
