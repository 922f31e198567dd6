"""The contacts service layer with in-memory fakes: rules and events, no database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit.errors import Conflict, Forbidden, InvalidInput, Stale
from crmkit.identity import Identity
from crmkit.paging import Page
from services.contacts.domain import commands, events, model
from services.contacts.domain.model import ContactChanges, CounterpartyChanges, InteractionChanges
from services.contacts.service_layer import handlers
from services.contacts.service_layer.unit_of_work import CounterpartyFilter
from tests.contacts.unit.fakes import FakeUnitOfWork

MANAGER = Identity("u-1", frozenset({"manager"}))
VIEWER = Identity("u-2", frozenset({"viewer"}))


def register(
    uow: FakeUnitOfWork,
    details: CounterpartyChanges,
    force: bool = False,
    actor: Identity = MANAGER,
) -> model.Counterparty:
    return handlers.register_counterparty(commands.RegisterCounterparty(details, force, actor), uow)


def change(
    uow: FakeUnitOfWork, counterparty_id: str, changes: CounterpartyChanges
) -> model.Counterparty:
    return handlers.change_counterparty(
        commands.ChangeCounterparty(counterparty_id, changes, MANAGER), uow
    )


def test_registering_a_counterparty_commits_it_with_its_created_event() -> None:
    uow = FakeUnitOfWork()
    details = CounterpartyChanges(name="Công ty An Phát", tax_id="0101 234 567")
    created = handlers.register_counterparty(
        commands.RegisterCounterparty(details, False, MANAGER), uow
    )
    assert uow.committed
    assert created.tax_id == "0101234567"
    [(event_type, aggregate_id, payload)] = uow.events.published
    assert (event_type, aggregate_id) == ("contacts.counterparty.created", created.id)
    assert payload.counterparty.name == "Công ty An Phát"  # type: ignore[attr-defined]


def test_a_second_counterparty_with_the_same_email_is_refused_with_the_first_ones_id() -> None:
    uow = FakeUnitOfWork()
    first = register(uow, CounterpartyChanges(name="A", email="Sales@AnPhat.vn"))
    with pytest.raises(Conflict) as refused:
        register(uow, CounterpartyChanges(name="B", email="sales@anphat.vn"))
    assert refused.value.existing_id == first.id
    forced = register(uow, CounterpartyChanges(name="B", email="sales@anphat.vn"), force=True)
    assert forced.id != first.id


def test_a_viewer_cannot_register_a_counterparty_and_nothing_is_published() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Forbidden):
        register(uow, CounterpartyChanges(name="A"), actor=VIEWER)
    assert uow.events.published == [] and not uow.committed


def test_an_update_that_changes_nothing_publishes_nothing() -> None:
    uow = FakeUnitOfWork()
    created = register(uow, CounterpartyChanges(name="A", region="Huế"))
    change(uow, created.id, CounterpartyChanges(region="Huế"))
    assert [event for event, _, _ in uow.events.published] == ["contacts.counterparty.created"]
    change(uow, created.id, CounterpartyChanges(region="Đà Nẵng"))
    assert uow.events.published[-1][2].changed_fields == ["region"]  # type: ignore[attr-defined]


def test_a_division_cannot_sit_under_its_own_division() -> None:
    uow = FakeUnitOfWork()
    parent = register(uow, CounterpartyChanges(name="Parent"))
    child = register(uow, CounterpartyChanges(name="Child", parent_id=parent.id))
    with pytest.raises(InvalidInput) as refused:
        change(uow, parent.id, CounterpartyChanges(parent_id=child.id))
    assert refused.value.errors[0].field == "parent_id"


def test_adding_the_first_contact_person_raises_completeness() -> None:
    uow = FakeUnitOfWork()
    created = register(uow, CounterpartyChanges(name="A"))
    before = created.completeness
    person = ContactChanges(full_name="Lê Văn Tám")
    handlers.add_contact_person(commands.AddContactPerson(created.id, person, MANAGER), uow)
    assert created.completeness > before
    assert uow.events.published[-1][0] == "contacts.contact.created"


def test_an_archived_counterparty_leaves_the_list_stays_readable_and_comes_back_restored() -> None:
    uow = FakeUnitOfWork()
    created = register(uow, CounterpartyChanges(name="A"))
    handlers.archive_counterparty(commands.ArchiveCounterparty(created.id, MANAGER), uow)
    assert uow.events.published[-1][0] == "contacts.counterparty.deleted"
    assert handlers.get_counterparty(uow, created.id).archived
    assert handlers.list_counterparties(uow, CounterpartyFilter(), Page(1, 50)) == ([], 0)
    with pytest.raises(Conflict):
        change(uow, created.id, CounterpartyChanges(name="B"))
    handlers.restore_counterparty(commands.RestoreCounterparty(created.id, MANAGER), uow)
    assert handlers.list_counterparties(uow, CounterpartyFilter(), Page(1, 50))[1] == 1
    assert [a.action for a in uow.audited] == ["created", "archived", "restored"]
    assert created.version == 3


def test_a_change_made_on_an_older_version_is_refused_and_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    created = register(uow, CounterpartyChanges(name="A"))
    change(uow, created.id, CounterpartyChanges(region="Huế"))
    stale = commands.ChangeCounterparty(
        created.id, CounterpartyChanges(region="Hà Nội"), MANAGER, expected_version=1
    )
    with pytest.raises(Stale):
        handlers.change_counterparty(stale, uow)
    assert (created.region, created.version) == ("Huế", 2)
    assert uow.audited[-1].changes == {"region": (None, "Huế")}


def test_a_planned_call_marked_done_says_its_outcome_and_is_no_longer_overdue() -> None:
    uow = FakeUnitOfWork()
    counterparty = register(uow, CounterpartyChanges(name="A"))
    yesterday = model.utcnow() - timedelta(days=1)
    planned = handlers.log_interaction(
        commands.LogInteraction(counterparty.id, "call", "Price", MANAGER, planned_at=yesterday),
        uow,
    )
    assert planned.is_overdue(model.utcnow())
    done = commands.MarkInteractionDone(planned.id, "Will order in May", None, MANAGER, 1)
    handlers.mark_interaction_done(done, uow)
    assert not planned.is_overdue(model.utcnow()) and planned.outcome == "Will order in May"
    assert uow.events.published[-1][0] == "contacts.interaction.updated"
    assert uow.audited[-1].action == "done"
    assert uow.audited[-1].changes["outcome"] == (None, "Will order in May")


def test_a_new_planned_time_reschedules_an_interaction() -> None:
    uow = FakeUnitOfWork()
    counterparty = register(uow, CounterpartyChanges(name="A"))
    planned = handlers.log_interaction(
        commands.LogInteraction(
            counterparty.id, "meeting", "Demo", MANAGER, planned_at=model.utcnow()
        ),
        uow,
    )
    later = planned.planned_at + timedelta(days=2) if planned.planned_at else None
    moved = commands.ChangeInteraction(planned.id, InteractionChanges(planned_at=later), MANAGER)
    handlers.change_interaction(moved, uow)
    assert planned.planned_at == later and uow.audited[-1].action == "rescheduled"


def test_an_archived_contact_person_leaves_the_list_and_comes_back_restored() -> None:
    uow = FakeUnitOfWork()
    counterparty = register(uow, CounterpartyChanges(name="A"))
    person = handlers.add_contact_person(
        commands.AddContactPerson(counterparty.id, ContactChanges(full_name="Lê Tám"), MANAGER),
        uow,
    )
    handlers.archive_contact_person(commands.ArchiveContactPerson(person.id, MANAGER), uow)
    assert handlers.list_contacts(uow, counterparty.id, Page(1, 50))[1] == 0
    assert handlers.list_contacts(uow, counterparty.id, Page(1, 50), archived=True)[1] == 1
    handlers.restore_contact_person(commands.RestoreContactPerson(person.id, MANAGER), uow)
    assert handlers.list_contacts(uow, counterparty.id, Page(1, 50))[1] == 1
    assert [a.action for a in uow.audited][-3:] == ["created", "archived", "restored"]


def test_a_change_publishes_the_new_card_with_only_the_fields_that_changed() -> None:
    uow = FakeUnitOfWork()
    created = register(uow, CounterpartyChanges(name="A", region="Huế", phone="0901"))
    change(uow, created.id, CounterpartyChanges(region="Đà Nẵng", phone=None, name="A"))
    [event] = uow.published[1:]
    changes = {"region": ("Huế", "Đà Nẵng"), "phone": ("0901", None)}
    assert event == events.CounterpartyChanged(created, changes)  # old and new, for the audit
    assert (created.region, created.phone, created.name) == ("Đà Nẵng", None, "A")


def test_a_field_left_out_of_a_change_stays_as_it_was() -> None:
    uow = FakeUnitOfWork()
    created = register(uow, CounterpartyChanges(name="A", email="a@anphat.vn"))
    change(uow, created.id, CounterpartyChanges(industry="Steel"))
    assert (created.email, created.industry) == ("a@anphat.vn", "Steel")


def test_an_external_id_of_another_counterparty_is_refused_with_its_id() -> None:
    uow = FakeUnitOfWork()
    first = register(uow, CounterpartyChanges(name="A", external_id="ERP-1"))
    second = register(uow, CounterpartyChanges(name="B"))
    with pytest.raises(Conflict) as refused:
        change(uow, second.id, CounterpartyChanges(external_id="ERP-1"))
    assert refused.value.existing_id == first.id


def test_a_company_group_name_can_be_taken_only_once() -> None:
    uow = FakeUnitOfWork()
    group = handlers.create_company_group(commands.CreateCompanyGroup(" Phương Nam ", MANAGER), uow)
    assert group.name == "Phương Nam"
    with pytest.raises(Conflict):
        handlers.create_company_group(commands.CreateCompanyGroup("Phương Nam", MANAGER), uow)


def test_two_counterparties_are_linked_only_once_the_same_way() -> None:
    uow = FakeUnitOfWork()
    a, b = (
        register(uow, CounterpartyChanges(name="A")),
        register(uow, CounterpartyChanges(name="B")),
    )
    link = commands.LinkCounterparties(a.id, b.id, "supplier_of", MANAGER)
    created = handlers.link_counterparties(link, uow)
    assert uow.published[-1] == events.CounterpartiesLinked(created)
    with pytest.raises(Conflict):
        handlers.link_counterparties(link, uow)


def test_an_interaction_without_dates_is_done_now_and_belongs_to_whoever_logged_it() -> None:
    uow = FakeUnitOfWork()
    counterparty = register(uow, CounterpartyChanges(name="A"))
    logged = handlers.log_interaction(
        commands.LogInteraction(counterparty.id, "call", "Price list", MANAGER), uow
    )
    assert logged.done_at is not None and logged.owner_id == MANAGER.person_id
    assert uow.published[-1] == events.InteractionLogged(logged)


def test_an_interaction_with_a_person_of_another_counterparty_is_refused() -> None:
    uow = FakeUnitOfWork()
    ours, theirs = (register(uow, CounterpartyChanges(name=n)) for n in ("A", "B"))
    person = handlers.add_contact_person(
        commands.AddContactPerson(theirs.id, ContactChanges(full_name="Lê Văn Tám"), MANAGER), uow
    )
    with pytest.raises(InvalidInput) as refused:
        handlers.log_interaction(
            commands.LogInteraction(ours.id, "call", "Hi", MANAGER, contact_id=person.id), uow
        )
    assert refused.value.errors[0].field == "contact_id"


def test_a_supplier_profile_makes_the_counterparty_a_supplier() -> None:
    uow = FakeUnitOfWork()
    counterparty = register(uow, CounterpartyChanges(name="A"))
    profile = model.SupplierProfile(counterparty.id, delivery_terms="FOB", lead_time_days=7)
    handlers.set_supplier_profile(commands.SetSupplierProfile(profile, MANAGER), uow)
    assert counterparty.roles == ["customer", "supplier"]
    assert handlers.get_supplier_profile(uow, counterparty.id).lead_time_days == 7
    assert uow.published[-1] == events.SupplierProfileSet(profile)


def test_classes_from_analytics_are_recorded_and_unknown_counterparties_skipped() -> None:
    uow = FakeUnitOfWork()
    counterparty = register(uow, CounterpartyChanges(name="A"))
    classes = (
        commands.CounterpartyClass(counterparty.id, "A", "Y", "regular"),
        commands.CounterpartyClass("unknown", "C", "Z", "lost"),
    )
    assert handlers.apply_classification(commands.ApplyClassification(classes), uow) == 1
    assert (counterparty.abc, counterparty.xyz, counterparty.status) == ("A", "Y", "regular")
