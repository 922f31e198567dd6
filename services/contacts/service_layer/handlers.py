"""What the contacts service does, one function per use case. Each write happens in one unit of
work together with the event that tells the rest of the suite about it."""

from __future__ import annotations

from typing import Any

from crm.events.v1 import contacts_pb2 as events
from crmkit.errors import Conflict, InvalidInput, NotFound, found
from crmkit.identity import Identity
from services.contacts.adapters import proto
from services.contacts.adapters.repository import CounterpartyFilter, InteractionFilter, Page

__all__ = ["CounterpartyFilter", "InteractionFilter", "Page"]
from services.contacts.domain import model
from services.contacts.service_layer.unit_of_work import SqlAlchemyUnitOfWork as UnitOfWork

AREA = "contacts"


def _counterparty(uow: UnitOfWork, counterparty_id: str) -> model.Counterparty:
    return found(uow.counterparties.get(counterparty_id), "counterparty", counterparty_id)


def _check_references(uow: UnitOfWork, counterparty_id: str, fields: dict[str, Any]) -> None:
    group_id, parent_id = fields.get("group_id"), fields.get("parent_id")
    if group_id and uow.groups.get(group_id) is None:
        raise InvalidInput.field("group_id", f"company group {group_id!r} does not exist")
    if parent_id:
        if uow.counterparties.get(parent_id) is None:
            raise InvalidInput.field("parent_id", f"counterparty {parent_id!r} does not exist")
        if uow.counterparties.is_ancestor(counterparty_id, parent_id):
            raise InvalidInput.field("parent_id", "this would make the counterparty its own parent")


def _check_external_id(uow: UnitOfWork, counterparty_id: str, external_id: str | None) -> None:
    """Before the change is applied: an unflushed clash would surface as a database error."""
    if not external_id:
        return
    other = uow.counterparties.find_by("external_id", external_id.strip())
    if other is not None and other.id != counterparty_id:
        raise Conflict(
            f"external id {external_id!r} belongs to {other.name!r}", existing_id=other.id
        )


# -- counterparties ------------------------------------------------------------------------
def create_counterparty(
    uow: UnitOfWork, fields: dict[str, Any], force: bool, actor: Identity
) -> model.Counterparty:
    actor.require_writer(AREA)
    with uow:
        counterparty = model.Counterparty.register(fields)
        _check_references(uow, counterparty.id, fields)
        _check_external_id(uow, counterparty.id, counterparty.external_id)
        duplicate = uow.counterparties.find_duplicate(counterparty.tax_id, counterparty.email)
        if duplicate is not None and not force:
            raise Conflict(
                f"counterparty {duplicate.name!r} already has this tax id or e-mail; "
                "send force=true to create another one anyway",
                existing_id=duplicate.id,
            )
        uow.counterparties.add(counterparty)
        message = events.CounterpartyCreated(counterparty=proto.counterparty_to_proto(counterparty))
        uow.events.add("contacts.counterparty.created", counterparty.id, message)
        uow.commit()
    return counterparty


def update_counterparty(
    uow: UnitOfWork, counterparty_id: str, changes: dict[str, Any], actor: Identity
) -> model.Counterparty:
    actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, counterparty_id)
        _check_references(uow, counterparty_id, changes)
        _check_external_id(uow, counterparty_id, changes.get("external_id"))
        changed = counterparty.change(changes, uow.counterparties.has_contact(counterparty_id))
        if changed:
            message = events.CounterpartyUpdated(
                counterparty=proto.counterparty_to_proto(counterparty), changed_fields=changed
            )
            uow.events.add("contacts.counterparty.updated", counterparty.id, message)
        uow.commit()
    return counterparty


def delete_counterparty(uow: UnitOfWork, counterparty_id: str, actor: Identity) -> None:
    actor.require_writer(AREA)
    with uow:
        _counterparty(uow, counterparty_id).delete()
        message = events.CounterpartyDeleted(counterparty_id=counterparty_id)
        uow.events.add("contacts.counterparty.deleted", counterparty_id, message)
        uow.commit()


def get_counterparty(uow: UnitOfWork, counterparty_id: str) -> model.Counterparty:
    with uow:
        return _counterparty(uow, counterparty_id)


def find_counterparty(uow: UnitOfWork, field: str, value: str) -> model.Counterparty:
    """By id, tax id or external id (the first registered, if several share a tax id)."""
    with uow:
        if field == "id":
            return _counterparty(uow, value)
        return found(uow.counterparties.find_by(field, value), f"counterparty with {field}", value)


def list_counterparties(
    uow: UnitOfWork, wanted: CounterpartyFilter, page: Page
) -> tuple[list[model.Counterparty], int]:
    with uow:
        return uow.counterparties.list(wanted, page)


# -- company groups ------------------------------------------------------------------------
def create_company_group(uow: UnitOfWork, name: str, actor: Identity) -> model.CompanyGroup:
    actor.require_writer(AREA)
    with uow:
        group = model.CompanyGroup(name=name)
        existing = uow.groups.by_name(group.name)
        if existing is not None:
            raise Conflict(f"company group {group.name!r} already exists", existing_id=existing.id)
        uow.groups.add(group)
        uow.commit()
    return group


def list_company_groups(uow: UnitOfWork, page: Page) -> tuple[list[model.CompanyGroup], int]:
    with uow:
        return uow.groups.list(page)


# -- contact persons -----------------------------------------------------------------------
def create_contact(
    uow: UnitOfWork, counterparty_id: str, fields: dict[str, Any], actor: Identity
) -> model.ContactPerson:
    actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, counterparty_id)
        contact = model.ContactPerson(counterparty_id=counterparty_id, full_name="")
        contact.change(fields)
        uow.contacts.add(contact)
        counterparty.refresh(has_contact=True)
        message = events.ContactCreated(contact=proto.contact_to_proto(contact))
        uow.events.add("contacts.contact.created", contact.id, message)
        uow.commit()
    return contact


def _contact(uow: UnitOfWork, contact_id: str) -> model.ContactPerson:
    contact = uow.contacts.get(contact_id)
    if contact is None or uow.counterparties.get(contact.counterparty_id) is None:
        raise NotFound.of("contact", contact_id)
    return contact


def update_contact(
    uow: UnitOfWork, contact_id: str, changes: dict[str, Any], actor: Identity
) -> model.ContactPerson:
    actor.require_writer(AREA)
    with uow:
        contact = _contact(uow, contact_id)
        if contact.change(changes):
            message = events.ContactUpdated(contact=proto.contact_to_proto(contact))
            uow.events.add("contacts.contact.updated", contact.id, message)
        uow.commit()
    return contact


def get_contact(uow: UnitOfWork, contact_id: str) -> model.ContactPerson:
    with uow:
        return _contact(uow, contact_id)


def list_contacts(
    uow: UnitOfWork, counterparty_id: str | None, page: Page
) -> tuple[list[model.ContactPerson], int]:
    with uow:
        if counterparty_id is not None:
            _counterparty(uow, counterparty_id)
        return uow.contacts.list(counterparty_id, page)


# -- relationships -------------------------------------------------------------------------
def create_relationship(
    uow: UnitOfWork, from_id: str, to_id: str, kind: str, actor: Identity
) -> model.Relationship:
    actor.require_writer(AREA)
    with uow:
        link = model.Relationship(from_id=from_id, to_id=to_id, kind=kind)
        for name, ident in (("from_id", from_id), ("to_id", to_id)):
            if uow.counterparties.get(ident) is None:
                raise InvalidInput.field(name, f"counterparty {ident!r} does not exist")
        if uow.relationships.exists(link):
            raise Conflict("these counterparties are already linked this way")
        uow.relationships.add(link)
        message = events.RelationshipCreated(relationship=proto.relationship_to_proto(link))
        uow.events.add("contacts.relationship.created", link.id, message)
        uow.commit()
    return link


def list_relationships(
    uow: UnitOfWork, counterparty_id: str, page: Page
) -> tuple[list[model.Relationship], int]:
    with uow:
        _counterparty(uow, counterparty_id)
        return uow.relationships.of_counterparty(counterparty_id, page)


# -- interactions --------------------------------------------------------------------------
def log_interaction(
    uow: UnitOfWork, interaction: model.Interaction, actor: Identity
) -> model.Interaction:
    actor.require_writer(AREA)
    with uow:
        if uow.counterparties.get(interaction.counterparty_id) is None:
            message = f"counterparty {interaction.counterparty_id!r} does not exist"
            raise InvalidInput.field("counterparty_id", message)
        if interaction.contact_id is not None:
            contact = uow.contacts.get(interaction.contact_id)
            if contact is None or contact.counterparty_id != interaction.counterparty_id:
                message = f"contact {interaction.contact_id!r} is not a person of this counterparty"
                raise InvalidInput.field("contact_id", message)
        if interaction.planned_at is None and interaction.done_at is None:
            interaction.done_at = model.utcnow()
        interaction.owner_id = interaction.owner_id or actor.person_id
        uow.interactions.add(interaction)
        message_out = events.InteractionLogged(interaction=proto.interaction_to_proto(interaction))
        uow.events.add("contacts.interaction.logged", interaction.id, message_out)
        uow.commit()
    return interaction


def list_interactions(
    uow: UnitOfWork, wanted: InteractionFilter, page: Page
) -> tuple[list[model.Interaction], int]:
    with uow:
        return uow.interactions.list(wanted, page)


# -- supplier profile and customer terms ---------------------------------------------------
def put_supplier_profile(
    uow: UnitOfWork, profile: model.SupplierProfile, actor: Identity
) -> model.SupplierProfile:
    actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, profile.counterparty_id)
        if "supplier" not in counterparty.roles:
            counterparty.change({"roles": [*counterparty.roles, "supplier"]}, True)
        stored = uow.supplier_profiles.put(profile)
        message = events.SupplierProfileUpdated(profile=proto.supplier_profile_to_proto(stored))
        uow.events.add("contacts.supplier_profile.updated", profile.counterparty_id, message)
        uow.commit()
    return stored


def get_supplier_profile(uow: UnitOfWork, counterparty_id: str) -> model.SupplierProfile:
    with uow:
        _counterparty(uow, counterparty_id)
        profile = uow.supplier_profiles.get(counterparty_id)
        return profile or model.SupplierProfile(counterparty_id=counterparty_id)


def put_customer_terms(
    uow: UnitOfWork, terms: model.CustomerTerms, actor: Identity
) -> model.CustomerTerms:
    actor.require_writer(AREA)
    with uow:
        _counterparty(uow, terms.counterparty_id)
        stored = uow.terms.put(terms)
        message = events.CustomerTermsUpdated(terms=proto.terms_to_proto(stored))
        uow.events.add("contacts.terms.updated", terms.counterparty_id, message)
        uow.commit()
    return stored


def get_customer_terms(uow: UnitOfWork, counterparty_id: str) -> model.CustomerTerms:
    with uow:
        _counterparty(uow, counterparty_id)
        return uow.terms.get(counterparty_id) or model.CustomerTerms(
            counterparty_id=counterparty_id
        )


# -- timeline and classification -----------------------------------------------------------
def timeline(uow: UnitOfWork, counterparty_id: str) -> list[model.TimelineEntry]:
    with uow:
        _counterparty(uow, counterparty_id)
        wanted = InteractionFilter(counterparty_id=counterparty_id)
        logged, _ = uow.interactions.list(wanted, Page(1, 1000))
        entries = [
            model.TimelineEntry(kind=item.kind, at=item.at, title=item.subject, ref_id=item.id)
            for item in logged
        ]
        return sorted(entries, key=lambda entry: entry.at, reverse=True)


def apply_classification(uow: UnitOfWork, classes: list[tuple[str, str, str, str]]) -> int:
    """Records the classes analytics computed; unknown counterparties are skipped."""
    applied = 0
    with uow:
        for counterparty_id, abc, xyz, status in classes:
            counterparty = uow.counterparties.get(counterparty_id)
            if counterparty is not None:
                counterparty.classify(abc or None, xyz or None, status or None)
                applied += 1
        uow.commit()
    return applied
