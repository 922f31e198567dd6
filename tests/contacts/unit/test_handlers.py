"""The contacts service layer with in-memory fakes: rules and events, no database."""

from __future__ import annotations

import pytest

from crmkit.errors import Conflict, Forbidden, InvalidInput, NotFound
from crmkit.identity import Identity
from services.contacts.service_layer import handlers
from tests.contacts.unit.fakes import FakeUnitOfWork

MANAGER = Identity("u-1", frozenset({"manager"}))
VIEWER = Identity("u-2", frozenset({"viewer"}))


def test_registering_a_counterparty_commits_it_with_its_created_event() -> None:
    uow = FakeUnitOfWork()
    created = handlers.create_counterparty(
        uow, {"name": "Công ty An Phát", "tax_id": "0101 234 567"}, False, MANAGER
    )  # type: ignore[arg-type]
    assert uow.committed
    assert created.tax_id == "0101234567"
    [(event_type, aggregate_id, payload)] = uow.events.published
    assert (event_type, aggregate_id) == ("contacts.counterparty.created", created.id)
    assert payload.counterparty.name == "Công ty An Phát"  # type: ignore[attr-defined]


def test_a_second_counterparty_with_the_same_email_is_refused_with_the_first_ones_id() -> None:
    uow = FakeUnitOfWork()
    first = handlers.create_counterparty(
        uow, {"name": "A", "email": "Sales@AnPhat.vn"}, False, MANAGER
    )  # type: ignore[arg-type]
    with pytest.raises(Conflict) as refused:
        handlers.create_counterparty(uow, {"name": "B", "email": "sales@anphat.vn"}, False, MANAGER)  # type: ignore[arg-type]
    assert refused.value.existing_id == first.id
    forced = handlers.create_counterparty(
        uow, {"name": "B", "email": "sales@anphat.vn"}, True, MANAGER
    )  # type: ignore[arg-type]
    assert forced.id != first.id


def test_a_viewer_cannot_register_a_counterparty_and_nothing_is_published() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Forbidden):
        handlers.create_counterparty(uow, {"name": "A"}, False, VIEWER)  # type: ignore[arg-type]
    assert uow.events.published == [] and not uow.committed


def test_an_update_that_changes_nothing_publishes_nothing() -> None:
    uow = FakeUnitOfWork()
    created = handlers.create_counterparty(uow, {"name": "A", "region": "Huế"}, False, MANAGER)  # type: ignore[arg-type]
    handlers.update_counterparty(uow, created.id, {"region": "Huế"}, MANAGER)  # type: ignore[arg-type]
    assert [event for event, _, _ in uow.events.published] == ["contacts.counterparty.created"]
    handlers.update_counterparty(uow, created.id, {"region": "Đà Nẵng"}, MANAGER)  # type: ignore[arg-type]
    assert uow.events.published[-1][2].changed_fields == ["region"]  # type: ignore[attr-defined]


def test_a_division_cannot_sit_under_its_own_division() -> None:
    uow = FakeUnitOfWork()
    parent = handlers.create_counterparty(uow, {"name": "Parent"}, False, MANAGER)  # type: ignore[arg-type]
    child = handlers.create_counterparty(
        uow, {"name": "Child", "parent_id": parent.id}, False, MANAGER
    )  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as refused:
        handlers.update_counterparty(uow, parent.id, {"parent_id": child.id}, MANAGER)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "parent_id"


def test_adding_the_first_contact_person_raises_completeness() -> None:
    uow = FakeUnitOfWork()
    created = handlers.create_counterparty(uow, {"name": "A"}, False, MANAGER)  # type: ignore[arg-type]
    before = created.completeness
    handlers.create_contact(uow, created.id, {"full_name": "Lê Văn Tám"}, MANAGER)  # type: ignore[arg-type]
    assert created.completeness > before
    assert uow.events.published[-1][0] == "contacts.contact.created"


def test_a_deleted_counterparty_is_not_found_afterwards() -> None:
    uow = FakeUnitOfWork()
    created = handlers.create_counterparty(uow, {"name": "A"}, False, MANAGER)  # type: ignore[arg-type]
    handlers.delete_counterparty(uow, created.id, MANAGER)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        handlers.get_counterparty(uow, created.id)  # type: ignore[arg-type]
    assert uow.events.published[-1][0] == "contacts.counterparty.deleted"
