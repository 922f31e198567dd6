"""What the contacts service does: one handler per command, each write in one unit of work
together with the domain event that tells the rest of the suite about it; and the queries."""

from __future__ import annotations

from crmkit.domain import described
from crmkit.errors import Conflict, InvalidInput, NotFound, found
from crmkit.paging import Before, Page
from services.contacts.domain import commands, events, model
from services.contacts.domain.model import given
from services.contacts.service_layer.unit_of_work import (
    CounterpartyFilter,
    InteractionFilter,
    UnitOfWork,
)

AREA = "contacts"


def _counterparty(uow: UnitOfWork, counterparty_id: str) -> model.Counterparty:
    """Archived ones too: they stay readable by id."""
    return found(uow.counterparties.get(counterparty_id), "counterparty", counterparty_id)


def _in_use(uow: UnitOfWork, counterparty_id: str) -> bool:
    """Known and not archived."""
    counterparty = uow.counterparties.get(counterparty_id)
    return counterparty is not None and not counterparty.archived


def _active_counterparty(uow: UnitOfWork, counterparty_id: str) -> model.Counterparty:
    """One that may be changed and given new contacts, interactions and links."""
    counterparty = _counterparty(uow, counterparty_id)
    counterparty.require_current()
    return counterparty


def _check_references(
    uow: UnitOfWork, counterparty_id: str, changes: model.CounterpartyChanges
) -> None:
    group_id, parent_id = given(changes.group_id), given(changes.parent_id)
    group = uow.groups.get(group_id) if group_id else None
    if group_id and (group is None or group.archived):
        raise InvalidInput.field(
            "group_id", f"company group {group_id!r} does not exist", "not_found"
        )
    if parent_id:
        if uow.counterparties.get(parent_id) is None:
            raise InvalidInput.field(
                "parent_id", f"counterparty {parent_id!r} does not exist", "not_found"
            )
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
        counterparty = _active_counterparty(uow, command.counterparty_id)
        counterparty.expect(command.expected_version)
        _check_references(uow, counterparty.id, command.changes)
        _check_external_id(uow, counterparty.id, given(command.changes.external_id))
        has_contact = uow.counterparties.has_contact(counterparty.id)
        changes = counterparty.change(command.changes, has_contact)
        if changes:
            uow.publish(events.CounterpartyChanged(counterparty, changes))
        uow.commit()
    return counterparty


def archive_counterparty(command: commands.ArchiveCounterparty, uow: UnitOfWork) -> None:
    """It leaves the lists; its deals, mail and history stay, and it can be restored."""
    command.actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, command.counterparty_id)
        changes = counterparty.archive(command.expected_version)
        if changes:
            uow.publish(events.CounterpartyArchived(counterparty, changes))
        uow.commit()


def restore_counterparty(
    command: commands.RestoreCounterparty, uow: UnitOfWork
) -> model.Counterparty:
    command.actor.require_writer(AREA)
    with uow:
        counterparty = _counterparty(uow, command.counterparty_id)
        changes = counterparty.restore()
        if changes:
            uow.publish(events.CounterpartyRestored(counterparty, changes))
        uow.commit()
    return counterparty


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
        uow.publish(events.CompanyGroupChanged(group, described(group, ("name",)), "created"))
        uow.commit()
    return group


def list_company_groups(
    uow: UnitOfWork, page: Page, archived: bool = False
) -> tuple[list[model.CompanyGroup], int]:
    with uow:
        return uow.groups.list(page, archived)


def get_company_group(uow: UnitOfWork, group_id: str) -> model.CompanyGroup:
    with uow:
        return found(uow.groups.get(group_id), "company group", group_id)


def rename_company_group(
    command: commands.RenameCompanyGroup, uow: UnitOfWork
) -> model.CompanyGroup:
    command.actor.require_writer(AREA)
    with uow:
        group = found(uow.groups.get(command.group_id), "company group", command.group_id)
        group.expect(command.expected_version)
        existing = uow.groups.by_name(command.name.strip())
        if existing is not None and existing.id != group.id:
            raise Conflict(
                f"company group {existing.name!r} already exists", existing_id=existing.id
            )
        changes = group.rename(command.name)
        if changes:
            uow.publish(events.CompanyGroupChanged(group, changes, "renamed"))
        uow.commit()
    return group


def archive_or_restore(
    command: commands.ArchiveRecord, uow: UnitOfWork
) -> model.CompanyGroup | model.Relationship:
    """A company group or a relationship archived (as of its expected version) or restored."""
    command.actor.require_writer(AREA)
    with uow:
        record: model.CompanyGroup | model.Relationship | None
        if command.kind == "company_group":
            record = uow.groups.get(command.record_id)
        else:
            record = uow.relationships.get(command.record_id)
        if record is None:
            raise NotFound.of(command.kind.replace("_", " "), command.record_id)
        changes, action = record.archive_or_restore(command.restore, command.expected_version)
        if changes and isinstance(record, model.CompanyGroup):
            uow.publish(events.CompanyGroupChanged(record, changes, action))
        elif changes and isinstance(record, model.Relationship):
            uow.publish(events.RelationshipChanged(record, changes, action))
        uow.commit()
    return record


# -- contact persons -----------------------------------------------------------------------
def add_contact_person(command: commands.AddContactPerson, uow: UnitOfWork) -> model.ContactPerson:
    command.actor.require_writer(AREA)
    with uow:
        counterparty = _active_counterparty(uow, command.counterparty_id)
        contact = model.ContactPerson.add(counterparty.id, command.details)
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


def _active_contact(uow: UnitOfWork, contact_id: str, version: int | None) -> model.ContactPerson:
    contact = _contact(uow, contact_id)
    contact.expect(version)
    contact.require_current()
    return contact


def change_contact_person(
    command: commands.ChangeContactPerson, uow: UnitOfWork
) -> model.ContactPerson:
    command.actor.require_writer(AREA)
    with uow:
        contact = _active_contact(uow, command.contact_id, command.expected_version)
        changes = contact.change(command.changes)
        if changes:
            uow.publish(events.ContactPersonChanged(contact, changes))
        uow.commit()
    return contact


def archive_contact_person(command: commands.ArchiveContactPerson, uow: UnitOfWork) -> None:
    """She leaves the lists; her mail, interactions and history stay."""
    command.actor.require_writer(AREA)
    with uow:
        contact = _contact(uow, command.contact_id)
        changes = contact.archive(command.expected_version)
        if changes:
            uow.publish(events.ContactPersonChanged(contact, changes, "archived"))
        uow.commit()


def restore_contact_person(
    command: commands.RestoreContactPerson, uow: UnitOfWork
) -> model.ContactPerson:
    command.actor.require_writer(AREA)
    with uow:
        contact = _contact(uow, command.contact_id)
        changes = contact.restore()
        if changes:
            uow.publish(events.ContactPersonChanged(contact, changes, "restored"))
        uow.commit()
    return contact


def get_contact(uow: UnitOfWork, contact_id: str) -> model.ContactPerson:
    with uow:
        return _contact(uow, contact_id)


def list_contacts(
    uow: UnitOfWork,
    counterparty_id: str | None,
    page: Page,
    archived: bool = False,
    q: str | None = None,
) -> tuple[list[model.ContactPerson], int]:
    with uow:
        if counterparty_id is not None:
            _counterparty(uow, counterparty_id)
        return uow.contacts.list(counterparty_id, page, archived, q)


# -- relationships -------------------------------------------------------------------------
def link_counterparties(
    command: commands.LinkCounterparties, uow: UnitOfWork
) -> model.Relationship:
    command.actor.require_writer(AREA)
    with uow:
        link = model.Relationship(from_id=command.from_id, to_id=command.to_id, kind=command.kind)
        for name, ident in (("from_id", link.from_id), ("to_id", link.to_id)):
            if not _in_use(uow, ident):
                raise InvalidInput.field(
                    name, f"counterparty {ident!r} does not exist", "not_found"
                )
        if uow.relationships.exists(link):
            raise Conflict("these counterparties are already linked this way")
        uow.relationships.add(link)
        uow.publish(events.CounterpartiesLinked(link))
        uow.commit()
    return link


def list_relationships(
    uow: UnitOfWork, counterparty_id: str, page: Page, archived: bool = False
) -> tuple[list[model.Relationship], int]:
    with uow:
        _counterparty(uow, counterparty_id)
        return uow.relationships.of_counterparty(counterparty_id, page, archived)


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


def _check_contact_of(uow: UnitOfWork, contact_id: str, counterparty_id: str) -> None:
    contact = uow.contacts.get(contact_id)
    if contact is None or contact.counterparty_id != counterparty_id:
        message = f"contact {contact_id!r} is not a person of this counterparty"
        raise InvalidInput.field("contact_id", message)


def log_interaction(command: commands.LogInteraction, uow: UnitOfWork) -> model.Interaction:
    interaction = _interaction(command)  # a malformed one is refused before who asks is checked
    command.actor.require_writer(AREA)
    with uow:
        if not _in_use(uow, interaction.counterparty_id):
            message = f"counterparty {interaction.counterparty_id!r} does not exist"
            raise InvalidInput.field("counterparty_id", message)
        if interaction.contact_id is not None:
            _check_contact_of(uow, interaction.contact_id, interaction.counterparty_id)
        if interaction.planned_at is None and interaction.done_at is None:
            interaction.done_at = model.utcnow()
        uow.interactions.add(interaction)
        uow.publish(events.InteractionLogged(interaction))
        uow.commit()
    return interaction


def _interaction_of(uow: UnitOfWork, interaction_id: str) -> model.Interaction:
    return found(uow.interactions.get(interaction_id), "interaction", interaction_id)


def _active_interaction(
    uow: UnitOfWork, interaction_id: str, version: int | None
) -> model.Interaction:
    interaction = _interaction_of(uow, interaction_id)
    interaction.expect(version)
    interaction.require_current()
    return interaction


def get_interaction(uow: UnitOfWork, interaction_id: str) -> model.Interaction:
    with uow:
        return _interaction_of(uow, interaction_id)


def change_interaction(command: commands.ChangeInteraction, uow: UnitOfWork) -> model.Interaction:
    """Its subject, notes, contact, deal or owner; a new `planned_at` reschedules it."""
    command.actor.require_writer(AREA)
    with uow:
        interaction = _active_interaction(uow, command.interaction_id, command.expected_version)
        contact_id = given(command.changes.contact_id)
        if contact_id is not None:
            _check_contact_of(uow, contact_id, interaction.counterparty_id)
        changes = interaction.change(command.changes)
        if changes:
            action = "rescheduled" if set(changes) == {"planned_at"} else "updated"
            uow.publish(events.InteractionChanged(interaction, changes, action))
        uow.commit()
    return interaction


def mark_interaction_done(
    command: commands.MarkInteractionDone, uow: UnitOfWork
) -> model.Interaction:
    command.actor.require_writer(AREA)
    with uow:
        interaction = _active_interaction(uow, command.interaction_id, command.expected_version)
        done_at = command.done_at or model.utcnow()
        changes = interaction.mark_done(command.outcome, done_at)
        if changes:
            uow.publish(events.InteractionChanged(interaction, changes, "done"))
        uow.commit()
    return interaction


def archive_interaction(command: commands.ArchiveInteraction, uow: UnitOfWork) -> None:
    command.actor.require_writer(AREA)
    with uow:
        interaction = _interaction_of(uow, command.interaction_id)
        changes = interaction.archive(command.expected_version)
        if changes:
            uow.publish(events.InteractionChanged(interaction, changes, "archived"))
        uow.commit()


def restore_interaction(command: commands.RestoreInteraction, uow: UnitOfWork) -> model.Interaction:
    command.actor.require_writer(AREA)
    with uow:
        interaction = _interaction_of(uow, command.interaction_id)
        changes = interaction.restore()
        if changes:
            uow.publish(events.InteractionChanged(interaction, changes, "restored"))
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
        counterparty = _active_counterparty(uow, command.profile.counterparty_id)
        if "supplier" not in counterparty.roles:
            roles = model.CounterpartyChanges(roles=(*counterparty.roles, "supplier"))
            changes = counterparty.change(roles, uow.counterparties.has_contact(counterparty.id))
            uow.publish(events.CounterpartyChanged(counterparty, changes))
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
def timeline(
    uow: UnitOfWork, counterparty_id: str, before: Before | None = None, limit: int = 200
) -> list[model.TimelineEntry]:
    """A page of what contacts knows of a counterparty's history (its interactions), newest
    first, older than `before`."""
    with uow:
        _counterparty(uow, counterparty_id)
        logged = uow.interactions.history(counterparty_id, before, limit)
        return [
            model.TimelineEntry(item.kind, item.at, item.subject, item.id, key=item.id)
            for item in logged
        ]


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
