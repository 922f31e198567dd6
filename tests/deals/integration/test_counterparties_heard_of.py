"""Opening a deal checks that its counterparty exists: from what deals has heard of it when it
has, asking the contacts service only about one not heard of yet."""

from __future__ import annotations

import uuid

from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from crmkit.grpc_client import connect
from services.deals.adapters.contacts_client import GrpcCounterpartyDirectory, HeardOfFirst
from tests.deals.integration.helpers import API, counterparty
from tests.support import Suite


def nobody_answering() -> GrpcCounterpartyDirectory:
    """A contacts service that is not there: any question to it fails."""
    return GrpcCounterpartyDirectory(ContactsStub(connect("127.0.0.1:9", 1.0)))


def test_a_counterparty_heard_of_is_known_without_asking_contacts(suite: Suite) -> None:
    admin = suite.headers()
    buyer = counterparty(suite, admin)
    suite.deliver_events()

    directory = HeardOfFirst(nobody_answering(), suite.deals.engine)

    assert directory.exists(buyer["id"])


def test_a_counterparty_deleted_is_gone_once_deals_has_heard_of_it(suite: Suite) -> None:
    admin = suite.headers()
    buyer = counterparty(suite, admin)
    suite.deliver_events()
    reply = suite.client.delete(f"{API}/counterparties/{buyer['id']}", headers=admin)
    assert reply.status_code == 204, reply.get_json()
    suite.deliver_events()

    assert not HeardOfFirst(nobody_answering(), suite.deals.engine).exists(buyer["id"])
    opened = suite.client.post(
        f"{API}/deals",
        json={
            "title": "Đơn hàng thép",
            "pipeline_id": str(uuid.uuid4()),
            "counterparty_id": buyer["id"],
        },
        headers=admin,
    )
    assert opened.status_code == 422
    assert "counterparty_id" in str(opened.get_json())


def test_a_counterparty_not_heard_of_yet_is_asked_of_contacts(suite: Suite) -> None:
    admin = suite.headers()
    buyer = counterparty(suite, admin)  # its event not delivered to deals yet

    assert suite.deals.directory.exists(buyer["id"])
    assert not suite.deals.directory.exists(str(uuid.uuid4()))
