"""Lost reasons, marketing campaigns and the responses that become deals."""

from __future__ import annotations

from crmkit.domain import described
from crmkit.errors import Conflict, InvalidInput, found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.domain import commands, events, model
from services.deals.service_layer.deals import check_counterparty, open_deal
from services.deals.service_layer.pipelines import AREA
from services.deals.service_layer.unit_of_work import CounterpartyDirectory, Listed, UnitOfWork


def create_lost_reason(
    command: commands.CreateLostReason, uow: UnitOfWork, actor: Identity
) -> model.LostReason:
    actor.require_writer(AREA)
    with uow:
        reason = model.LostReason(name=command.name, kind=command.kind or "deal")
        clash = uow.lost_reasons.named(reason.name)
        if clash is not None:
            raise Conflict(f"lost reason {reason.name!r} already exists", existing_id=clash.id)
        uow.lost_reasons.add(reason)
        uow.publish(events.EntryChanged(reason, described(reason, ("name", "kind")), "created"))
        uow.commit()
    return reason


def list_lost_reasons(
    uow: UnitOfWork, kind: str | None, page: Page, archived: bool = False
) -> Listed[model.LostReason]:
    with uow:
        return uow.views.lost_reasons(kind, page, archived)


def create_campaign(
    command: commands.CreateCampaign, uow: UnitOfWork, actor: Identity
) -> model.Campaign:
    campaign = model.Campaign(
        name=command.name,
        channel=command.channel,
        cost=command.cost,
        currency=command.currency,
        start_date=command.start_date,
        end_date=command.end_date,
    )
    actor.require_writer(AREA)
    with uow:
        uow.campaigns.add(campaign)
        uow.publish(events.CampaignCreated(campaign))
        uow.commit()
    return campaign


def list_campaigns(uow: UnitOfWork, page: Page, archived: bool = False) -> Listed[model.Campaign]:
    with uow:
        return uow.views.campaigns(page, archived)


def get_campaign(uow: UnitOfWork, campaign_id: str) -> model.Campaign:
    with uow:
        return campaign_of(uow, campaign_id)


def change_campaign(
    command: commands.ChangeCampaign, uow: UnitOfWork, actor: Identity
) -> model.Campaign:
    actor.require_writer(AREA)
    with uow:
        campaign = campaign_of(uow, command.campaign_id)
        campaign.expect(command.expected_version)
        campaign.require_current()
        changes = campaign.change(command.changes)
        if changes:
            uow.publish(events.CampaignChanged(campaign, changes))
        uow.commit()
    return campaign


def archive_campaign(
    command: commands.ArchiveCampaign, uow: UnitOfWork, actor: Identity
) -> model.Campaign:
    """Archived (over: no new responses or deals name it; what names it keeps it) or, with
    `restore`, back."""
    actor.require_writer(AREA)
    with uow:
        campaign = campaign_of(uow, command.campaign_id)
        changes, action = campaign.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.publish(events.CampaignChanged(campaign, changes, action))
        uow.commit()
    return campaign


def campaign_of(uow: UnitOfWork, campaign_id: str) -> model.Campaign:
    return found(uow.campaigns.get(campaign_id), "campaign", campaign_id)


def record_campaign_response(
    command: commands.RecordCampaignResponse,
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    actor: Identity,
) -> model.CampaignResponse:
    response = model.CampaignResponse(
        campaign_id=command.campaign_id,
        kind=command.kind,
        counterparty_id=command.counterparty_id,
        prospect_name=command.prospect_name,
        prospect_email=command.prospect_email,
        prospect_phone=command.prospect_phone,
        note=command.note,
    )
    actor.require_writer(AREA)
    check_counterparty(directory, response.counterparty_id)
    with uow:
        if campaign_of(uow, response.campaign_id).archived:
            raise Conflict("the campaign is archived; restore it to record responses")
        uow.responses.add(response)
        uow.publish(events.CampaignResponseRecorded(response))
        uow.commit()
    return response


def list_responses(
    uow: UnitOfWork, campaign_id: str, page: Page, archived: bool = False
) -> Listed[model.CampaignResponse]:
    with uow:
        campaign_of(uow, campaign_id)
        return uow.views.responses(campaign_id, page, archived)


def _response_of(uow: UnitOfWork, response_id: str) -> model.CampaignResponse:
    return found(uow.responses.get(response_id), "campaign response", response_id)


def change_campaign_response(
    command: commands.ChangeCampaignResponse, uow: UnitOfWork, actor: Identity
) -> model.CampaignResponse:
    actor.require_writer(AREA)
    with uow:
        response = _response_of(uow, command.response_id)
        response.expect(command.expected_version)
        response.require_current()
        changes = response.change(command.changes)
        if changes:
            uow.publish(events.CampaignResponseChanged(response, changes))
        uow.commit()
    return response


def archive_campaign_response(
    command: commands.ArchiveCampaignResponse, uow: UnitOfWork, actor: Identity
) -> model.CampaignResponse:
    """Archived (entered by mistake: the campaign's report no longer counts it) or restored;
    one that became a deal stays: archive the deal instead."""
    actor.require_writer(AREA)
    with uow:
        response = _response_of(uow, command.response_id)
        if not command.restore and response.deal_id is not None:
            raise Conflict("this response became a deal; archive the deal instead")
        changes, action = response.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.publish(events.CampaignResponseChanged(response, changes, action))
        uow.commit()
    return response


def convert_campaign_response(
    command: commands.ConvertCampaignResponse,
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    actor: Identity,
) -> model.Deal:
    """A deal for the response, with a counterparty registered first for a prospect. Safe to
    repeat after a failure: contacts answers a known prospect with the existing counterparty,
    and the deal and the response's link to it commit together."""
    actor.require_writer(AREA)
    with uow:
        response = _unconverted(uow, command.response_id)
    counterparty_id = response.counterparty_id or directory.register_prospect(
        response.prospect_name or "",
        response.prospect_email,
        response.prospect_phone,
        command.owner_id or actor.person_id,
    )
    with uow:
        response = _unconverted(uow, command.response_id)
        campaign = campaign_of(uow, response.campaign_id)
        pipeline = (
            uow.pipelines.get(command.pipeline_id) if command.pipeline_id else uow.pipelines.first()
        )
        if pipeline is None:
            raise InvalidInput.field("pipeline_id", "no such pipeline; create one first")
        title = f"{campaign.name}: {response.prospect_name or response.kind}"
        opening = command.opening(pipeline.id, title, counterparty_id, campaign.id)
        deal = open_deal(opening, uow, actor)
        response.counterparty_id, response.deal_id = counterparty_id, deal.id
        uow.publish(events.CampaignResponseConverted(response))
        uow.commit()
    return deal


def _unconverted(uow: UnitOfWork, response_id: str) -> model.CampaignResponse:
    response = _response_of(uow, response_id)
    response.require_current()
    if response.deal_id is not None:
        raise Conflict("this response is already a deal", existing_id=response.deal_id)
    return response
