"""The one wire mapper of contacts: requests into commands, domain events into the messages the
event registry declares."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.contacts.v1 import contacts_pb2 as pb
from crmkit.errors import InvalidInput
from crmkit.events import check_payload
from crmkit.identity import Identity
from services.contacts.adapters import proto
from services.contacts.domain import events, model
from services.contacts.domain.model import NOT_SENT

MANAGER = Identity("u-1", frozenset({"manager"}))


def test_every_contacts_event_leaves_as_the_message_the_registry_declares() -> None:
    card = model.Counterparty.register(model.CounterpartyChanges(name="An Phát"))
    person = model.ContactPerson(card.id, "Lê Văn Tám")
    every_event = [
        events.CounterpartyRegistered(card),
        events.CounterpartyChanged(card, {"name": ("An", "An Phát")}),
        events.CounterpartyArchived(card, {}),
        events.ContactPersonAdded(person),
        events.ContactPersonChanged(person, {}),
        events.CounterpartiesLinked(model.Relationship(card.id, "other", "partner_of")),
        events.InteractionLogged(model.Interaction(card.id, "note", "Hello")),
        events.InteractionChanged(model.Interaction(card.id, "note", "Hello"), {}, "done"),
        events.SupplierProfileSet(model.SupplierProfile(card.id, reliability=90)),
        events.CustomerTermsSet(model.CustomerTerms(card.id, discount_percent=Decimal("5"))),
    ]
    outbound = [proto.to_outbound(event) for event in every_event]
    for message in outbound:
        check_payload(message.event_type, message.payload)
    assert len({message.event_type for message in outbound}) == len(every_event)
    assert outbound[1].payload.changed_fields == ["name"]  # type: ignore[attr-defined]


def test_a_change_carries_exactly_the_fields_its_mask_names_and_an_unset_one_clears() -> None:
    request = pb.UpdateCounterpartyRequest(
        id="cp-1", counterparty=pb.Counterparty(region="Huế", roles=["supplier"])
    )
    request.update_mask.paths.extend(["region", "email", "roles"])
    command = proto.change_counterparty(request, MANAGER)
    assert command.changes == model.CounterpartyChanges(
        region="Huế", email=None, roles=("supplier",)
    )
    assert command.changes.name is NOT_SENT


def test_a_mask_naming_a_field_that_cannot_be_changed_is_refused_by_name() -> None:
    request = pb.UpdateCounterpartyRequest(id="cp-1")
    request.update_mask.paths.append("completeness")
    with pytest.raises(InvalidInput) as refused:
        proto.change_counterparty(request, MANAGER)
    assert refused.value.errors[0].field == "completeness"


def test_a_new_contact_with_a_wrong_birthday_is_refused_naming_the_field() -> None:
    request = pb.ContactPerson(counterparty_id="cp-1", full_name="A", birthday="31/12/1990")
    with pytest.raises(InvalidInput) as refused:
        proto.add_contact_person(request, MANAGER)
    assert refused.value.errors[0].field == "birthday"


def test_a_birthday_outside_the_mask_is_neither_read_nor_changed() -> None:
    request = pb.UpdateContactRequest(
        id="c-1", contact=pb.ContactPerson(full_name="B", birthday="not a date")
    )
    request.update_mask.paths.append("full_name")
    command = proto.change_contact_person(request, MANAGER)
    assert command.changes == model.ContactChanges(full_name="B")
