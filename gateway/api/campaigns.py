"""Lost reasons, marketing campaigns and their responses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1.deals_pb2_grpc import DealsStub
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request, patch_of, set_present
from gateway.api.owners import check_owner
from gateway.api.render import created
from gateway.context import gateway
from gateway.schemas import deals as s
from gateway.schemas.common import ArchivedQuery
from gateway.versions import expected_version

bp = Blueprint("campaigns", __name__)
AREA = "deals"


def _deals() -> DealsStub:
    return gateway().clients.deals


@spec.route(
    bp,
    "/lost-reasons",
    "POST",
    summary="Add a reason deals are lost for",
    body=s.LostReasonIn,
    response=s.LostReason,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_lost_reason(body: s.LostReasonIn) -> Response:
    reply = _deals().CreateLostReason(pb.LostReason(name=body.name, kind=body.kind))
    return created(from_message(s.LostReason, reply), "/api/v1/lost-reasons")


@spec.route(
    bp,
    "/lost-reasons",
    "GET",
    summary="The catalogue of reasons deals are lost and orders fail for",
    query=s.LostReasonQuery,
    response=s.LostReasonPage,
    area=AREA,
)
def list_lost_reasons(query: s.LostReasonQuery) -> dict[str, Any]:
    page = page_request(query, pb.PageRequest)
    request = set_present(
        pb.ListLostReasonsRequest(page=page, archived=query.archived), {"kind": query.kind}
    )
    return page_of(s.LostReason, _deals().ListLostReasons(request), query)


@spec.route(
    bp,
    "/campaigns",
    "POST",
    summary="Create a marketing campaign",
    body=s.CampaignIn,
    response=s.Campaign,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_campaign(body: s.CampaignIn) -> Response:
    reply = _deals().CreateCampaign(set_present(pb.Campaign(), body.model_dump()))
    return created(from_message(s.Campaign, reply), "/api/v1/campaigns")


@spec.route(
    bp,
    "/campaigns",
    "GET",
    summary="Marketing campaigns",
    query=ArchivedQuery,
    response=s.CampaignPage,
    area=AREA,
)
def list_campaigns(query: ArchivedQuery) -> dict[str, Any]:
    page = page_request(query, pb.PageRequest)
    asked = pb.ListCampaignsRequest(page=page, archived=query.archived)
    return page_of(s.Campaign, _deals().ListCampaigns(asked), query)


@spec.route(
    bp, "/campaigns/<campaign_id>", "GET", summary="One campaign", response=s.Campaign, area=AREA
)
def get_campaign(campaign_id: str) -> s.Campaign:
    return from_message(s.Campaign, _deals().GetCampaign(pb.IdRequest(id=campaign_id)))


@spec.route(
    bp,
    "/campaigns/<campaign_id>",
    "PATCH",
    summary="Change a campaign: its name, channel, cost or dates",
    body=s.CampaignPatch,
    response=s.Campaign,
    area=AREA,
    write=True,
    versioned=True,
)
def update_campaign(campaign_id: str, body: s.CampaignPatch) -> s.Campaign:
    campaign, mask = patch_of(body, pb.Campaign())
    asked = pb.UpdateCampaignRequest(
        id=campaign_id, campaign=campaign, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.Campaign, _deals().UpdateCampaign(asked))


@spec.route(
    bp,
    "/campaigns/<campaign_id>",
    "DELETE",
    summary="Archive a campaign that is over: no new responses or deals name it",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_campaign(campaign_id: str) -> None:
    asked = pb.ArchiveRequest(id=campaign_id, expected_version=expected_version())
    _deals().ArchiveCampaign(asked)


@spec.route(
    bp,
    "/campaigns/<campaign_id>/restore",
    "POST",
    summary="Bring an archived campaign back",
    response=s.Campaign,
    area=AREA,
    write=True,
)
def restore_campaign(campaign_id: str) -> s.Campaign:
    return from_message(s.Campaign, _deals().RestoreCampaign(pb.IdRequest(id=campaign_id)))


@spec.route(
    bp,
    "/campaigns/<campaign_id>/responses",
    "POST",
    summary="Record a response to a campaign, from a counterparty or a new prospect",
    body=s.ResponseIn,
    response=s.CampaignResponse,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def add_response(campaign_id: str, body: s.ResponseIn) -> Response:
    message = set_present(
        pb.CampaignResponse(campaign_id=campaign_id), body.model_dump(exclude={"prospect"})
    )
    if body.prospect is not None:
        set_present(message.prospect, body.prospect.model_dump())
    reply = _deals().AddCampaignResponse(message)
    return created(
        from_message(s.CampaignResponse, reply), f"/api/v1/campaigns/{campaign_id}/responses"
    )


@spec.route(
    bp,
    "/campaigns/<campaign_id>/responses",
    "GET",
    summary="Responses to a campaign",
    query=ArchivedQuery,
    response=s.CampaignResponsePage,
    area=AREA,
)
def list_responses(campaign_id: str, query: ArchivedQuery) -> dict[str, Any]:
    page = page_request(query, pb.PageRequest)
    asked = pb.ListByParentRequest(page=page, parent_id=campaign_id, archived=query.archived)
    return page_of(s.CampaignResponse, _deals().ListCampaignResponses(asked), query)


@spec.route(
    bp,
    "/campaign-responses/<response_id>",
    "PATCH",
    summary="Correct a response: its kind or note",
    body=s.ResponsePatch,
    response=s.CampaignResponse,
    area=AREA,
    write=True,
    versioned=True,
)
def update_response(response_id: str, body: s.ResponsePatch) -> s.CampaignResponse:
    response, mask = patch_of(body, pb.CampaignResponse())
    asked = pb.UpdateResponseRequest(
        id=response_id, response=response, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.CampaignResponse, _deals().UpdateCampaignResponse(asked))


@spec.route(
    bp,
    "/campaign-responses/<response_id>",
    "DELETE",
    summary="Archive a response entered by mistake: the campaign's report no longer counts it",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_response(response_id: str) -> None:
    asked = pb.ArchiveRequest(id=response_id, expected_version=expected_version())
    _deals().ArchiveCampaignResponse(asked)


@spec.route(
    bp,
    "/campaign-responses/<response_id>/restore",
    "POST",
    summary="Bring an archived response back",
    response=s.CampaignResponse,
    area=AREA,
    write=True,
)
def restore_response(response_id: str) -> s.CampaignResponse:
    reply = _deals().RestoreCampaignResponse(pb.IdRequest(id=response_id))
    return from_message(s.CampaignResponse, reply)


@spec.route(
    bp,
    "/campaign-responses/<response_id>/convert",
    "POST",
    summary="Turn a response into a deal (registering a prospect as a counterparty)",
    body=s.ConvertIn,
    body_optional=True,
    response=s.Deal,
    status=201,
    area=AREA,
    write=True,
)
def convert_response(response_id: str, body: s.ConvertIn) -> Response:
    check_owner(body.owner_id)
    reply = _deals().ConvertCampaignResponse(
        set_present(pb.ConvertRequest(response_id=response_id), body.model_dump()),
    )
    return created(from_message(s.Deal, reply), f"/api/v1/deals/{reply.id}")
