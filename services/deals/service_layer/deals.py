"""Deals: their stages, outcome, environment and timeline."""

from __future__ import annotations

from datetime import datetime

from crmkit.errors import Conflict, InvalidInput, found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.domain import commands, events, model
from services.deals.domain.commands import NOT_SENT
from services.deals.service_layer.lists import check_listed
from services.deals.service_layer.pipelines import AREA, pipeline_of
from services.deals.service_layer.unit_of_work import (
    CounterpartyDirectory,
    Listed,
    TimelineFact,
    TimelineQuery,
    UnitOfWork,
)


def deal_of(uow: UnitOfWork, deal_id: str) -> model.Deal:
    return found(uow.deals.get(deal_id), "deal", deal_id)


def current_deal_of(uow: UnitOfWork, deal_id: str) -> model.Deal:
    """One that may be changed, moved, closed and given participants: not archived (409)."""
    deal = deal_of(uow, deal_id)
    deal.require_current()
    return deal


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
    from_stage_id = previous if previous != stage.id else None
    uow.publish(events.DealStageChanged(deal, from_stage_id, stage, automatic, at))
    if pipeline.mode == "business_process":
        for template in stage.task_templates:
            task = model.Task.from_template(template, deal, stage, at.date())
            if task.assignee_id:
                uow.tasks.add(task)
                uow.publish(events.TaskCreated(task))


def check_counterparty(
    directory: CounterpartyDirectory, counterparty_id: str | None, field: str = "counterparty_id"
) -> None:
    """Asks contacts, before any transaction is open here."""
    if counterparty_id is not None and not directory.exists(counterparty_id):
        raise InvalidInput.field(
            field, f"counterparty {counterparty_id!r} does not exist", "not_found"
        )


def _check_campaign(uow: UnitOfWork, campaign_id: str | None) -> None:
    """A campaign chosen for a deal is one still running (not archived)."""
    campaign = uow.campaigns.get(campaign_id) if campaign_id is not None else None
    if campaign_id is not None and (campaign is None or campaign.archived):
        raise InvalidInput.field(
            "campaign_id", f"campaign {campaign_id!r} does not exist", "not_found"
        )


def create_deal(
    command: commands.CreateDeal,
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    actor: Identity,
) -> model.Deal:
    actor.require_writer(AREA)
    check_counterparty(directory, command.counterparty_id)
    with uow:
        deal = open_deal(command, uow, actor)
        uow.commit()
    return deal


def open_deal(command: commands.CreateDeal, uow: UnitOfWork, actor: Identity) -> model.Deal:
    """A new deal in the first stage of its pipeline, inside the caller's unit of work."""
    pipeline = uow.pipelines.get(command.pipeline_id)
    if pipeline is None:
        raise InvalidInput.field(
            "pipeline_id", f"pipeline {command.pipeline_id!r} does not exist", "not_found"
        )
    if pipeline.archived:
        raise InvalidInput.field(
            "pipeline_id", f"pipeline {pipeline.name!r} is archived", "archived"
        )
    _check_campaign(uow, command.campaign_id)
    first = pipeline.first_stage()
    deal = model.Deal.open(command, first, actor.person_id)
    check_listed(uow, deal)
    uow.deals.add(deal)
    uow.publish(events.DealOpened(deal))
    enter_stage(uow, deal, pipeline, first, automatic=False, at=deal.created_at)
    return deal


def change_deal(
    command: commands.ChangeDeal,
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    actor: Identity,
) -> model.Deal:
    actor.require_writer(AREA)
    changes = command.changes
    if changes.title is None:
        raise InvalidInput.required("title")
    if changes.counterparty_id is None:
        raise InvalidInput.required("counterparty_id")
    if changes.counterparty_id is not NOT_SENT:
        check_counterparty(directory, changes.counterparty_id)
    with uow:
        deal = deal_of(uow, command.deal_id)
        deal.expect(command.expected_version)
        deal.require_current()
        if changes.campaign_id is not NOT_SENT:
            _check_campaign(uow, changes.campaign_id)
        stage = pipeline_of(uow, deal.pipeline_id).stage(deal.stage_id)
        assert stage is not None
        changed = deal.change(changes, stage, model.utcnow())
        check_listed(uow, deal, changed)
        uow.publish(events.DealChanged(deal, changed))
        uow.commit()
    return deal


def move_deal_to_stage(
    command: commands.MoveDealToStage, uow: UnitOfWork, actor: Identity
) -> model.Deal:
    """By hand, in either mode; a manager may override the business process."""
    actor.require_writer(AREA)
    with uow:
        deal = current_deal_of(uow, command.deal_id)
        deal.require_open()
        pipeline = pipeline_of(uow, deal.pipeline_id)
        stage = pipeline.stage(command.stage_id)
        if stage is None:
            raise InvalidInput.field(
                "stage_id",
                f"stage {command.stage_id!r} does not belong to pipeline {pipeline.name!r}",
            )
        if stage.archived:
            raise InvalidInput.field("stage_id", f"stage {stage.name!r} is archived", "archived")
        if stage.id == deal.stage_id:
            raise Conflict(f"the deal is already in stage {stage.name!r}")
        enter_stage(uow, deal, pipeline, stage, automatic=False, at=model.utcnow())
        uow.commit()
    return deal


def win_deal(command: commands.WinDeal, uow: UnitOfWork, actor: Identity) -> model.Deal:
    actor.require_writer(AREA)
    with uow:
        deal = current_deal_of(uow, command.deal_id)
        deal.win(model.utcnow())
        uow.publish(events.DealWon(deal))
        uow.commit()
    return deal


def lose_deal(command: commands.LoseDeal, uow: UnitOfWork, actor: Identity) -> model.Deal:
    actor.require_writer(AREA)
    with uow:
        deal = current_deal_of(uow, command.deal_id)
        reason = uow.lost_reasons.get(command.reason_id) if command.reason_id else None
        if reason is None or reason.kind != "deal" or reason.archived:
            message = "name one of the lost reasons of kind deal (GET /lost-reasons?kind=deal)"
            raise InvalidInput.field("reason_id", message)
        deal.lose(command.reason_id, command.competitor_id, command.comment, model.utcnow())
        uow.publish(events.DealLost(deal))
        uow.commit()
    return deal


def reopen_deal(command: commands.ReopenDeal, uow: UnitOfWork, actor: Identity) -> model.Deal:
    actor.require_writer(AREA)
    with uow:
        deal = current_deal_of(uow, command.deal_id)
        stage = pipeline_of(uow, deal.pipeline_id).stage(deal.stage_id)
        assert stage is not None
        was = deal.status
        deal.reopen(stage, model.utcnow())
        uow.publish(events.DealReopened(deal, was))
        uow.commit()
    return deal


def archive_deal(command: commands.ArchiveDeal, uow: UnitOfWork, actor: Identity) -> model.Deal:
    """Archived (opened by mistake, a duplicate: it leaves lists and reports, stays readable) or,
    with `restore`, back where it was."""
    actor.require_writer(AREA)
    with uow:
        deal = deal_of(uow, command.deal_id)
        changes, action = deal.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.publish(events.DealChanged(deal, changes, action))
        uow.commit()
    return deal


def get_deal(uow: UnitOfWork, deal_id: str) -> model.Deal:
    with uow:
        return deal_of(uow, deal_id)


def list_deals(uow: UnitOfWork, wanted: model.DealFilter, page: Page) -> Listed[model.Deal]:
    with uow:
        return uow.views.deals(wanted, page)


def stage_history(uow: UnitOfWork, deal_id: str) -> list[model.StageVisit]:
    with uow:
        deal_of(uow, deal_id)
        return uow.views.stage_history(deal_id)


# -- the deal's environment ----------------------------------------------------------------
def add_participant(
    command: commands.AddParticipant,
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    actor: Identity,
) -> model.Participant:
    participant = model.Participant(
        deal_id=command.deal_id,
        counterparty_id=command.counterparty_id,
        role=command.role,
        influence=command.influence,
        attitude=command.attitude,
        note=command.note,
    )
    actor.require_writer(AREA)
    check_counterparty(directory, participant.counterparty_id)
    with uow:
        current_deal_of(uow, participant.deal_id)
        uow.participants.add(participant)
        uow.publish(events.ParticipantAdded(participant))
        uow.commit()
    return participant


def list_participants(
    uow: UnitOfWork, deal_id: str, page: Page, archived: bool = False
) -> Listed[model.Participant]:
    with uow:
        deal_of(uow, deal_id)
        return uow.views.participants(deal_id, page, archived)


def _participant(uow: UnitOfWork, participant_id: str) -> model.Participant:
    return found(uow.participants.get(participant_id), "participant", participant_id)


def change_participant(
    command: commands.ChangeParticipant, uow: UnitOfWork, actor: Identity
) -> model.Participant:
    actor.require_writer(AREA)
    with uow:
        participant = _participant(uow, command.participant_id)
        participant.expect(command.expected_version)
        participant.require_current()
        changes = participant.change(command.changes)
        if changes:
            uow.publish(events.ParticipantChanged(participant, changes))
        uow.commit()
    return participant


def archive_participant(
    command: commands.ArchiveParticipant, uow: UnitOfWork, actor: Identity
) -> model.Participant:
    """Archived (they dropped out of the deal) or, with `restore`, back."""
    actor.require_writer(AREA)
    with uow:
        participant = _participant(uow, command.participant_id)
        changes, action = participant.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.publish(events.ParticipantChanged(participant, changes, action))
        uow.commit()
    return participant


def link_participants(
    command: commands.LinkParticipants, uow: UnitOfWork, actor: Identity
) -> model.ParticipantLink:
    link = model.ParticipantLink(
        command.deal_id, command.from_participant_id, command.to_participant_id, command.kind
    )
    actor.require_writer(AREA)
    with uow:
        current_deal_of(uow, link.deal_id)
        ends = (
            ("from_participant_id", link.from_participant_id),
            ("to_participant_id", link.to_participant_id),
        )
        for field, participant_id in ends:
            participant = uow.participants.get(participant_id)
            if participant is None or participant.deal_id != link.deal_id:
                raise InvalidInput.field(field, "is not a participant of this deal")
        uow.links.add(link)
        uow.commit()
    return link


def list_links(uow: UnitOfWork, deal_id: str, page: Page) -> Listed[model.ParticipantLink]:
    with uow:
        deal_of(uow, deal_id)
        return uow.views.participant_links(deal_id, page)


def timeline(uow: UnitOfWork, wanted: TimelineQuery) -> list[TimelineFact]:
    """A page of a deal's or a counterparty's history, newest first."""
    with uow:
        if wanted.deal_id is not None:
            deal_of(uow, wanted.deal_id)
        return uow.projections.timeline(wanted)
