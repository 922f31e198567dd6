"""The event registry: one place says which message every event type carries."""

import pytest

from crm.events.v1 import contacts_pb2, deals_pb2
from crm.events.v1.envelope_pb2 import Envelope
from crmkit import events


def test_every_declared_event_type_names_a_generated_message():
    declared = events.registry()
    assert declared["contacts.counterparty.updated"] is contacts_pb2.CounterpartyUpdated
    assert declared["deals.deal.won"] is deals_pb2.DealChanged
    assert all(event_type.count(".") >= 1 for event_type in declared)


def test_a_consumer_cannot_declare_the_wrong_message_for_an_event_type():
    with pytest.raises(TypeError, match="CounterpartyUpdated"):
        events.on("contacts.counterparty.updated", contacts_pb2.CounterpartyCreated, print)


def test_a_producer_cannot_write_a_payload_of_another_message():
    with pytest.raises(TypeError, match="DealChanged"):
        events.check_payload("deals.deal.won", deals_pb2.TaskChanged())
    with pytest.raises(events.UnknownEventType):
        events.check_payload("deals.deal.vanished", deals_pb2.DealChanged())


def test_routes_hand_each_event_its_own_decoded_message_and_refuse_the_rest():
    seen: list[str] = []
    routes = events.Routes(
        "test",
        events.on(
            "contacts.counterparty.updated",
            contacts_pb2.CounterpartyUpdated,
            lambda target, message, envelope: target.append(message.counterparty.name),
        ),
    )
    payload = contacts_pb2.CounterpartyUpdated(counterparty={"name": "Hoàng Long"})
    routes.dispatch(
        seen, Envelope(type="contacts.counterparty.updated", payload=payload.SerializeToString())
    )
    assert seen == ["Hoàng Long"]
    assert routes.event_types == ("contacts.counterparty.updated",)
    with pytest.raises(events.PoisonMessage):
        routes.dispatch(seen, Envelope(type="deals.deal.won"))
