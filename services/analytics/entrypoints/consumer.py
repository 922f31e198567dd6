"""The analytics consumer: every projection is built here, from events only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from crm.contacts.v1.contacts_pb2 import Counterparty
from crm.events.v1.contacts_pb2 import (
    CounterpartyCreated,
    CounterpartyDeleted,
    CounterpartyUpdated,
    InteractionLogged,
)
from crm.events.v1.deals_pb2 import (
    CampaignChanged,
    CampaignResponded,
    DealChanged,
    DealStageChanged,
    ErpDocumentChanged,
    ParticipantAdded,
    PipelineChanged,
    TaskChanged,
)
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.events import Routes, on
from crmkit.rabbit import QueueSpec
from services.analytics.adapters import orm
from services.analytics.adapters.projections import SqlAlchemyProjections
from services.analytics.adapters.unit_of_work import EventUnitOfWork
from services.analytics.domain.commands import ScoreDeals
from services.analytics.service_layer import win_probability


class Projecting(SqlAlchemyProjections):
    """The projections as one delivery, or one batch of them, changes them; and the deals it
    changed, to be scored once when all of it is applied (deal id → the moment of its last
    change, in the order of their last changes)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.to_score: dict[str, datetime] = {}

    def score_changed_deals(self) -> None:
        """In the same transaction as the events: one read per kind of fact for all of them."""
        moments, self.to_score = self.to_score, {}
        win_probability.score_and_tell_many(ScoreDeals(moments), EventUnitOfWork(self.session))


P = Projecting

CENT = Decimal("0.01")


def _now() -> datetime:
    return datetime.now(UTC)


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _opt(message: Message, name: str) -> str | None:
    return getattr(message, name) if message.HasField(name) else None


def _counterparty_deleted(p: P, deleted: CounterpartyDeleted, e: Envelope) -> None:
    p.mark_deleted(deleted.counterparty_id, _time(e.occurred_at) or datetime.now(UTC))


def _counterparty(p: P, message: CounterpartyCreated | CounterpartyUpdated, e: Envelope) -> None:
    c: Counterparty = message.counterparty
    values = {
        "id": c.id,
        "name": c.name,
        "roles": "," + ",".join(c.roles) + ",",
        "owner_id": _opt(c, "owner_id"),
        "completeness": c.completeness,
        "deleted": c.HasField("archived_at"),  # restored: back in the reports
        "version": _time(c.updated_at),
    }
    p.keep_newest(orm.customers, values)


def _interaction(p: P, message: InteractionLogged, e: Envelope) -> None:
    """Logged or changed since: its newest version. An archived one counts for nothing (no
    done_at); restored, it counts again."""
    i = message.interaction
    archived = i.HasField("archived_at")
    values = {
        "id": i.id,
        "counterparty_id": i.counterparty_id,
        "owner_id": _opt(i, "owner_id"),
        "kind": i.kind,
        "done_at": None if archived else _time(_opt(i, "done_at") or ""),
        "version": i.version or 1,
    }
    p.keep_newest(orm.interactions, values)


def _stage_changed(p: P, changed: DealStageChanged, e: Envelope) -> None:
    p.enter_stage(_stage_entry(changed, e))
    _deal(p, changed, e)


def _stage_entry(changed: DealStageChanged, e: Envelope) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "deal_id": changed.deal.id,
        "stage_id": changed.to_stage_id,
        "entered_at": _time(changed.at) or _time(e.occurred_at),
    }


def _deal(p: P, message: DealChanged | DealStageChanged, e: Envelope) -> None:
    row = _deal_row(message)
    was = p.statuses([row["id"]])
    if p.keep_newest(orm.deals, row):
        _follow_archive(p, was, [row])
    p.refresh_progress(orm.deals.c.id == message.deal.id)
    _rescore(p, message.deal.id, e)


def _follow_archive(p: P, was: dict[str, str], stored: list[dict[str, Any]]) -> None:
    """A deal archived or restored since its stored row: its stays leave or rejoin the counts."""
    for row in stored:
        before = was.get(row["id"])
        if before is not None and (before == orm.ARCHIVED) != (row["status"] == orm.ARCHIVED):
            p.archive_stays(row["id"], row["status"] == orm.ARCHIVED)


def _deals(p: P, envelopes: list[Envelope]) -> None:
    """Many deal events at once, as _stage_changed and _deal do each: their stage entries in
    one go, the newest version of each deal stored, each deal's progress refreshed and its score
    noted once."""
    entries: list[dict[str, Any]] = []
    newest: dict[str, dict[str, Any]] = {}
    for envelope in envelopes:
        message: DealChanged | DealStageChanged
        if envelope.type == STAGE_CHANGED:
            message = DealStageChanged.FromString(envelope.payload)
            entries.append(_stage_entry(message, envelope))
        else:
            message = DealChanged.FromString(envelope.payload)
        values = _deal_row(message)
        seen = newest.get(values["id"])
        if seen is None or seen["version"] <= values["version"]:
            newest[values["id"]] = values
        _rescore(p, message.deal.id, envelope)
    p.enter_stages(entries)
    was = p.statuses(list(newest))
    stored = p.keep_newest_many(orm.deals, list(newest.values()))
    _follow_archive(p, was, [row for row in newest.values() if row["id"] in stored])
    p.refresh_progress(orm.deals.c.id.in_(list(newest)))


def _deal_row(message: DealChanged | DealStageChanged) -> dict[str, Any]:
    deal = message.deal
    amount = Decimal(deal.amount) if deal.HasField("amount") else None
    close = date.fromisoformat(deal.expected_close_date) if deal.expected_close_date else None
    values = {
        "id": deal.id,
        "pipeline_id": deal.pipeline_id,
        "counterparty_id": deal.counterparty_id,
        "owner_id": _opt(deal, "owner_id"),
        "stage_id": deal.stage_id,
        "campaign_id": _opt(deal, "campaign_id"),
        "status": orm.ARCHIVED if deal.HasField("archived_at") else deal.status,
        "amount": amount,
        "currency": _opt(deal, "currency"),
        "probability": deal.probability,
        "expected_close_date": close,
        "created_at": _time(deal.created_at),
        "closed_at": _time(_opt(deal, "closed_at") or ""),
        "lost_reason_id": _opt(deal, "lost_reason_id"),
        "lost_to_competitor_id": _opt(deal, "lost_to_competitor_id"),
        "dimensions": dict(message.dimensions),
        "version": _time(deal.updated_at),
        "title": deal.title,
        "weighted_amount": (amount * deal.probability / 100).quantize(CENT) if amount else None,
        "close_month": close.year * 12 + close.month - 1 if close else None,
    }
    return values


def _rescore(p: P, deal_id: str | None, e: Envelope) -> None:
    """Any change to a deal or its environment gives it a fresh win probability, in the same
    transaction as the event: noted here, scored when the delivery or batch is applied."""
    if deal_id:
        p.to_score.pop(deal_id, None)
        p.to_score[deal_id] = _time(e.occurred_at) or _now()


def _pipeline(p: P, message: PipelineChanged, e: Envelope) -> None:
    pipeline = message.pipeline
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


def _response(p: P, message: CampaignResponded, e: Envelope) -> None:
    r = message.response
    response = {
        "id": r.id,
        "campaign_id": r.campaign_id,
        "counterparty_id": _opt(r, "counterparty_id"),
        "deal_id": _opt(r, "deal_id"),
        "created_at": _time(r.created_at),
        "version": _time(e.occurred_at),
        "archived": r.HasField("archived_at"),
    }
    p.keep_newest(orm.campaign_responses, response)


def _campaign(p: P, message: CampaignChanged, e: Envelope) -> None:
    c = message.campaign
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


def _invoice(p: P, message: ErpDocumentChanged, e: Envelope) -> None:
    values, facts = _invoice_rows(message)
    if p.keep_newest(orm.invoices, values):
        p.replace_facts(values["id"], facts)


def _invoices(p: P, messages: list[ErpDocumentChanged]) -> None:
    """Many invoice events at once, as _invoice does each: the newest version of each invoice
    stored, and the sales facts of those it stored replaced."""
    newest: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for message in messages:
        values, facts = _invoice_rows(message)
        seen = newest.get(values["id"])
        if seen is None or seen[0]["version"] <= values["version"]:
            newest[values["id"]] = (values, facts)
    stored = p.keep_newest_many(orm.invoices, [values for values, _ in newest.values()])
    p.replace_facts_many({i: newest[i][1] for i in stored})


def _invoice_rows(message: ErpDocumentChanged) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The invoice's row and its sales facts (none once it is cancelled)."""
    d = message.document
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
    return values, facts if status != "cancelled" else []


def _order(p: P, message: ErpDocumentChanged, e: Envelope) -> None:
    d = message.document
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


def _participant(p: P, message: ParticipantAdded, e: Envelope) -> None:
    """Added, or changed since: its newest version, known from when it was added. An archived
    one takes part in no deal's features (no deal_id); restored, it does again."""
    added = message.participant
    values = {
        "id": added.id,
        "deal_id": "" if added.HasField("archived_at") else added.deal_id,
        "role": added.role,
        "attitude": added.attitude,
        "influence": added.influence,
        "version": added.version or 1,
    }
    if e.type == "deals.participant.added":
        values["added_at"] = _time(e.occurred_at)
    p.keep_newest(orm.participants, values)
    _rescore(p, added.deal_id, e)


def _task(p: P, message: TaskChanged, e: Envelope) -> None:
    """An archived task counts for no deal; restored, it counts again."""
    task = message.task
    deal_id = None if task.HasField("archived_at") else _opt(task, "deal_id")
    values = {
        "id": task.id,
        "deal_id": deal_id,
        "due_date": date.fromisoformat(task.due_date),
        "completed_at": _time(_opt(task, "completed_at") or ""),
        "version": _time(e.occurred_at),
    }
    p.keep_newest(orm.tasks, values)
    _rescore(p, deal_id, e)


DEAL_CHANGES = ("created", "updated", "won", "lost", "reopened")
STAGE_CHANGED = "deals.deal.stage_changed"

ROUTES: Routes[P] = Routes(
    "analytics",
    on("contacts.counterparty.created", CounterpartyCreated, _counterparty),
    on("contacts.counterparty.updated", CounterpartyUpdated, _counterparty),
    on("contacts.counterparty.deleted", CounterpartyDeleted, _counterparty_deleted),
    on(
        ["contacts.interaction.logged", "contacts.interaction.updated"],
        InteractionLogged,
        _interaction,
    ),
    on([f"deals.deal.{change}" for change in DEAL_CHANGES], DealChanged, _deal),
    on(STAGE_CHANGED, DealStageChanged, _stage_changed),
    on(["deals.pipeline.created", "deals.pipeline.updated"], PipelineChanged, _pipeline),
    on(["deals.campaign.created", "deals.campaign.updated"], CampaignChanged, _campaign),
    on(
        [
            f"deals.campaign.{kind}"
            for kind in ("response", "response_converted", "response_updated")
        ],
        CampaignResponded,
        _response,
    ),
    on(["deals.participant.added", "deals.participant.updated"], ParticipantAdded, _participant),
    on(["deals.task.created", "deals.task.completed", "deals.task.updated"], TaskChanged, _task),
    on(
        [f"deals.invoice.{kind}" for kind in ("posted", "updated", "paid", "overdue")],
        ErpDocumentChanged,
        _invoice,
    ),
    on(["deals.order.posted", "deals.order.updated"], ErpDocumentChanged, _order),
)

QUEUE = QueueSpec("analytics", bindings=ROUTES.event_types)


def apply_event(session: Session, envelope: Envelope) -> None:
    p = Projecting(session)
    ROUTES.dispatch(p, envelope)
    p.score_changed_deals()


INVOICE_EVENTS = frozenset(
    f"deals.invoice.{kind}" for kind in ("posted", "updated", "paid", "overdue")
)


DEAL_EVENTS = frozenset([*(f"deals.deal.{change}" for change in DEAL_CHANGES), STAGE_CHANGED])


def _run_of(envelope: Envelope) -> str:
    """The kind of run an event belongs to in a batch: runs of these are applied set-wise."""
    if envelope.type in INVOICE_EVENTS:
        return "invoices"
    return "deals" if envelope.type in DEAL_EVENTS else ""


def apply_events(session: Session, envelopes: list[Envelope]) -> None:
    """A batch in its order; a run of invoice events (an ERP pushing its history) is applied
    set-wise: one select, one insert and one update of the invoices, one delete and one insert
    of their facts; a run of deal events (deals opened and moved) likewise: a read of their
    deals' stage entries, a write of each table they change, one refresh of their progress;
    and the deals they changed are scored once, at the end."""
    p = Projecting(session)
    for kind, run in groupby(envelopes, key=_run_of):
        events = list(run)
        if kind == "invoices" and len(events) > 1:
            _invoices(p, [ErpDocumentChanged.FromString(e.payload) for e in events])
        elif kind == "deals" and len(events) > 1:
            _deals(p, events)
        else:
            for envelope in events:
                ROUTES.dispatch(p, envelope)
    p.score_changed_deals()
