"""The analytics consumer: every projection is built here, from events only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from crm.events.v1 import contacts_pb2, deals_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.consumer import dispatch_by_type
from crmkit.rabbit import QueueSpec
from services.analytics.adapters import orm
from services.analytics.adapters.projections import SqlAlchemyProjections
from services.analytics.service_layer import win_probability

QUEUE = QueueSpec(
    "analytics",
    bindings=(
        "contacts.counterparty.*",
        "contacts.interaction.logged",
        "deals.deal.*",
        "deals.pipeline.*",
        "deals.campaign.*",
        "deals.participant.added",
        "deals.task.*",
        "deals.invoice.*",
        "deals.order.*",
    ),
)


CENT = Decimal("0.01")


def _now() -> datetime:
    return datetime.now(UTC)


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _opt(message: object, name: str) -> str | None:
    return getattr(message, name) if message.HasField(name) else None  # type: ignore[attr-defined]


def _counterparty(p: SqlAlchemyProjections, e: Envelope) -> None:
    if e.type == "contacts.counterparty.deleted":
        deleted = contacts_pb2.CounterpartyDeleted.FromString(e.payload)
        p.mark_deleted(deleted.counterparty_id, _time(e.occurred_at) or datetime.now(UTC))
        return
    c = contacts_pb2.CounterpartyCreated.FromString(e.payload).counterparty
    values = {
        "id": c.id,
        "name": c.name,
        "roles": "," + ",".join(c.roles) + ",",
        "owner_id": _opt(c, "owner_id"),
        "completeness": c.completeness,
        "deleted": False,
        "version": _time(c.updated_at),
    }
    p.keep_newest(orm.customers, values)


def _interaction(p: SqlAlchemyProjections, e: Envelope) -> None:
    i = contacts_pb2.InteractionLogged.FromString(e.payload).interaction
    values = {
        "id": i.id,
        "counterparty_id": i.counterparty_id,
        "owner_id": _opt(i, "owner_id"),
        "kind": i.kind,
        "done_at": _time(_opt(i, "done_at") or ""),
    }
    p.add_once(orm.interactions, "id", values)


def _deal(p: SqlAlchemyProjections, e: Envelope) -> None:
    if e.type == "deals.deal.stage_changed":
        changed = deals_pb2.DealStageChanged.FromString(e.payload)
        deal = changed.deal
        entry = {
            "event_id": e.event_id,
            "deal_id": deal.id,
            "stage_id": changed.to_stage_id,
            "entered_at": _time(changed.at) or _time(e.occurred_at),
        }
        p.enter_stage(entry)
    else:
        deal = deals_pb2.DealChanged.FromString(e.payload).deal
    amount = Decimal(deal.amount) if deal.HasField("amount") else None
    close = date.fromisoformat(deal.expected_close_date) if deal.expected_close_date else None
    values = {
        "id": deal.id,
        "pipeline_id": deal.pipeline_id,
        "counterparty_id": deal.counterparty_id,
        "owner_id": _opt(deal, "owner_id"),
        "stage_id": deal.stage_id,
        "campaign_id": _opt(deal, "campaign_id"),
        "status": deal.status,
        "amount": amount,
        "currency": _opt(deal, "currency"),
        "probability": deal.probability,
        "expected_close_date": close,
        "created_at": _time(deal.created_at),
        "closed_at": _time(_opt(deal, "closed_at") or ""),
        "lost_reason_id": _opt(deal, "lost_reason_id"),
        "lost_to_competitor_id": _opt(deal, "lost_to_competitor_id"),
        "version": _time(deal.updated_at),
        "title": deal.title,
        "weighted_amount": (amount * deal.probability / 100).quantize(CENT) if amount else None,
        "close_month": close.year * 12 + close.month - 1 if close else None,
    }
    p.keep_newest(orm.deals, values)
    p.refresh_progress(orm.deals.c.id == deal.id)
    _rescore(p, deal.id, e)


def _rescore(p: SqlAlchemyProjections, deal_id: str | None, e: Envelope) -> None:
    """Any change to a deal or its environment gives it a fresh win probability."""
    if deal_id:
        win_probability.score_and_tell(p.session, deal_id, _time(e.occurred_at) or _now())


def _pipeline(p: SqlAlchemyProjections, e: Envelope) -> None:
    pipeline = deals_pb2.PipelineChanged.FromString(e.payload).pipeline
    before = p.stage_positions(pipeline.id)
    for stage in pipeline.stages:
        values = {
            "id": stage.id,
            "pipeline_id": pipeline.id,
            "name": stage.name,
            "position": stage.position,
            "probability": stage.probability,
            "archived": stage.archived,
            "stall_after_days": _opt(stage, "stall_after_days"),
            "version": _time(e.occurred_at),
        }
        p.keep_newest(orm.stages, values)
    if p.stage_positions(pipeline.id) != before:  # reordered: how far each deal got changes
        p.refresh_progress(orm.deals.c.pipeline_id == pipeline.id)


def _campaign(p: SqlAlchemyProjections, e: Envelope) -> None:
    if e.type.startswith("deals.campaign.response"):
        r = deals_pb2.CampaignResponded.FromString(e.payload).response
        response = {
            "id": r.id,
            "campaign_id": r.campaign_id,
            "counterparty_id": _opt(r, "counterparty_id"),
            "deal_id": _opt(r, "deal_id"),
            "created_at": _time(r.created_at),
            "version": _time(e.occurred_at),
        }
        p.keep_newest(orm.campaign_responses, response)
        return
    c = deals_pb2.CampaignChanged.FromString(e.payload).campaign
    start, end = _opt(c, "start_date"), _opt(c, "end_date")
    campaign = {
        "id": c.id,
        "name": c.name,
        "channel": _opt(c, "channel"),
        "cost": Decimal(c.cost) if c.HasField("cost") else None,
        "currency": _opt(c, "currency"),
        "start_date": date.fromisoformat(start) if start else None,
        "end_date": date.fromisoformat(end) if end else None,
        "version": _time(e.occurred_at),
    }
    p.keep_newest(orm.campaigns, campaign)


def _invoice(p: SqlAlchemyProjections, e: Envelope) -> None:
    d = deals_pb2.ErpDocumentChanged.FromString(e.payload).document
    status = _opt(d, "status") or "posted"
    values = {
        "id": d.id,
        "counterparty_id": d.counterparty_id,
        "deal_id": _opt(d, "deal_id"),
        "date": date.fromisoformat(d.date),
        "status": status,
        "paid_at": _time(_opt(d, "paid_at") or ""),
        "version": _time(d.updated_at),
    }
    if not p.keep_newest(orm.invoices, values):
        return
    facts = [
        {
            "invoice_id": d.id,
            "line_no": number,
            "counterparty_id": d.counterparty_id,
            "date": values["date"],
            "sku": line.sku,
            "quantity": Decimal(line.quantity),
            "revenue": Decimal(line.revenue),
            "gross_profit": Decimal(line.gross_profit),
            "discount": Decimal(line.discount or "0"),
            "owner_id": _opt(d, "owner_id"),
        }
        for number, line in enumerate(d.lines)
    ]
    p.replace_facts(d.id, facts if status != "cancelled" else [])


def _order(p: SqlAlchemyProjections, e: Envelope) -> None:
    d = deals_pb2.ErpDocumentChanged.FromString(e.payload).document
    values = {
        "id": d.id,
        "counterparty_id": d.counterparty_id,
        "kind": _opt(d, "order_kind") or "customer",
        "status": _opt(d, "status") or "open",
        "failure_reason_id": _opt(d, "failure_reason_id"),
        "date": date.fromisoformat(d.date),
        "owner_id": _opt(d, "owner_id"),
        "version": _time(d.updated_at),
    }
    p.keep_newest(orm.orders, values)


def _participant(p: SqlAlchemyProjections, e: Envelope) -> None:
    added = deals_pb2.ParticipantAdded.FromString(e.payload).participant
    values = {
        "id": added.id,
        "deal_id": added.deal_id,
        "role": added.role,
        "attitude": added.attitude,
        "influence": added.influence,
        "added_at": _time(e.occurred_at),
    }
    p.add_once(orm.participants, "id", values)
    _rescore(p, added.deal_id, e)


def _task(p: SqlAlchemyProjections, e: Envelope) -> None:
    task = deals_pb2.TaskChanged.FromString(e.payload).task
    values = {
        "id": task.id,
        "deal_id": _opt(task, "deal_id"),
        "due_date": date.fromisoformat(task.due_date),
        "completed_at": _time(_opt(task, "completed_at") or ""),
        "version": _time(e.occurred_at),
    }
    p.keep_newest(orm.tasks, values)
    _rescore(p, values["deal_id"], e)


ROUTES: list[tuple[str, Callable[[SqlAlchemyProjections, Envelope], None]]] = [
    ("contacts.counterparty.", _counterparty),
    ("contacts.interaction.logged", _interaction),
    ("deals.deal.", _deal),
    ("deals.pipeline.", _pipeline),
    ("deals.campaign.", _campaign),
    ("deals.participant.added", _participant),
    ("deals.task.", _task),
    ("deals.invoice.", _invoice),
    ("deals.order.", _order),
]


def apply_event(session: Session, envelope: Envelope) -> None:
    dispatch_by_type(ROUTES, SqlAlchemyProjections(session), envelope, "analytics")
