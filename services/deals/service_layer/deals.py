"""Deals: their stages, outcome, environment and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.events.v1 import deals_pb2 as events
from crmkit.errors import Conflict, InvalidInput, found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.adapters import orm, proto
from services.deals.adapters.repository import DealFilter
from services.deals.domain import model
from services.deals.service_layer.pipelines import AREA, pipeline_of
from services.deals.service_layer.unit_of_work import CounterpartyDirectory
from services.deals.service_layer.unit_of_work import SqlAlchemyUnitOfWork as UnitOfWork

DEAL_FIELDS = (
    "title",
    "counterparty_id",
    "amount",
    "currency",
    "expected_close_date",
    "owner_id",
    "campaign_id",
)


def deal_of(uow: UnitOfWork, deal_id: str) -> model.Deal:
    deal: model.Deal = found(uow.deals.get(deal_id), "deal", deal_id)
    return deal


def _publish(uow: UnitOfWork, event_type: str, deal: model.Deal) -> None:
    uow.events.add(event_type, deal.id, events.DealChanged(deal=proto.deal_to_proto(deal)))


def enter_stage(
    uow: UnitOfWork,
    deal: model.Deal,
    pipeline: model.Pipeline,
    stage: model.Stage,
    automatic: bool,
    at: datetime,
) -> None:
    """Moves the deal, records the visit, and in a business process creates the stage's tasks."""
    previous = deal.stage_id
    deal.enter(stage, at)
    uow.deals.enter_stage(deal, stage.id, at)
    changed = events.DealStageChanged(
        deal=proto.deal_to_proto(deal),
        from_stage_id=previous if previous != stage.id else "",
        to_stage_id=stage.id,
        to_stage_name=stage.name,
        automatic=automatic,
        at=at.isoformat(),
    )
    uow.events.add("deals.deal.stage_changed", deal.id, changed)
    if pipeline.mode == "business_process":
        for template in stage.task_templates:
            task = model.Task.from_template(template, deal, stage, at.date())
            if task.assignee_id:
                uow.tasks.add(task)
                uow.events.add(
                    "deals.task.created",
                    task.id,
                    events.TaskChanged(task=proto.task_to_proto(task)),
                )


def check_counterparty(
    directory: CounterpartyDirectory, counterparty_id: str | None, field: str = "counterparty_id"
) -> None:
    """Asks contacts, before any transaction is open here."""
    if counterparty_id is not None and not directory.exists(counterparty_id):
        raise InvalidInput.field(field, f"counterparty {counterparty_id!r} does not exist")


def _check_campaign(uow: UnitOfWork, fields: dict[str, Any]) -> None:
    campaign_id = fields.get("campaign_id")
    if campaign_id is not None and uow.campaigns.get(campaign_id) is None:
        raise InvalidInput.field("campaign_id", f"campaign {campaign_id!r} does not exist")


def create_deal(
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    pipeline_id: str,
    fields: dict[str, Any],
    actor: Identity,
) -> model.Deal:
    actor.require_writer(AREA)
    check_counterparty(directory, fields.get("counterparty_id"))
    with uow:
        deal = open_deal(uow, pipeline_id, fields, actor)
        uow.commit()
    return deal


def open_deal(
    uow: UnitOfWork, pipeline_id: str, fields: dict[str, Any], actor: Identity
) -> model.Deal:
    """A new deal in the first stage of its pipeline, inside the caller's unit of work."""
    pipeline = uow.pipelines.get(pipeline_id)
    if pipeline is None:
        raise InvalidInput.field("pipeline_id", f"pipeline {pipeline_id!r} does not exist")
    _check_campaign(uow, fields)
    first = pipeline.first_stage()
    fields = {"owner_id": actor.person_id} | {k: v for k, v in fields.items() if v is not None}
    deal = model.Deal(
        pipeline_id=pipeline.id, stage_id=first.id, probability=first.probability, **fields
    )
    deal.check()
    uow.deals.add(deal)
    _publish(uow, "deals.deal.created", deal)
    enter_stage(uow, deal, pipeline, first, automatic=False, at=deal.created_at)
    return deal


def update_deal(
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    deal_id: str,
    changes: dict[str, Any],
    actor: Identity,
) -> model.Deal:
    """Changes fields; `probability` in `changes` sets it by hand (None: back to the stage's)."""
    actor.require_writer(AREA)
    for name in ("title", "counterparty_id"):
        if name in changes and changes[name] is None:
            raise InvalidInput.field(name, "is required")
    check_counterparty(directory, changes.get("counterparty_id"))
    with uow:
        deal = deal_of(uow, deal_id)
        _check_campaign(uow, changes)
        if "probability" in changes:
            stage = pipeline_of(uow, deal.pipeline_id).stage(deal.stage_id)
            assert stage is not None
            deal.set_probability(changes.pop("probability"), stage)
        for name, value in changes.items():
            setattr(deal, name, value)
        deal.check()
        deal.updated_at = model.utcnow()
        _publish(uow, "deals.deal.updated", deal)
        uow.commit()
    return deal


def move_deal(uow: UnitOfWork, deal_id: str, stage_id: str, actor: Identity) -> model.Deal:
    """By hand, in either mode; a manager may override the business process."""
    actor.require_writer(AREA)
    with uow:
        deal = deal_of(uow, deal_id)
        deal.require_open()
        pipeline = pipeline_of(uow, deal.pipeline_id)
        stage = pipeline.stage(stage_id)
        if stage is None:
            raise InvalidInput.field(
                "stage_id", f"stage {stage_id!r} does not belong to pipeline {pipeline.name!r}"
            )
        if stage.archived:
            raise InvalidInput.field("stage_id", f"stage {stage.name!r} is archived")
        if stage.id == deal.stage_id:
            raise Conflict(f"the deal is already in stage {stage.name!r}")
        enter_stage(uow, deal, pipeline, stage, automatic=False, at=model.utcnow())
        uow.commit()
    return deal


def win_deal(uow: UnitOfWork, deal_id: str, actor: Identity) -> model.Deal:
    actor.require_writer(AREA)
    with uow:
        deal = deal_of(uow, deal_id)
        deal.win(model.utcnow())
        _publish(uow, "deals.deal.won", deal)
        uow.commit()
    return deal


def lose_deal(
    uow: UnitOfWork,
    deal_id: str,
    reason_id: str,
    competitor_id: str | None,
    comment: str | None,
    actor: Identity,
) -> model.Deal:
    actor.require_writer(AREA)
    with uow:
        deal = deal_of(uow, deal_id)
        reason = uow.lost_reasons.get(reason_id) if reason_id else None
        if reason is None or reason.kind != "deal":
            message = "name one of the lost reasons of kind deal (GET /lost-reasons?kind=deal)"
            raise InvalidInput.field("reason_id", message)
        deal.lose(reason_id, competitor_id, comment, model.utcnow())
        _publish(uow, "deals.deal.lost", deal)
        uow.commit()
    return deal


def reopen_deal(uow: UnitOfWork, deal_id: str, actor: Identity) -> model.Deal:
    actor.require_writer(AREA)
    with uow:
        deal = deal_of(uow, deal_id)
        stage = pipeline_of(uow, deal.pipeline_id).stage(deal.stage_id)
        assert stage is not None
        deal.reopen(stage, model.utcnow())
        _publish(uow, "deals.deal.reopened", deal)
        uow.commit()
    return deal


def get_deal(uow: UnitOfWork, deal_id: str) -> model.Deal:
    with uow:
        return deal_of(uow, deal_id)


def list_deals(uow: UnitOfWork, wanted: DealFilter, page: Page) -> tuple[list[model.Deal], int]:
    with uow:
        return uow.deals.search(wanted, page)


def stage_history(uow: UnitOfWork, deal_id: str) -> list[model.StageVisit]:
    with uow:
        deal_of(uow, deal_id)
        return uow.deals.history(deal_id)


# -- the deal's environment ----------------------------------------------------------------
def add_participant(
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    participant: model.Participant,
    actor: Identity,
) -> model.Participant:
    actor.require_writer(AREA)
    check_counterparty(directory, participant.counterparty_id)
    with uow:
        deal_of(uow, participant.deal_id)
        uow.participants.add(participant)
        added = events.ParticipantAdded(participant=proto.participant_to_proto(participant))
        uow.events.add("deals.participant.added", participant.id, added)
        uow.commit()
    return participant


def list_participants(
    uow: UnitOfWork, deal_id: str, page: Page
) -> tuple[list[model.Participant], int]:
    with uow:
        deal_of(uow, deal_id)
        return uow.participants.list(page, orm.participants.c.deal_id == deal_id)


def link_participants(
    uow: UnitOfWork, link: model.ParticipantLink, actor: Identity
) -> model.ParticipantLink:
    actor.require_writer(AREA)
    with uow:
        deal_of(uow, link.deal_id)
        for name in ("from_participant_id", "to_participant_id"):
            participant = uow.participants.get(getattr(link, name))
            if participant is None or participant.deal_id != link.deal_id:
                raise InvalidInput.field(name, "is not a participant of this deal")
        uow.links.add(link)
        uow.commit()
    return link


def list_links(
    uow: UnitOfWork, deal_id: str, page: Page
) -> tuple[list[model.ParticipantLink], int]:
    with uow:
        deal_of(uow, deal_id)
        return uow.links.list(page, orm.participant_links.c.deal_id == deal_id)


def timeline(
    uow: UnitOfWork, deal_id: str | None, counterparty_id: str | None, exclude_kinds: list[str]
) -> list[Any]:
    with uow:
        if deal_id is not None:
            deal_of(uow, deal_id)
        return uow.projections.timeline(deal_id, counterparty_id, exclude_kinds)
