"""Company groups, contact persons, relationships and the interaction log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from crm.contacts.v1 import contacts_pb2 as pb
from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request, patch_of, set_present
from gateway.api.owners import check_owner
from gateway.api.render import created
from gateway.context import gateway
from gateway.schemas import contacts as s
from gateway.schemas.common import ArchivedQuery
from gateway.versions import expected_version

bp = Blueprint("contacts", __name__)
AREA = "contacts"


def _contacts() -> ContactsStub:
    return gateway().clients.contacts


@spec.route(
    bp,
    "/company-groups",
    "POST",
    summary="Create a company group (holding)",
    body=s.CompanyGroupCreate,
    response=s.CompanyGroup,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_company_group(body: s.CompanyGroupCreate) -> Response:
    reply = _contacts().CreateCompanyGroup(pb.CompanyGroup(name=body.name))
    return created(from_message(s.CompanyGroup, reply), f"/api/v1/company-groups/{reply.id}")


@spec.route(
    bp,
    "/company-groups",
    "GET",
    summary="List company groups",
    query=ArchivedQuery,
    response=s.CompanyGroupPage,
    area=AREA,
)
def list_company_groups(query: ArchivedQuery) -> dict[str, Any]:
    page = page_request(query, pb.PageRequest)
    asked = pb.ListCompanyGroupsRequest(page=page, archived=query.archived)
    return page_of(s.CompanyGroup, _contacts().ListCompanyGroups(asked), query)


@spec.route(
    bp,
    "/company-groups/<group_id>",
    "GET",
    summary="One company group",
    response=s.CompanyGroup,
    area=AREA,
)
def get_company_group(group_id: str) -> s.CompanyGroup:
    reply = _contacts().GetCompanyGroup(pb.GetByIdRequest(id=group_id))
    return from_message(s.CompanyGroup, reply)


@spec.route(
    bp,
    "/company-groups/<group_id>",
    "PATCH",
    summary="Rename a company group",
    body=s.CompanyGroupCreate,
    response=s.CompanyGroup,
    area=AREA,
    write=True,
    versioned=True,
)
def rename_company_group(group_id: str, body: s.CompanyGroupCreate) -> s.CompanyGroup:
    asked = pb.RenameRequest(id=group_id, name=body.name, expected_version=expected_version())
    return from_message(s.CompanyGroup, _contacts().RenameCompanyGroup(asked))


@spec.route(
    bp,
    "/company-groups/<group_id>",
    "DELETE",
    summary="Archive a company group: no longer given to a counterparty; those in it stay",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_company_group(group_id: str) -> None:
    asked = pb.ArchiveRequest(id=group_id, expected_version=expected_version())
    _contacts().ArchiveCompanyGroup(asked)


@spec.route(
    bp,
    "/company-groups/<group_id>/restore",
    "POST",
    summary="Bring an archived company group back",
    response=s.CompanyGroup,
    area=AREA,
    write=True,
)
def restore_company_group(group_id: str) -> s.CompanyGroup:
    reply = _contacts().RestoreCompanyGroup(pb.GetByIdRequest(id=group_id))
    return from_message(s.CompanyGroup, reply)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/contacts",
    "POST",
    summary="Add a contact person to a counterparty",
    body=s.ContactCreate,
    response=s.Contact,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_contact(counterparty_id: str, body: s.ContactCreate) -> Response:
    message = set_present(pb.ContactPerson(counterparty_id=counterparty_id), body.model_dump())
    reply = _contacts().CreateContact(message)
    return created(from_message(s.Contact, reply), f"/api/v1/contacts/{reply.id}")


@spec.route(
    bp,
    "/contacts",
    "GET",
    summary="List contact persons",
    query=s.ContactQuery,
    response=s.ContactPage,
    area=AREA,
)
def list_contacts(query: s.ContactQuery) -> dict[str, Any]:
    request = set_present(
        pb.ListContactsRequest(
            page=page_request(query, pb.PageRequest), archived=query.archived, q=query.q or ""
        ),
        {"counterparty_id": query.counterparty_id},
    )
    return page_of(s.Contact, _contacts().ListContacts(request), query)


@spec.route(
    bp, "/contacts/<contact_id>", "GET", summary="One contact person", response=s.Contact, area=AREA
)
def get_contact(contact_id: str) -> s.Contact:
    return from_message(s.Contact, _contacts().GetContact(pb.GetByIdRequest(id=contact_id)))


@spec.route(
    bp,
    "/contacts/<contact_id>",
    "PATCH",
    summary="Change some fields of a contact person",
    body=s.ContactPatch,
    response=s.Contact,
    area=AREA,
    write=True,
    versioned=True,
)
def update_contact(contact_id: str, body: s.ContactPatch) -> s.Contact:
    person, mask = patch_of(body, pb.ContactPerson())
    request = pb.UpdateContactRequest(
        id=contact_id, contact=person, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.Contact, _contacts().UpdateContact(request))


@spec.route(
    bp,
    "/contacts/<contact_id>",
    "DELETE",
    summary="Archive a contact person: she leaves the lists, her mail and history stay",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_contact(contact_id: str) -> None:
    _contacts().ArchiveContact(
        pb.ArchiveRequest(id=contact_id, expected_version=expected_version())
    )


@spec.route(
    bp,
    "/contacts/<contact_id>/restore",
    "POST",
    summary="Bring an archived contact person back",
    response=s.Contact,
    area=AREA,
    write=True,
)
def restore_contact(contact_id: str) -> s.Contact:
    return from_message(s.Contact, _contacts().RestoreContact(pb.GetByIdRequest(id=contact_id)))


@spec.route(
    bp,
    "/relationships",
    "POST",
    summary="Link two counterparties",
    body=s.RelationshipCreate,
    response=s.Relationship,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_relationship(body: s.RelationshipCreate) -> Response:
    reply = _contacts().CreateRelationship(pb.Relationship(**body.model_dump()))
    return created(
        from_message(s.Relationship, reply), f"/api/v1/counterparties/{reply.from_id}/relationships"
    )


@spec.route(
    bp,
    "/relationships/<relationship_id>",
    "DELETE",
    summary="Archive a link between two counterparties",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_relationship(relationship_id: str) -> None:
    asked = pb.ArchiveRequest(id=relationship_id, expected_version=expected_version())
    _contacts().ArchiveRelationship(asked)


@spec.route(
    bp,
    "/relationships/<relationship_id>/restore",
    "POST",
    summary="Bring an archived link back",
    response=s.Relationship,
    area=AREA,
    write=True,
)
def restore_relationship(relationship_id: str) -> s.Relationship:
    reply = _contacts().RestoreRelationship(pb.GetByIdRequest(id=relationship_id))
    return from_message(s.Relationship, reply)


@spec.route(
    bp,
    "/interactions",
    "POST",
    summary="Log a call, meeting or note (planned or done)",
    body=s.InteractionCreate,
    response=s.Interaction,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def log_interaction(body: s.InteractionCreate) -> Response:
    check_owner(body.owner_id)
    values = {
        k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in body.model_dump().items()
    }
    reply = _contacts().LogInteraction(set_present(pb.Interaction(), values))
    return created(
        from_message(s.Interaction, reply),
        f"/api/v1/interactions?counterparty_id={reply.counterparty_id}",
    )


@spec.route(
    bp,
    "/interactions",
    "GET",
    summary="The interaction log",
    query=s.InteractionQuery,
    response=s.InteractionPage,
    area=AREA,
)
def list_interactions(query: s.InteractionQuery) -> dict[str, Any]:
    wanted = {
        "counterparty_id": query.counterparty_id,
        "deal_id": query.deal_id,
        "owner_id": query.owner_id,
        "planned_from": query.planned_from.isoformat() if query.planned_from else None,
        "planned_to": query.planned_to.isoformat() if query.planned_to else None,
    }
    page = page_request(query, pb.PageRequest)
    request = set_present(pb.ListInteractionsRequest(page=page, archived=query.archived), wanted)
    return page_of(s.Interaction, _contacts().ListInteractions(request), query)


@spec.route(
    bp,
    "/interactions/<interaction_id>",
    "GET",
    summary="One call, meeting or note",
    response=s.Interaction,
    area=AREA,
)
def get_interaction(interaction_id: str) -> s.Interaction:
    reply = _contacts().GetInteraction(pb.GetByIdRequest(id=interaction_id))
    return from_message(s.Interaction, reply)


@spec.route(
    bp,
    "/interactions/<interaction_id>",
    "PATCH",
    summary="Change an interaction; a new planned_at reschedules it",
    body=s.InteractionPatch,
    response=s.Interaction,
    area=AREA,
    write=True,
    versioned=True,
)
def update_interaction(interaction_id: str, body: s.InteractionPatch) -> s.Interaction:
    if "owner_id" in body.model_fields_set:
        check_owner(body.owner_id)
    interaction, mask = patch_of(body, pb.Interaction())
    request = pb.UpdateInteractionRequest(
        id=interaction_id,
        interaction=interaction,
        update_mask=mask,
        expected_version=expected_version(),
    )
    return from_message(s.Interaction, _contacts().UpdateInteraction(request))


@spec.route(
    bp,
    "/interactions/<interaction_id>/done",
    "POST",
    summary="Say a planned call or meeting took place, and what came of it",
    body=s.InteractionDone,
    body_optional=True,
    response=s.Interaction,
    area=AREA,
    write=True,
    versioned=True,
)
def mark_interaction_done(interaction_id: str, body: s.InteractionDone) -> s.Interaction:
    request = pb.MarkInteractionDoneRequest(
        id=interaction_id,
        outcome=body.outcome,
        done_at=body.done_at.isoformat() if body.done_at else None,
        expected_version=expected_version(),
    )
    return from_message(s.Interaction, _contacts().MarkInteractionDone(request))


@spec.route(
    bp,
    "/interactions/<interaction_id>",
    "DELETE",
    summary="Archive an interaction: it leaves the log, the timeline and the reports",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_interaction(interaction_id: str) -> None:
    request = pb.ArchiveRequest(id=interaction_id, expected_version=expected_version())
    _contacts().ArchiveInteraction(request)


@spec.route(
    bp,
    "/interactions/<interaction_id>/restore",
    "POST",
    summary="Bring an archived interaction back",
    response=s.Interaction,
    area=AREA,
    write=True,
)
def restore_interaction(interaction_id: str) -> s.Interaction:
    reply = _contacts().RestoreInteraction(pb.GetByIdRequest(id=interaction_id))
    return from_message(s.Interaction, reply)
