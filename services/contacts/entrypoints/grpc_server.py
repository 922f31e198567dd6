"""The contacts gRPC service: each call becomes one command or query (through adapters/proto.py),
its handler runs, and the result goes back as the reply."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grpc
from sqlalchemy import Engine

from crm.contacts.v1 import contacts_pb2 as pb
from crm.contacts.v1 import contacts_pb2_grpc as pb_grpc
from crmkit.audit import register_audit_log
from crmkit.event_log import register_event_log
from crmkit.identity import current_identity
from services.contacts.adapters import orm, proto
from services.contacts.domain import commands, model
from services.contacts.entrypoints import consumer
from services.contacts.service_layer import handlers
from services.contacts.service_layer.unit_of_work import UnitOfWork

Context = grpc.ServicerContext


class ContactsServicer(pb_grpc.ContactsServicer):
    def __init__(self, uow: Callable[[], UnitOfWork]) -> None:
        self.uow = uow

    # counterparties
    def CreateCounterparty(
        self, request: pb.CreateCounterpartyRequest, context: Context
    ) -> pb.Counterparty:
        command = proto.register_counterparty(request, current_identity())
        return proto.counterparty_to_proto(handlers.register_counterparty(command, self.uow()))

    def FindCounterparty(
        self, request: pb.FindCounterpartyRequest, context: Context
    ) -> pb.Counterparty:
        field, value = proto.find_key(request)
        found = handlers.find_counterparty(self.uow(), field, value)
        return proto.counterparty_to_proto(found)

    def GetCounterparty(self, request: pb.GetByIdRequest, context: Context) -> pb.Counterparty:
        return proto.counterparty_to_proto(handlers.get_counterparty(self.uow(), request.id))

    def UpdateCounterparty(
        self, request: pb.UpdateCounterpartyRequest, context: Context
    ) -> pb.Counterparty:
        command = proto.change_counterparty(request, current_identity())
        return proto.counterparty_to_proto(handlers.change_counterparty(command, self.uow()))

    def DeleteCounterparty(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = proto.archive_counterparty(request, current_identity())
        handlers.archive_counterparty(command, self.uow())
        return pb.Empty()

    def RestoreCounterparty(self, request: pb.GetByIdRequest, context: Context) -> pb.Counterparty:
        command = commands.RestoreCounterparty(request.id, current_identity())
        return proto.counterparty_to_proto(handlers.restore_counterparty(command, self.uow()))

    def ListCounterparties(
        self, request: pb.ListCounterpartiesRequest, context: Context
    ) -> pb.CounterpartyPage:
        wanted, page = proto.counterparty_filter(request), proto.page_of(request.page)
        items, total = handlers.list_counterparties(self.uow(), wanted, page)
        return pb.CounterpartyPage(
            items=[proto.counterparty_to_proto(c) for c in items], total=total
        )

    # company groups
    def CreateCompanyGroup(self, request: pb.CompanyGroup, context: Context) -> pb.CompanyGroup:
        command = commands.CreateCompanyGroup(request.name, current_identity())
        return proto.group_to_proto(handlers.create_company_group(command, self.uow()))

    def ListCompanyGroups(
        self, request: pb.ListCompanyGroupsRequest, context: Context
    ) -> pb.CompanyGroupPage:
        page = proto.page_of(request.page)
        items, total = handlers.list_company_groups(self.uow(), page, request.archived)
        return pb.CompanyGroupPage(items=[proto.group_to_proto(g) for g in items], total=total)

    def GetCompanyGroup(self, request: pb.GetByIdRequest, context: Context) -> pb.CompanyGroup:
        return proto.group_to_proto(handlers.get_company_group(self.uow(), request.id))

    def RenameCompanyGroup(self, request: pb.RenameRequest, context: Context) -> pb.CompanyGroup:
        command = commands.RenameCompanyGroup(
            request.id, request.name, current_identity(), proto.expected_version(request)
        )
        return proto.group_to_proto(handlers.rename_company_group(command, self.uow()))

    def ArchiveCompanyGroup(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        self._archive_or_restore("company_group", request.id, proto.expected_version(request))
        return pb.Empty()

    def RestoreCompanyGroup(self, request: pb.GetByIdRequest, context: Context) -> pb.CompanyGroup:
        group = self._archive_or_restore("company_group", request.id, restore=True)
        assert isinstance(group, model.CompanyGroup)
        return proto.group_to_proto(group)

    def _archive_or_restore(
        self, kind: str, record_id: str, expected: int | None = None, restore: bool = False
    ) -> model.CompanyGroup | model.Relationship:
        command = commands.ArchiveRecord(kind, record_id, current_identity(), expected, restore)
        return handlers.archive_or_restore(command, self.uow())

    # contact persons
    def CreateContact(self, request: pb.ContactPerson, context: Context) -> pb.ContactPerson:
        command = proto.add_contact_person(request, current_identity())
        return proto.contact_to_proto(handlers.add_contact_person(command, self.uow()))

    def GetContact(self, request: pb.GetByIdRequest, context: Context) -> pb.ContactPerson:
        return proto.contact_to_proto(handlers.get_contact(self.uow(), request.id))

    def UpdateContact(self, request: pb.UpdateContactRequest, context: Context) -> pb.ContactPerson:
        command = proto.change_contact_person(request, current_identity())
        return proto.contact_to_proto(handlers.change_contact_person(command, self.uow()))

    def ArchiveContact(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveContactPerson(
            request.id, current_identity(), proto.expected_version(request)
        )
        handlers.archive_contact_person(command, self.uow())
        return pb.Empty()

    def RestoreContact(self, request: pb.GetByIdRequest, context: Context) -> pb.ContactPerson:
        command = commands.RestoreContactPerson(request.id, current_identity())
        return proto.contact_to_proto(handlers.restore_contact_person(command, self.uow()))

    def ListContacts(self, request: pb.ListContactsRequest, context: Context) -> pb.ContactPage:
        counterparty_id = request.counterparty_id if request.HasField("counterparty_id") else None
        page = proto.page_of(request.page)
        items, total = handlers.list_contacts(
            self.uow(), counterparty_id, page, request.archived, request.q or None
        )
        return pb.ContactPage(items=[proto.contact_to_proto(c) for c in items], total=total)

    # relationships
    def CreateRelationship(self, request: pb.Relationship, context: Context) -> pb.Relationship:
        command = proto.link_counterparties(request, current_identity())
        return proto.relationship_to_proto(handlers.link_counterparties(command, self.uow()))

    def ListRelationships(
        self, request: pb.ListRelationshipsRequest, context: Context
    ) -> pb.RelationshipPage:
        page = proto.page_of(request.page)
        items, total = handlers.list_relationships(
            self.uow(), request.counterparty_id, page, request.archived
        )
        return pb.RelationshipPage(
            items=[proto.relationship_to_proto(r) for r in items], total=total
        )

    def ArchiveRelationship(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        self._archive_or_restore("relationship", request.id, proto.expected_version(request))
        return pb.Empty()

    def RestoreRelationship(self, request: pb.GetByIdRequest, context: Context) -> pb.Relationship:
        link = self._archive_or_restore("relationship", request.id, restore=True)
        assert isinstance(link, model.Relationship)
        return proto.relationship_to_proto(link)

    # interactions
    def LogInteraction(self, request: pb.Interaction, context: Context) -> pb.Interaction:
        command = proto.log_interaction(request, current_identity())
        return proto.interaction_to_proto(handlers.log_interaction(command, self.uow()))

    def GetInteraction(self, request: pb.GetByIdRequest, context: Context) -> pb.Interaction:
        return proto.interaction_to_proto(handlers.get_interaction(self.uow(), request.id))

    def UpdateInteraction(
        self, request: pb.UpdateInteractionRequest, context: Context
    ) -> pb.Interaction:
        command = proto.change_interaction(request, current_identity())
        return proto.interaction_to_proto(handlers.change_interaction(command, self.uow()))

    def MarkInteractionDone(
        self, request: pb.MarkInteractionDoneRequest, context: Context
    ) -> pb.Interaction:
        command = proto.mark_interaction_done(request, current_identity())
        return proto.interaction_to_proto(handlers.mark_interaction_done(command, self.uow()))

    def ArchiveInteraction(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveInteraction(
            request.id, current_identity(), proto.expected_version(request)
        )
        handlers.archive_interaction(command, self.uow())
        return pb.Empty()

    def RestoreInteraction(self, request: pb.GetByIdRequest, context: Context) -> pb.Interaction:
        command = commands.RestoreInteraction(request.id, current_identity())
        return proto.interaction_to_proto(handlers.restore_interaction(command, self.uow()))

    def ListInteractions(
        self, request: pb.ListInteractionsRequest, context: Context
    ) -> pb.InteractionPage:
        wanted, page = proto.interaction_filter(request), proto.page_of(request.page)
        items, total = handlers.list_interactions(self.uow(), wanted, page)
        return pb.InteractionPage(items=[proto.interaction_to_proto(i) for i in items], total=total)

    # supplier profile and terms
    def PutSupplierProfile(
        self, request: pb.SupplierProfile, context: Context
    ) -> pb.SupplierProfile:
        command = proto.set_supplier_profile(request, current_identity())
        return proto.supplier_profile_to_proto(handlers.set_supplier_profile(command, self.uow()))

    def GetSupplierProfile(
        self, request: pb.GetByIdRequest, context: Context
    ) -> pb.SupplierProfile:
        profile = handlers.get_supplier_profile(self.uow(), request.id)
        return proto.supplier_profile_to_proto(profile)

    def PutCustomerTerms(self, request: pb.CustomerTerms, context: Context) -> pb.CustomerTerms:
        command = proto.set_customer_terms(request, current_identity())
        return proto.terms_to_proto(handlers.set_customer_terms(command, self.uow()))

    def GetCustomerTerms(self, request: pb.GetByIdRequest, context: Context) -> pb.CustomerTerms:
        return proto.terms_to_proto(handlers.get_customer_terms(self.uow(), request.id))

    def GetTimeline(self, request: pb.TimelineRequest, context: Context) -> pb.Timeline:
        counterparty_id, before, limit = proto.timeline_page(request)
        entries = handlers.timeline(self.uow(), counterparty_id, before, limit)
        return proto.timeline_to_proto(entries)


def registrar(
    uow: Callable[[], UnitOfWork], engine: Engine
) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_ContactsServicer_to_server(ContactsServicer(uow), server)
        log = register_event_log(server, engine, orm.outbox, consumer.QUEUE.bindings)
        audit_log = register_audit_log(server, engine, orm.audit)
        return [pb.DESCRIPTOR.services_by_name["Contacts"].full_name, log, audit_log]

    return register
