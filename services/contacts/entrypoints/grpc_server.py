"""The contacts gRPC service: translates each call into one handler call and back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import grpc

from crm.contacts.v1 import contacts_pb2 as pb
from crm.contacts.v1 import contacts_pb2_grpc as pb_grpc
from crmkit.identity import current_identity
from crmkit.protobuf import parse_date, parse_time
from services.contacts.adapters import proto
from services.contacts.adapters.repository import CounterpartyFilter, InteractionFilter, Page
from services.contacts.domain import model
from services.contacts.service_layer import handlers
from services.contacts.service_layer.unit_of_work import SqlAlchemyUnitOfWork

FILTERS = ("q", "role", "region", "industry", "owner_id", "group_id", "abc", "xyz", "status")
INTERACTION_IN = ("contact_id", "deal_id", "body", "owner_id")


def _page(request: pb.PageRequest) -> Page:
    return Page.of(request.page, request.page_size)


class ContactsServicer(pb_grpc.ContactsServicer):
    def __init__(self, uow: Callable[[], SqlAlchemyUnitOfWork]) -> None:
        self.uow = uow

    # counterparties
    def CreateCounterparty(
        self, request: pb.CreateCounterpartyRequest, context: Any
    ) -> pb.Counterparty:
        fields = proto.present(request.counterparty, model.COUNTERPARTY_FIELDS)
        created = handlers.create_counterparty(
            self.uow(), fields, request.force, current_identity()
        )
        return proto.counterparty_to_proto(created)

    def FindCounterparty(
        self, request: pb.FindCounterpartyRequest, context: Any
    ) -> pb.Counterparty:
        field = request.WhichOneof("key") or "id"
        found = handlers.find_counterparty(self.uow(), field, getattr(request, field))
        return proto.counterparty_to_proto(found)

    def GetCounterparty(self, request: pb.GetByIdRequest, context: Any) -> pb.Counterparty:
        return proto.counterparty_to_proto(handlers.get_counterparty(self.uow(), request.id))

    def UpdateCounterparty(
        self, request: pb.UpdateCounterpartyRequest, context: Any
    ) -> pb.Counterparty:
        changes = proto.masked(
            request.counterparty, list(request.update_mask.paths), model.COUNTERPARTY_FIELDS
        )
        updated = handlers.update_counterparty(self.uow(), request.id, changes, current_identity())
        return proto.counterparty_to_proto(updated)

    def DeleteCounterparty(self, request: pb.GetByIdRequest, context: Any) -> pb.Empty:
        handlers.delete_counterparty(self.uow(), request.id, current_identity())
        return pb.Empty()

    def ListCounterparties(
        self, request: pb.ListCounterpartiesRequest, context: Any
    ) -> pb.CounterpartyPage:
        wanted = CounterpartyFilter(**proto.present(request, FILTERS), ids=tuple(request.ids))
        items, total = handlers.list_counterparties(self.uow(), wanted, _page(request.page))
        return pb.CounterpartyPage(
            items=[proto.counterparty_to_proto(c) for c in items], total=total
        )

    # company groups
    def CreateCompanyGroup(self, request: pb.CompanyGroup, context: Any) -> pb.CompanyGroup:
        group = handlers.create_company_group(self.uow(), request.name, current_identity())
        return proto.group_to_proto(group)

    def ListCompanyGroups(self, request: pb.PageRequest, context: Any) -> pb.CompanyGroupPage:
        items, total = handlers.list_company_groups(self.uow(), _page(request))
        return pb.CompanyGroupPage(items=[proto.group_to_proto(g) for g in items], total=total)

    # contact persons
    def CreateContact(self, request: pb.ContactPerson, context: Any) -> pb.ContactPerson:
        fields = proto.present(request, model.CONTACT_FIELDS)
        fields["birthday"] = parse_date(fields.get("birthday"), "birthday")
        contact = handlers.create_contact(
            self.uow(), request.counterparty_id, fields, current_identity()
        )
        return proto.contact_to_proto(contact)

    def GetContact(self, request: pb.GetByIdRequest, context: Any) -> pb.ContactPerson:
        return proto.contact_to_proto(handlers.get_contact(self.uow(), request.id))

    def UpdateContact(self, request: pb.UpdateContactRequest, context: Any) -> pb.ContactPerson:
        changes = proto.masked(
            request.contact, list(request.update_mask.paths), model.CONTACT_FIELDS
        )
        if "birthday" in changes:
            changes["birthday"] = parse_date(changes["birthday"], "birthday")
        contact = handlers.update_contact(self.uow(), request.id, changes, current_identity())
        return proto.contact_to_proto(contact)

    def ListContacts(self, request: pb.ListContactsRequest, context: Any) -> pb.ContactPage:
        counterparty_id = request.counterparty_id if request.HasField("counterparty_id") else None
        items, total = handlers.list_contacts(self.uow(), counterparty_id, _page(request.page))
        return pb.ContactPage(items=[proto.contact_to_proto(c) for c in items], total=total)

    # relationships
    def CreateRelationship(self, request: pb.Relationship, context: Any) -> pb.Relationship:
        link = handlers.create_relationship(
            self.uow(), request.from_id, request.to_id, request.kind, current_identity()
        )
        return proto.relationship_to_proto(link)

    def ListRelationships(
        self, request: pb.ListRelationshipsRequest, context: Any
    ) -> pb.RelationshipPage:
        items, total = handlers.list_relationships(
            self.uow(), request.counterparty_id, _page(request.page)
        )
        return pb.RelationshipPage(
            items=[proto.relationship_to_proto(r) for r in items], total=total
        )

    # interactions
    def LogInteraction(self, request: pb.Interaction, context: Any) -> pb.Interaction:
        interaction = model.Interaction(
            counterparty_id=request.counterparty_id,
            kind=request.kind,
            subject=request.subject,
            planned_at=parse_time(
                request.planned_at if request.HasField("planned_at") else None, "planned_at"
            ),
            done_at=parse_time(request.done_at if request.HasField("done_at") else None, "done_at"),
            **proto.present(request, INTERACTION_IN),
        )
        logged = handlers.log_interaction(self.uow(), interaction, current_identity())
        return proto.interaction_to_proto(logged)

    def ListInteractions(
        self, request: pb.ListInteractionsRequest, context: Any
    ) -> pb.InteractionPage:
        fields = proto.present(
            request, ("counterparty_id", "owner_id", "planned_from", "planned_to")
        )
        for name in ("planned_from", "planned_to"):
            if name in fields:
                fields[name] = parse_time(fields[name], name)
        items, total = handlers.list_interactions(
            self.uow(), InteractionFilter(**fields), _page(request.page)
        )
        return pb.InteractionPage(items=[proto.interaction_to_proto(i) for i in items], total=total)

    # supplier profile and terms
    def PutSupplierProfile(self, request: pb.SupplierProfile, context: Any) -> pb.SupplierProfile:
        profile = handlers.put_supplier_profile(
            self.uow(), proto.supplier_profile_from_proto(request), current_identity()
        )
        return proto.supplier_profile_to_proto(profile)

    def GetSupplierProfile(self, request: pb.GetByIdRequest, context: Any) -> pb.SupplierProfile:
        return proto.supplier_profile_to_proto(
            handlers.get_supplier_profile(self.uow(), request.id)
        )

    def PutCustomerTerms(self, request: pb.CustomerTerms, context: Any) -> pb.CustomerTerms:
        terms = handlers.put_customer_terms(
            self.uow(), proto.terms_from_proto(request), current_identity()
        )
        return proto.terms_to_proto(terms)

    def GetCustomerTerms(self, request: pb.GetByIdRequest, context: Any) -> pb.CustomerTerms:
        return proto.terms_to_proto(handlers.get_customer_terms(self.uow(), request.id))

    def GetTimeline(self, request: pb.GetByIdRequest, context: Any) -> pb.Timeline:
        entries = handlers.timeline(self.uow(), request.id)
        items = [
            pb.TimelineEntry(kind=e.kind, at=e.at.isoformat(), title=e.title, ref_id=e.ref_id)
            for e in entries
        ]
        return pb.Timeline(items=items)


def registrar(uow: Callable[[], SqlAlchemyUnitOfWork]) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_ContactsServicer_to_server(ContactsServicer(uow), server)
        return [pb.DESCRIPTOR.services_by_name["Contacts"].full_name]

    return register
