"""Lost reasons, marketing campaigns and the responses that become deals."""

from __future__ import annotations

from crm.events.v1 import deals_pb2 as events
from crmkit.errors import Conflict, InvalidInput, found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.adapters import orm, proto
from services.deals.domain import model
from services.deals.service_layer.deals import check_counterparty, open_deal
from services.deals.service_layer.pipelines import AREA
from services.deals.service_layer.unit_of_work import CounterpartyDirectory
from services.deals.service_layer.unit_of_work import SqlAlchemyUnitOfWork as UnitOfWork


def create_lost_reason(uow: UnitOfWork, name: str, kind: str, actor: Identity) -> model.LostReason:
    actor.require_writer(AREA)
    with uow:
        reason = model.LostReason(name=name, kind=kind or "deal")
        clash = uow.lost_reasons.first(orm.lost_reasons.c.name == reason.name)
        if clash is not None:
            raise Conflict(f"lost reason {reason.name!r} already exists", existing_id=clash.id)
        uow.lost_reasons.add(reason)
        uow.commit()
    return reason


def list_lost_reasons(
    uow: UnitOfWork, kind: str | None, page: Page
) -> tuple[list[model.LostReason], int]:
    with uow:
        return uow.lost_reasons.list(page, *([orm.lost_reasons.c.kind == kind] if kind else []))


def create_campaign(uow: UnitOfWork, campaign: model.Campaign, actor: Identity) -> model.Campaign:
    actor.require_writer(AREA)
    with uow:
        uow.campaigns.add(campaign)
        message = events.CampaignChanged(campaign=proto.campaign_to_proto(campaign))
        uow.events.add("deals.campaign.created", campaign.id, message)
        uow.commit()
    return campaign


def list_campaigns(uow: UnitOfWork, page: Page) -> tuple[list[model.Campaign], int]:
    with uow:
        return uow.campaigns.list(page)


def campaign_of(uow: UnitOfWork, campaign_id: str) -> model.Campaign:
    campaign: model.Campaign = found(uow.campaigns.get(campaign_id), "campaign", campaign_id)
    return campaign


def add_response(
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    response: model.CampaignResponse,
    actor: Identity,
) -> model.CampaignResponse:
    actor.require_writer(AREA)
    check_counterparty(directory, response.counterparty_id)
    with uow:
        campaign_of(uow, response.campaign_id)
        uow.responses.add(response)
        message = events.CampaignResponded(response=proto.response_to_proto(response))
        uow.events.add("deals.campaign.response", response.id, message)
        uow.commit()
    return response


def list_responses(
    uow: UnitOfWork, campaign_id: str, page: Page
) -> tuple[list[model.CampaignResponse], int]:
    with uow:
        campaign_of(uow, campaign_id)
        return uow.responses.list(page, orm.campaign_responses.c.campaign_id == campaign_id)


def convert_response(
    uow: UnitOfWork,
    directory: CounterpartyDirectory,
    response_id: str,
    pipeline_id: str | None,
    title: str | None,
    owner_id: str | None,
    actor: Identity,
) -> model.Deal:
    """A deal for the response, with a counterparty registered first for a prospect. Safe to
    repeat after a failure: contacts answers a known prospect with the existing counterparty,
    and the deal and the response's link to it commit together."""
    actor.require_writer(AREA)
    with uow:
        response = _unconverted(uow, response_id)
    counterparty_id = response.counterparty_id or directory.register_prospect(
        response.prospect_name or "",
        response.prospect_email,
        response.prospect_phone,
        owner_id or actor.person_id,
    )
    with uow:
        response = _unconverted(uow, response_id)
        campaign = campaign_of(uow, response.campaign_id)
        pipeline = uow.pipelines.get(pipeline_id) if pipeline_id else uow.pipelines.first()
        if pipeline is None:
            raise InvalidInput.field("pipeline_id", "no such pipeline; create one first")
        fields = {
            "title": title or f"{campaign.name}: {response.prospect_name or response.kind}",
            "counterparty_id": counterparty_id,
            "owner_id": owner_id,
            "campaign_id": campaign.id,
        }
        deal = open_deal(uow, pipeline.id, fields, actor)
        response.counterparty_id, response.deal_id = counterparty_id, deal.id
        message = events.CampaignResponded(response=proto.response_to_proto(response))
        uow.events.add("deals.campaign.response_converted", response.id, message)
        uow.commit()
    return deal


def _unconverted(uow: UnitOfWork, response_id: str) -> model.CampaignResponse:
    response: model.CampaignResponse = found(
        uow.responses.get(response_id), "campaign response", response_id
    )
    if response.deal_id is not None:
        raise Conflict("this response is already a deal", existing_id=response.deal_id)
    return response
