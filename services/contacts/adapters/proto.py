"""The one translation between the contacts domain and its wire forms (protos/crm/contacts and
protos/crm/events), both directions, field by field: requests into commands, domain objects
into replies, domain events into outbox messages."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from crm.contacts.v1 import contacts_pb2 as pb
from crm.events.v1 import analytics_pb2
from crm.events.v1 import contacts_pb2 as wire
from crmkit.domain import Event
from crmkit.identity import Identity
from crmkit.paging import Before, Page, history_size
from crmkit.protobuf import parse_date, parse_decimal, parse_time, sent_paths
from crmkit.unit_of_work import OutboundEvent
from services.contacts.domain import commands, events, model
from services.contacts.domain.model import NOT_SENT, NotSent
from services.contacts.service_layer.unit_of_work import CounterpartyFilter, InteractionFilter

T = TypeVar("T")
VersionedRequest = (
    pb.UpdateCounterpartyRequest
    | pb.UpdateContactRequest
    | pb.UpdateInteractionRequest
    | pb.MarkInteractionDoneRequest
    | pb.ArchiveRequest
    | pb.RenameRequest
)

COUNTERPARTY_EDITABLE = tuple(item.name for item in fields(model.CounterpartyChanges))
CONTACT_EDITABLE = tuple(item.name for item in fields(model.ContactChanges))
INTERACTION_EDITABLE = tuple(item.name for item in fields(model.InteractionChanges))


def _if_set(present: bool, value: T) -> T | None:
    return value if present else None


def page_of(request: pb.PageRequest) -> Page:
    return Page.of(request.page, request.page_size)


# -- requests into commands and queries ----------------------------------------------------
def counterparty_changes(m: pb.Counterparty, sent: Collection[str]) -> model.CounterpartyChanges:
    def pick(name: str, value: T) -> T | NotSent:
        return value if name in sent else NOT_SENT

    return model.CounterpartyChanges(
        name=pick("name", m.name),
        legal_kind=pick("legal_kind", m.legal_kind),
        roles=pick("roles", tuple(m.roles)),
        tax_id=pick("tax_id", _if_set(m.HasField("tax_id"), m.tax_id)),
        region=pick("region", _if_set(m.HasField("region"), m.region)),
        industry=pick("industry", _if_set(m.HasField("industry"), m.industry)),
        email=pick("email", _if_set(m.HasField("email"), m.email)),
        phone=pick("phone", _if_set(m.HasField("phone"), m.phone)),
        address=pick("address", _if_set(m.HasField("address"), m.address)),
        group_id=pick("group_id", _if_set(m.HasField("group_id"), m.group_id)),
        parent_id=pick("parent_id", _if_set(m.HasField("parent_id"), m.parent_id)),
        owner_id=pick("owner_id", _if_set(m.HasField("owner_id"), m.owner_id)),
        external_id=pick("external_id", _if_set(m.HasField("external_id"), m.external_id)),
    )


def register_counterparty(
    request: pb.CreateCounterpartyRequest, actor: Identity
) -> commands.RegisterCounterparty:
    details = counterparty_changes(request.counterparty, COUNTERPARTY_EDITABLE)
    return commands.RegisterCounterparty(details, request.force, actor)


def change_counterparty(
    request: pb.UpdateCounterpartyRequest, actor: Identity
) -> commands.ChangeCounterparty:
    sent = sent_paths(request.update_mask.paths, COUNTERPARTY_EDITABLE)
    changes = counterparty_changes(request.counterparty, sent)
    return commands.ChangeCounterparty(request.id, changes, actor, expected_version(request))


def expected_version(request: VersionedRequest) -> int | None:
    """The version the caller read (If-Match), if he said."""
    return request.expected_version if request.HasField("expected_version") else None


def archive_counterparty(
    request: pb.ArchiveRequest, actor: Identity
) -> commands.ArchiveCounterparty:
    return commands.ArchiveCounterparty(request.id, actor, expected_version(request))


def find_key(request: pb.FindCounterpartyRequest) -> tuple[str, str]:
    """(field, value): by id unless the request names a tax id or an external id."""
    key = request.WhichOneof("key")
    if key == "tax_id":
        return "tax_id", request.tax_id
    if key == "external_id":
        return "external_id", request.external_id
    return "id", request.id


def counterparty_filter(request: pb.ListCounterpartiesRequest) -> CounterpartyFilter:
    r = request
    return CounterpartyFilter(
        q=_if_set(r.HasField("q"), r.q),
        role=_if_set(r.HasField("role"), r.role),
        region=_if_set(r.HasField("region"), r.region),
        industry=_if_set(r.HasField("industry"), r.industry),
        owner_id=_if_set(r.HasField("owner_id"), r.owner_id),
        group_id=_if_set(r.HasField("group_id"), r.group_id),
        abc=_if_set(r.HasField("abc"), r.abc),
        xyz=_if_set(r.HasField("xyz"), r.xyz),
        status=_if_set(r.HasField("status"), r.status),
        ids=tuple(r.ids),
        archived=r.archived,
    )


def contact_changes(m: pb.ContactPerson, sent: Collection[str]) -> model.ContactChanges:
    def pick(name: str, value: T) -> T | NotSent:
        return value if name in sent else NOT_SENT

    birthday = _if_set(m.HasField("birthday"), m.birthday)
    return model.ContactChanges(
        full_name=pick("full_name", m.full_name),
        position=pick("position", _if_set(m.HasField("position"), m.position)),
        birthday=parse_date(birthday, "birthday") if "birthday" in sent else NOT_SENT,
        email=pick("email", _if_set(m.HasField("email"), m.email)),
        phone=pick("phone", _if_set(m.HasField("phone"), m.phone)),
    )


def add_contact_person(request: pb.ContactPerson, actor: Identity) -> commands.AddContactPerson:
    details = contact_changes(request, CONTACT_EDITABLE)
    return commands.AddContactPerson(request.counterparty_id, details, actor)


def change_contact_person(
    request: pb.UpdateContactRequest, actor: Identity
) -> commands.ChangeContactPerson:
    sent = sent_paths(request.update_mask.paths, CONTACT_EDITABLE)
    changes = contact_changes(request.contact, sent)
    return commands.ChangeContactPerson(request.id, changes, actor, expected_version(request))


def link_counterparties(request: pb.Relationship, actor: Identity) -> commands.LinkCounterparties:
    return commands.LinkCounterparties(request.from_id, request.to_id, request.kind, actor)


def log_interaction(request: pb.Interaction, actor: Identity) -> commands.LogInteraction:
    r = request
    planned_at = _if_set(r.HasField("planned_at"), r.planned_at)
    done_at = _if_set(r.HasField("done_at"), r.done_at)
    return commands.LogInteraction(
        counterparty_id=r.counterparty_id,
        kind=r.kind,
        subject=r.subject,
        actor=actor,
        contact_id=_if_set(r.HasField("contact_id"), r.contact_id),
        deal_id=_if_set(r.HasField("deal_id"), r.deal_id),
        body=_if_set(r.HasField("body"), r.body),
        planned_at=parse_time(planned_at, "planned_at"),
        done_at=parse_time(done_at, "done_at"),
        owner_id=_if_set(r.HasField("owner_id"), r.owner_id),
    )


def interaction_filter(request: pb.ListInteractionsRequest) -> InteractionFilter:
    r = request
    planned_from = _if_set(r.HasField("planned_from"), r.planned_from)
    planned_to = _if_set(r.HasField("planned_to"), r.planned_to)
    return InteractionFilter(
        counterparty_id=_if_set(r.HasField("counterparty_id"), r.counterparty_id),
        owner_id=_if_set(r.HasField("owner_id"), r.owner_id),
        planned_from=parse_time(planned_from, "planned_from"),
        planned_to=parse_time(planned_to, "planned_to"),
        deal_id=_if_set(r.HasField("deal_id"), r.deal_id),
        archived=r.archived,
    )


def interaction_changes(m: pb.Interaction, sent: Collection[str]) -> model.InteractionChanges:
    def pick(name: str, value: T) -> T | NotSent:
        return value if name in sent else NOT_SENT

    planned_at = parse_time(_if_set(m.HasField("planned_at"), m.planned_at), "planned_at")
    return model.InteractionChanges(
        kind=pick("kind", m.kind),
        subject=pick("subject", m.subject),
        body=pick("body", _if_set(m.HasField("body"), m.body)),
        planned_at=pick("planned_at", planned_at),
        contact_id=pick("contact_id", _if_set(m.HasField("contact_id"), m.contact_id)),
        deal_id=pick("deal_id", _if_set(m.HasField("deal_id"), m.deal_id)),
        owner_id=pick("owner_id", _if_set(m.HasField("owner_id"), m.owner_id)),
    )


def change_interaction(
    request: pb.UpdateInteractionRequest, actor: Identity
) -> commands.ChangeInteraction:
    sent = sent_paths(request.update_mask.paths, INTERACTION_EDITABLE)
    changes = interaction_changes(request.interaction, sent)
    return commands.ChangeInteraction(request.id, changes, actor, expected_version(request))


def mark_interaction_done(
    request: pb.MarkInteractionDoneRequest, actor: Identity
) -> commands.MarkInteractionDone:
    r = request
    done_at = parse_time(_if_set(r.HasField("done_at"), r.done_at), "done_at")
    outcome = _if_set(r.HasField("outcome"), r.outcome)
    return commands.MarkInteractionDone(r.id, outcome, done_at, actor, expected_version(r))


def supplier_profile_from_proto(message: pb.SupplierProfile) -> model.SupplierProfile:
    items = [
        model.SupplierItem(
            sku=item.sku,
            name=item.name,
            price=parse_decimal(item.price, f"items[{index}].price") or Decimal(0),
            currency=item.currency,
        )
        for index, item in enumerate(message.items)
    ]
    m = message
    return model.SupplierProfile(
        counterparty_id=m.counterparty_id,
        delivery_terms=_if_set(m.HasField("delivery_terms"), m.delivery_terms),
        reliability=_if_set(m.HasField("reliability"), m.reliability),
        lead_time_days=_if_set(m.HasField("lead_time_days"), m.lead_time_days),
        items=items,
    )


def set_supplier_profile(
    request: pb.SupplierProfile, actor: Identity
) -> commands.SetSupplierProfile:
    return commands.SetSupplierProfile(supplier_profile_from_proto(request), actor)


def terms_from_proto(message: pb.CustomerTerms) -> model.CustomerTerms:
    m = message
    discount = _if_set(m.HasField("discount_percent"), m.discount_percent)
    return model.CustomerTerms(
        counterparty_id=m.counterparty_id,
        discount_percent=parse_decimal(discount, "discount_percent"),
        price_list=_if_set(m.HasField("price_list"), m.price_list),
        payment_days=_if_set(m.HasField("payment_days"), m.payment_days),
    )


def set_customer_terms(request: pb.CustomerTerms, actor: Identity) -> commands.SetCustomerTerms:
    return commands.SetCustomerTerms(terms_from_proto(request), actor)


def apply_classification(
    message: analytics_pb2.ClassificationCompleted,
) -> commands.ApplyClassification:
    """An empty class on the wire is no class."""
    classes = tuple(
        commands.CounterpartyClass(
            counterparty_id=placed.counterparty_id,
            abc=placed.abc or None,
            xyz=placed.xyz or None,
            status=placed.status or None,
        )
        for placed in message.classes
    )
    return commands.ApplyClassification(classes)


# -- domain objects into replies -----------------------------------------------------------
def counterparty_to_proto(counterparty: model.Counterparty) -> pb.Counterparty:
    c = counterparty
    return pb.Counterparty(
        id=c.id,
        name=c.name,
        legal_kind=c.legal_kind,
        roles=c.roles,
        tax_id=c.tax_id,
        region=c.region,
        industry=c.industry,
        email=c.email,
        phone=c.phone,
        address=c.address,
        group_id=c.group_id,
        parent_id=c.parent_id,
        owner_id=c.owner_id,
        status=c.status,
        abc=c.abc,
        xyz=c.xyz,
        completeness=c.completeness,
        created_at=c.created_at.isoformat(),
        updated_at=c.updated_at.isoformat(),
        external_id=c.external_id,
        version=c.version,
        archived_at=_iso(c.archived_at),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def group_to_proto(group: model.CompanyGroup) -> pb.CompanyGroup:
    return pb.CompanyGroup(
        id=group.id, name=group.name, version=group.version, archived_at=_iso(group.archived_at)
    )


def contact_to_proto(contact: model.ContactPerson) -> pb.ContactPerson:
    return pb.ContactPerson(
        id=contact.id,
        counterparty_id=contact.counterparty_id,
        full_name=contact.full_name,
        position=contact.position,
        birthday=contact.birthday.isoformat() if contact.birthday is not None else None,
        email=contact.email,
        phone=contact.phone,
        version=contact.version,
        archived_at=_iso(contact.archived_at),
    )


def relationship_to_proto(link: model.Relationship) -> pb.Relationship:
    return pb.Relationship(
        id=link.id,
        from_id=link.from_id,
        to_id=link.to_id,
        kind=link.kind,
        version=link.version,
        archived_at=_iso(link.archived_at),
    )


def interaction_to_proto(interaction: model.Interaction) -> pb.Interaction:
    i = interaction
    return pb.Interaction(
        id=i.id,
        counterparty_id=i.counterparty_id,
        contact_id=i.contact_id,
        deal_id=i.deal_id,
        kind=i.kind,
        subject=i.subject,
        body=i.body,
        planned_at=_iso(i.planned_at),
        done_at=_iso(i.done_at),
        owner_id=i.owner_id,
        outcome=i.outcome,
        version=i.version,
        archived_at=_iso(i.archived_at),
        overdue=i.is_overdue(datetime.now(UTC)),
    )


def supplier_profile_to_proto(profile: model.SupplierProfile) -> pb.SupplierProfile:
    return pb.SupplierProfile(
        counterparty_id=profile.counterparty_id,
        delivery_terms=profile.delivery_terms,
        reliability=profile.reliability,
        lead_time_days=profile.lead_time_days,
        items=[
            pb.SupplierItem(
                sku=item.sku, name=item.name, price=str(item.price), currency=item.currency
            )
            for item in profile.items
        ],
    )


def terms_to_proto(terms: model.CustomerTerms) -> pb.CustomerTerms:
    discount = terms.discount_percent
    return pb.CustomerTerms(
        counterparty_id=terms.counterparty_id,
        discount_percent=str(discount) if discount is not None else None,
        price_list=terms.price_list,
        payment_days=terms.payment_days,
    )


def timeline_to_proto(entries: Iterable[model.TimelineEntry]) -> pb.Timeline:
    return pb.Timeline(
        items=[
            pb.TimelineEntry(
                kind=e.kind, at=e.at.isoformat(), title=e.title, ref_id=e.ref_id, key=e.key
            )
            for e in entries
        ]
    )


# -- domain events into outbox messages (types and messages: events/v1/registry.toml) ------
def to_outbound(event: Event) -> OutboundEvent:
    match event:
        case events.CounterpartyRegistered(counterparty=c):
            message = wire.CounterpartyCreated(counterparty=counterparty_to_proto(c))
            return OutboundEvent("contacts.counterparty.created", c.id, message)
        case events.CounterpartyChanged(counterparty=c, changed_fields=changed):
            updated = wire.CounterpartyUpdated(
                counterparty=counterparty_to_proto(c), changed_fields=changed
            )
            return OutboundEvent("contacts.counterparty.updated", c.id, updated)
        case events.CounterpartyArchived(counterparty=c):
            deleted = wire.CounterpartyDeleted(counterparty_id=c.id)
            return OutboundEvent("contacts.counterparty.deleted", c.id, deleted)
        case events.CounterpartyRestored(counterparty=c, changes=changes):
            restored = wire.CounterpartyUpdated(
                counterparty=counterparty_to_proto(c), changed_fields=tuple(changes)
            )
            return OutboundEvent("contacts.counterparty.updated", c.id, restored)
        case events.ContactPersonAdded(contact=person):
            added = wire.ContactCreated(contact=contact_to_proto(person))
            return OutboundEvent("contacts.contact.created", person.id, added)
        case events.ContactPersonChanged(contact=person):  # archived and restored too
            changed_person = wire.ContactUpdated(contact=contact_to_proto(person))
            return OutboundEvent("contacts.contact.updated", person.id, changed_person)
        case events.CounterpartiesLinked(relationship=link):
            linked = wire.RelationshipCreated(relationship=relationship_to_proto(link))
            return OutboundEvent("contacts.relationship.created", link.id, linked)
        case events.RelationshipChanged(relationship=link):  # archived, restored
            link_out = wire.RelationshipCreated(relationship=relationship_to_proto(link))
            return OutboundEvent("contacts.relationship.updated", link.id, link_out)
        case events.CompanyGroupChanged(group=group, action=action):
            group_out = wire.CompanyGroupChanged(group=group_to_proto(group), action=action)
            return OutboundEvent("contacts.company_group.changed", group.id, group_out)
        case events.InteractionLogged(interaction=logged):
            message_out = wire.InteractionLogged(interaction=interaction_to_proto(logged))
            return OutboundEvent("contacts.interaction.logged", logged.id, message_out)
        case events.InteractionChanged(interaction=changed):  # done, archived, restored too
            changed_out = wire.InteractionLogged(interaction=interaction_to_proto(changed))
            return OutboundEvent("contacts.interaction.updated", changed.id, changed_out)
        case events.SupplierProfileSet(profile=profile):
            profile_out = wire.SupplierProfileUpdated(profile=supplier_profile_to_proto(profile))
            return OutboundEvent(
                "contacts.supplier_profile.updated", profile.counterparty_id, profile_out
            )
        case events.CustomerTermsSet(terms=terms):
            terms_out = wire.CustomerTermsUpdated(terms=terms_to_proto(terms))
            return OutboundEvent("contacts.terms.updated", terms.counterparty_id, terms_out)
    raise TypeError(f"contacts has no wire form for {type(event).__name__}")


def timeline_page(request: pb.TimelineRequest) -> tuple[str, Before | None, int]:
    """(counterparty id, where the page starts, how many at most)."""
    r = request
    before = Before.asked(_if_set(r.HasField("before_at"), r.before_at), r.before_key)
    return r.id, before, history_size(r.limit)
