"""Deals: stages, outcome, environment, timeline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from google.protobuf.field_mask_pb2 import FieldMask

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1.deals_pb2_grpc import DealsStub
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request, patch_of, set_present
from gateway.api.owners import check_owner
from gateway.api.render import created
from gateway.api.timelines import before, deal_steps, merged
from gateway.api.visibility import readable_timeline
from gateway.context import gateway
from gateway.schemas import contacts as contact_schemas
from gateway.schemas import deals as s
from gateway.schemas.common import ArchivedQuery, PageQuery
from gateway.versions import expected_version

bp = Blueprint("deals", __name__)
AREA = "deals"


def _deals() -> DealsStub:
    return gateway().clients.deals


def _deal(reply: pb.Deal) -> s.Deal:
    return from_message(s.Deal, reply)


@spec.route(
    bp,
    "/deals",
    "POST",
    summary="Open a deal in the first stage of its pipeline",
    body=s.DealCreate,
    response=s.Deal,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_deal(body: s.DealCreate) -> Response:
    check_owner(body.owner_id)
    reply = _deals().CreateDeal(set_present(pb.Deal(), body.model_dump()))
    return created(_deal(reply), f"/api/v1/deals/{reply.id}")


@spec.route(
    bp, "/deals", "GET", summary="Find deals", query=s.DealQuery, response=s.DealPage, area=AREA
)
def list_deals(query: s.DealQuery) -> dict[str, Any]:
    # Every filter of the schema is a field of the request by the same name: said once, there.
    filters = query.model_dump(exclude=set(PageQuery.model_fields))
    request = set_present(pb.ListDealsRequest(page=page_request(query, pb.PageRequest)), filters)
    return page_of(s.Deal, _deals().ListDeals(request), query)


@spec.route(bp, "/deals/<deal_id>", "GET", summary="One deal", response=s.Deal, area=AREA)
def get_deal(deal_id: str) -> s.Deal:
    return _deal(_deals().GetDeal(pb.IdRequest(id=deal_id)))


@spec.route(
    bp,
    "/deals/<deal_id>",
    "PATCH",
    summary="Change some fields of a deal; a probability set here is kept until changed here",
    body=s.DealPatch,
    response=s.Deal,
    area=AREA,
    write=True,
    versioned=True,
)
def update_deal(deal_id: str, body: s.DealPatch) -> s.Deal:
    if "owner_id" in body.model_fields_set:
        check_owner(body.owner_id)
    changed = {name: getattr(body, name) for name in body.model_fields_set}
    probability = changed.pop("probability", None)
    request = pb.UpdateDealRequest(
        id=deal_id,
        deal=set_present(pb.Deal(), changed),
        update_mask=FieldMask(paths=sorted(body.model_fields_set)),
        expected_version=expected_version(),
    )
    if probability is not None:
        request.probability = probability
    return _deal(_deals().UpdateDeal(request))


@spec.route(
    bp,
    "/deals/<deal_id>",
    "DELETE",
    summary="Archive a deal opened by mistake or twice: it leaves lists, the board and reports",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_deal(deal_id: str) -> None:
    _deals().ArchiveDeal(pb.ArchiveRequest(id=deal_id, expected_version=expected_version()))


@spec.route(
    bp,
    "/deals/<deal_id>/restore",
    "POST",
    summary="Bring an archived deal back where it was",
    response=s.Deal,
    area=AREA,
    write=True,
)
def restore_deal(deal_id: str) -> s.Deal:
    return _deal(_deals().RestoreDeal(pb.IdRequest(id=deal_id)))


@spec.route(
    bp,
    "/deals/<deal_id>/stage",
    "POST",
    summary="Move a deal to a stage by hand (either mode)",
    body=s.StageMove,
    response=s.Deal,
    area=AREA,
    write=True,
)
def move_deal(deal_id: str, body: s.StageMove) -> s.Deal:
    return _deal(_deals().MoveDeal(pb.MoveDealRequest(id=deal_id, stage_id=body.stage_id)))


@spec.route(
    bp,
    "/deals/<deal_id>/win",
    "POST",
    summary="Mark a deal won",
    body=s.Empty,
    body_optional=True,
    response=s.Deal,
    area=AREA,
    write=True,
)
def win_deal(deal_id: str, body: s.Empty) -> s.Deal:
    return _deal(_deals().WinDeal(pb.IdRequest(id=deal_id)))


@spec.route(
    bp,
    "/deals/<deal_id>/lose",
    "POST",
    summary="Mark a deal lost, with a reason from the list",
    body=s.Lose,
    response=s.Deal,
    area=AREA,
    write=True,
)
def lose_deal(deal_id: str, body: s.Lose) -> s.Deal:
    request = set_present(pb.LoseDealRequest(id=deal_id), body.model_dump())
    return _deal(_deals().LoseDeal(request))


@spec.route(
    bp,
    "/deals/<deal_id>/reopen",
    "POST",
    summary="Reopen a won or lost deal",
    body=s.Empty,
    body_optional=True,
    response=s.Deal,
    area=AREA,
    write=True,
)
def reopen_deal(deal_id: str, body: s.Empty) -> s.Deal:
    return _deal(_deals().ReopenDeal(pb.IdRequest(id=deal_id)))


@spec.route(
    bp,
    "/deals/<deal_id>/stage-history",
    "GET",
    summary="Every stage the deal entered, with entered and left times",
    response=s.StageHistory,
    area=AREA,
)
def stage_history(deal_id: str) -> s.StageHistory:
    return from_message(s.StageHistory, _deals().GetStageHistory(pb.IdRequest(id=deal_id)))


@spec.route(
    bp,
    "/deals/<deal_id>/participants",
    "POST",
    summary="Add a competitor, contractor, influencer or partner to the deal",
    body=s.ParticipantIn,
    response=s.Participant,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def add_participant(deal_id: str, body: s.ParticipantIn) -> Response:
    reply = _deals().AddParticipant(set_present(pb.Participant(deal_id=deal_id), body.model_dump()))
    return created(from_message(s.Participant, reply), f"/api/v1/deals/{deal_id}/participants")


@spec.route(
    bp,
    "/deals/<deal_id>/participants",
    "GET",
    summary="The deal's environment",
    query=ArchivedQuery,
    response=s.ParticipantPage,
    area=AREA,
)
def list_participants(deal_id: str, query: ArchivedQuery) -> dict[str, Any]:
    page = page_request(query, pb.PageRequest)
    asked = pb.ListByParentRequest(page=page, parent_id=deal_id, archived=query.archived)
    return page_of(s.Participant, _deals().ListParticipants(asked), query)


@spec.route(
    bp,
    "/participants/<participant_id>",
    "PATCH",
    summary="Change a participant's role, influence, attitude or note as the deal goes on",
    body=s.ParticipantPatch,
    response=s.Participant,
    area=AREA,
    write=True,
    versioned=True,
)
def update_participant(participant_id: str, body: s.ParticipantPatch) -> s.Participant:
    participant, mask = patch_of(body, pb.Participant())
    asked = pb.UpdateParticipantRequest(
        id=participant_id,
        participant=participant,
        update_mask=mask,
        expected_version=expected_version(),
    )
    return from_message(s.Participant, _deals().UpdateParticipant(asked))


@spec.route(
    bp,
    "/participants/<participant_id>",
    "DELETE",
    summary="Archive a participant who dropped out of the deal",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_participant(participant_id: str) -> None:
    asked = pb.ArchiveRequest(id=participant_id, expected_version=expected_version())
    _deals().ArchiveParticipant(asked)


@spec.route(
    bp,
    "/participants/<participant_id>/restore",
    "POST",
    summary="Bring an archived participant back",
    response=s.Participant,
    area=AREA,
    write=True,
)
def restore_participant(participant_id: str) -> s.Participant:
    reply = _deals().RestoreParticipant(pb.IdRequest(id=participant_id))
    return from_message(s.Participant, reply)


@spec.route(
    bp,
    "/deals/<deal_id>/participant-links",
    "POST",
    summary="Link two participants of the deal",
    body=s.ParticipantLinkIn,
    response=s.ParticipantLink,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def link_participants(deal_id: str, body: s.ParticipantLinkIn) -> Response:
    reply = _deals().LinkParticipants(pb.ParticipantLink(deal_id=deal_id, **body.model_dump()))
    return created(
        from_message(s.ParticipantLink, reply), f"/api/v1/deals/{deal_id}/participant-links"
    )


@spec.route(
    bp,
    "/deals/<deal_id>/participant-links",
    "GET",
    summary="Links between the deal's participants",
    query=PageQuery,
    response=s.ParticipantLinkPage,
    area=AREA,
)
def list_links(deal_id: str, query: PageQuery) -> dict[str, Any]:
    reply = _deals().ListParticipantLinks(
        pb.ListByParentRequest(page=page_request(query, pb.PageRequest), parent_id=deal_id),
    )
    return page_of(s.ParticipantLink, reply, query)


@spec.route(
    bp,
    "/deals/<deal_id>/timeline",
    "GET",
    summary="Everything that happened in a deal, newest first",
    query=contact_schemas.TimelineQuery,
    response=contact_schemas.Timeline,
    area=AREA,
)
def deal_timeline(deal_id: str, query: contact_schemas.TimelineQuery) -> contact_schemas.Timeline:
    at, key = before(query.cursor)
    asked = pb.TimelineRequest(deal_id=deal_id, limit=query.limit + 1, before_at=at, before_key=key)
    return readable_timeline(merged([deal_steps(_deals().GetTimeline(asked))], query.limit))
