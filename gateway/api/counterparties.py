"""Counterparties and what hangs off one: supplier profile, customer terms, links, timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response

from crm.contacts.v1 import contacts_pb2 as pb
from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from crm.deals.v1 import deals_pb2
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request, patch_of, set_present
from gateway.api.owners import check_owner
from gateway.api.render import created
from gateway.api.timelines import Step, before, deal_steps, merged
from gateway.api.visibility import readable_timeline
from gateway.context import gateway
from gateway.schemas import contacts as s
from gateway.schemas.common import ArchivedQuery
from gateway.versions import expected_version

bp = Blueprint("counterparties", __name__)
AREA = "contacts"
INTERACTION_KINDS = ["call", "meeting", "note"]
FILTERS = ("q", "role", "region", "industry", "owner_id", "group_id", "abc", "xyz", "status")


def _contacts() -> ContactsStub:
    return gateway().clients.contacts


@spec.route(
    bp,
    "/counterparties",
    "POST",
    summary="Register a counterparty (409 with existing_id on a likely duplicate unless force)",
    body=s.CounterpartyCreate,
    response=s.Counterparty,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_counterparty(body: s.CounterpartyCreate) -> Response:
    check_owner(body.owner_id)
    message = set_present(pb.Counterparty(), body.model_dump(exclude={"force"}))
    request = pb.CreateCounterpartyRequest(counterparty=message, force=body.force)
    reply = _contacts().CreateCounterparty(request)
    return created(from_message(s.Counterparty, reply), f"/api/v1/counterparties/{reply.id}")


@spec.route(
    bp,
    "/counterparties",
    "GET",
    summary="Find counterparties",
    query=s.CounterpartyQuery,
    response=s.CounterpartyPage,
    area=AREA,
)
def list_counterparties(query: s.CounterpartyQuery) -> dict[str, Any]:
    filters = {name: getattr(query, name) for name in FILTERS}
    page = page_request(query, pb.PageRequest)
    request = set_present(pb.ListCounterpartiesRequest(page=page, archived=query.archived), filters)
    request.ids.extend(query.ids.split(",") if query.ids else [])
    return page_of(s.Counterparty, _contacts().ListCounterparties(request), query)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>",
    "GET",
    summary="One counterparty",
    response=s.Counterparty,
    area=AREA,
)
def get_counterparty(counterparty_id: str) -> s.Counterparty:
    reply = _contacts().GetCounterparty(pb.GetByIdRequest(id=counterparty_id))
    return from_message(s.Counterparty, reply)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>",
    "PATCH",
    summary="Change some fields of a counterparty (null clears one)",
    body=s.CounterpartyPatch,
    response=s.Counterparty,
    area=AREA,
    write=True,
    versioned=True,
)
def update_counterparty(counterparty_id: str, body: s.CounterpartyPatch) -> s.Counterparty:
    if "owner_id" in body.model_fields_set:
        check_owner(body.owner_id)
    card, mask = patch_of(body, pb.Counterparty())
    request = pb.UpdateCounterpartyRequest(
        id=counterparty_id,
        counterparty=card,
        update_mask=mask,
        expected_version=expected_version(),
    )
    return from_message(s.Counterparty, _contacts().UpdateCounterparty(request))


@spec.route(
    bp,
    "/counterparties/<counterparty_id>",
    "DELETE",
    summary="Archive a counterparty: it leaves the lists, its deals, mail and history stay",
    area=AREA,
    write=True,
    versioned=True,
)
def delete_counterparty(counterparty_id: str) -> None:
    request = pb.ArchiveRequest(id=counterparty_id, expected_version=expected_version())
    _contacts().DeleteCounterparty(request)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/restore",
    "POST",
    summary="Bring an archived counterparty back",
    response=s.Counterparty,
    area=AREA,
    write=True,
)
def restore_counterparty(counterparty_id: str) -> s.Counterparty:
    reply = _contacts().RestoreCounterparty(pb.GetByIdRequest(id=counterparty_id))
    return from_message(s.Counterparty, reply)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/relationships",
    "GET",
    summary="Links of a counterparty, either direction",
    query=ArchivedQuery,
    response=s.RelationshipPage,
    area=AREA,
)
def list_relationships(counterparty_id: str, query: ArchivedQuery) -> dict[str, Any]:
    request = pb.ListRelationshipsRequest(
        page=page_request(query, pb.PageRequest),
        counterparty_id=counterparty_id,
        archived=query.archived,
    )
    return page_of(s.Relationship, _contacts().ListRelationships(request), query)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/supplier-profile",
    "PUT",
    summary="Set the supplier profile: terms, reliability, lead time, assortment with agreed prices",
    body=s.SupplierProfileIn,
    response=s.SupplierProfile,
    area=AREA,
    write=True,
)
def put_supplier_profile(counterparty_id: str, body: s.SupplierProfileIn) -> s.SupplierProfile:
    message = set_present(
        pb.SupplierProfile(counterparty_id=counterparty_id), body.model_dump(exclude={"items"})
    )
    for item in body.items:
        message.items.add(**item.model_dump())
    return from_message(s.SupplierProfile, _contacts().PutSupplierProfile(message))


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/supplier-profile",
    "GET",
    summary="The supplier profile",
    response=s.SupplierProfile,
    area=AREA,
)
def get_supplier_profile(counterparty_id: str) -> s.SupplierProfile:
    reply = _contacts().GetSupplierProfile(pb.GetByIdRequest(id=counterparty_id))
    return from_message(s.SupplierProfile, reply)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/terms",
    "PUT",
    summary="Set the individual customer terms",
    body=s.CustomerTermsIn,
    response=s.CustomerTerms,
    area=AREA,
    write=True,
)
def put_terms(counterparty_id: str, body: s.CustomerTermsIn) -> s.CustomerTerms:
    message = set_present(pb.CustomerTerms(counterparty_id=counterparty_id), body.model_dump())
    return from_message(s.CustomerTerms, _contacts().PutCustomerTerms(message))


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/terms",
    "GET",
    summary="The individual customer terms",
    response=s.CustomerTerms,
    area=AREA,
)
def get_terms(counterparty_id: str) -> s.CustomerTerms:
    return from_message(
        s.CustomerTerms, _contacts().GetCustomerTerms(pb.GetByIdRequest(id=counterparty_id))
    )


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/timeline",
    "GET",
    summary="Everything that happened with a counterparty, newest first",
    query=s.TimelineQuery,
    response=s.Timeline,
    area=AREA,
)
def timeline(counterparty_id: str, query: s.TimelineQuery) -> s.Timeline:
    """In pages: contacts' own interactions (fresh as they are logged) and deals' projection of
    everything else, merged newest first."""
    at, key = before(query.cursor)
    asked = pb.TimelineRequest(
        id=counterparty_id, limit=query.limit + 1, before_at=at, before_key=key
    )
    own = [
        Step(  # its title is the person's own subject, in any language
            s.TimelineEntry(
                kind=e.kind,
                at=datetime.fromisoformat(e.at),
                title=e.title,
                ref_id=e.ref_id,
                params={"subject": e.title},
            ),
            e.key,
        )
        for e in _contacts().GetTimeline(asked).items
    ]
    # deals' projection also holds the interactions, which contacts has just given
    wanted = deals_pb2.TimelineRequest(
        counterparty_id=counterparty_id,
        exclude_kinds=INTERACTION_KINDS,
        limit=query.limit + 1,
        before_at=at,
        before_key=key,
    )
    theirs = deal_steps(gateway().clients.deals.GetTimeline(wanted))
    return readable_timeline(merged([own, theirs], query.limit))
