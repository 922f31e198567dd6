"""What the contacts service does: one handler per command, each write in one unit of work
together with the domain event that tells the rest of the suite about it; and the queries."""

from __future__ import annotations

from crmkit.errors import Conflict, InvalidInput, NotFound, found
from crmkit.paging import Page
from services.contacts.domain import commands, events, model
from services.contacts.domain.model import given
from services.contacts.service_layer.unit_of_work import (
    CounterpartyFilter,
    InteractionFilter,
    UnitOfWork,
)

AREA = "contacts"


def _counterparty(uow: UnitOfWork, counterparty_id: str) -> model.Counterparty:
    return found(uow.counterparties.get(counterparty_id), "counterparty", counterparty_id)


def _check_references(
    uow: UnitOfWork, counterparty_id: str, changes: model.CounterpartyChanges
) -> None:
    group_id, parent_id = given(changes.group_id), given(changes.parent_id)
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
def register_counterparty(
    command: commands.RegisterCounterparty, uow: UnitOfWork
) -> model.Counterparty:
    command.actor.require_writer(AREA)
    with uow:
        counterparty = model.Counterparty.register(command.details)
        _check_references(uow, counterparty.id, command.details)
        _check_external_id(uow, counterparty.id, counterparty.external_id)
        duplicate = uow.counterparties.find_duplicate(counterparty.tax_id, counterparty.email)
        if duplicate is not None and not command.force:
            raise Conflict(
                f"counterparty {duplicate.name!r} already has this tax id or e-mail; "
                "send force=true to create another one anyway",
                existing_id=duplicate.id,
            )
        uow.counterparties.add(counterparty)
        uow.publish(events.CounterpartyRegistered(counterparty))
        uow.commit()
    return counterparty


def change_counterparty(
    command: commands.ChangeCounterparty, uow: UnitOfWork
) -> model.Counterparty:
    command.actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, command.counterparty_id)
        _check_references(uow, counterparty.id, command.changes)
        _check_external_id(uow, counterparty.id, given(command.changes.external_id))
        has_contact = uow.counterparties.has_contact(counterparty.id)
        changed = counterparty.change(command.changes, has_contact)
        if changed:
            uow.publish(events.CounterpartyChanged(counterparty, tuple(changed)))
        uow.commit()
    return counterparty


def archive_counterparty(command: commands.ArchiveCounterparty, uow: UnitOfWork) -> None:
    command.actor.require_writer(AREA)
    with uow:
        _counterparty(uow, command.counterparty_id).delete()
        uow.publish(events.CounterpartyArchived(command.counterparty_id))
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
def create_company_group(
    command: commands.CreateCompanyGroup, uow: UnitOfWork
) -> model.CompanyGroup:
    command.actor.require_writer(AREA)
    with uow:
        group = model.CompanyGroup(name=command.name)
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
def add_contact_person(command: commands.AddContactPerson, uow: UnitOfWork) -> model.ContactPerson:
    command.actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, command.counterparty_id)
        contact = model.ContactPerson(counterparty_id=counterparty.id, full_name="")
        contact.change(command.details)
        uow.contacts.add(contact)
        counterparty.refresh(has_contact=True)
        uow.publish(events.ContactPersonAdded(contact))
        uow.commit()
    return contact


def _contact(uow: UnitOfWork, contact_id: str) -> model.ContactPerson:
    contact = uow.contacts.get(contact_id)
    if contact is None or uow.counterparties.get(contact.counterparty_id) is None:
        raise NotFound.of("contact", contact_id)
    return contact


def change_contact_person(
    command: commands.ChangeContactPerson, uow: UnitOfWork
) -> model.ContactPerson:
    command.actor.require_writer(AREA)
    with uow:
        contact = _contact(uow, command.contact_id)
        if contact.change(command.changes):
            uow.publish(events.ContactPersonChanged(contact))
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
def link_counterparties(
    command: commands.LinkCounterparties, uow: UnitOfWork
) -> model.Relationship:
    command.actor.require_writer(AREA)
    with uow:
        link = model.Relationship(from_id=command.from_id, to_id=command.to_id, kind=command.kind)
        for name, ident in (("from_id", link.from_id), ("to_id", link.to_id)):
            if uow.counterparties.get(ident) is None:
                raise InvalidInput.field(name, f"counterparty {ident!r} does not exist")
        if uow.relationships.exists(link):
            raise Conflict("these counterparties are already linked this way")
        uow.relationships.add(link)
        uow.publish(events.CounterpartiesLinked(link))
        uow.commit()
    return link


def list_relationships(
    uow: UnitOfWork, counterparty_id: str, page: Page
) -> tuple[list[model.Relationship], int]:
    with uow:
        _counterparty(uow, counterparty_id)
        return uow.relationships.of_counterparty(counterparty_id, page)


# -- interactions --------------------------------------------------------------------------
def _interaction(command: commands.LogInteraction) -> model.Interaction:
    return model.Interaction(
        counterparty_id=command.counterparty_id,
        kind=command.kind,
        subject=command.subject,
        contact_id=command.contact_id,
        deal_id=command.deal_id,
        body=command.body,
        planned_at=command.planned_at,
        done_at=command.done_at,
        owner_id=command.owner_id or command.actor.person_id,
    )


def log_interaction(command: commands.LogInteraction, uow: UnitOfWork) -> model.Interaction:
    interaction = _interaction(command)  # a malformed one is refused before who asks is checked
    command.actor.require_writer(AREA)
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
        uow.interactions.add(interaction)
        uow.publish(events.InteractionLogged(interaction))
        uow.commit()
    return interaction


def list_interactions(
    uow: UnitOfWork, wanted: InteractionFilter, page: Page
) -> tuple[list[model.Interaction], int]:
    with uow:
        return uow.interactions.list(wanted, page)


# -- supplier profile and customer terms ---------------------------------------------------
def set_supplier_profile(
    command: commands.SetSupplierProfile, uow: UnitOfWork
) -> model.SupplierProfile:
    command.actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, command.profile.counterparty_id)
        if "supplier" not in counterparty.roles:
            roles = model.CounterpartyChanges(roles=(*counterparty.roles, "supplier"))
            counterparty.change(roles, has_contact=True)
        stored = uow.supplier_profiles.put(command.profile)
        uow.publish(events.SupplierProfileSet(stored))
        uow.commit()
    return stored


def get_supplier_profile(uow: UnitOfWork, counterparty_id: str) -> model.SupplierProfile:
    with uow:
        _counterparty(uow, counterparty_id)
        profile = uow.supplier_profiles.get(counterparty_id)
        return profile or model.SupplierProfile(counterparty_id=counterparty_id)


def set_customer_terms(command: commands.SetCustomerTerms, uow: UnitOfWork) -> model.CustomerTerms:
    command.actor.require_writer(AREA)
    with uow:
        _counterparty(uow, command.terms.counterparty_id)
        stored = uow.terms.put(command.terms)
        uow.publish(events.CustomerTermsSet(stored))
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


def apply_classification(command: commands.ApplyClassification, uow: UnitOfWork) -> int:
    """Records the classes analytics computed; unknown counterparties are skipped."""
    applied = 0
    with uow:
        for placed in command.classes:
            counterparty = uow.counterparties.get(placed.counterparty_id)
            if counterparty is not None:
                counterparty.classify(placed.abc, placed.xyz, placed.status)
                applied += 1
        uow.commit()
    return applied
