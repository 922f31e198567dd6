"""The contacts service as deals sees it: does a counterparty exist, register a prospect."""

from __future__ import annotations

import grpc
from sqlalchemy import Engine, bindparam, select

from crm.contacts.v1 import contacts_pb2 as pb
from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from crmkit.errors import InvalidInput
from crmkit.grpc_client import failure_of
from services.deals.adapters import orm


class GrpcCounterpartyDirectory:
    def __init__(self, client: ContactsStub) -> None:
        self.client = client

    def exists(self, counterparty_id: str) -> bool:
        return self.find("id", counterparty_id) is not None

    def find(self, field: str, value: str) -> str | None:
        try:
            found = self.client.FindCounterparty(pb.FindCounterpartyRequest(**{field: value}))
        except grpc.RpcError as error:
            if failure_of(error).code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return str(found.id)

    def register_prospect(
        self, name: str, email: str | None, phone: str | None, owner_id: str | None
    ) -> str:
        """A new counterparty for a prospect; the one already registered with that e-mail if any."""
        counterparty = pb.Counterparty(name=name, legal_kind="legal_entity", roles=["customer"])
        for field, value in (("email", email), ("phone", phone), ("owner_id", owner_id)):
            if value:
                setattr(counterparty, field, value)
        try:
            created = self.client.CreateCounterparty(
                pb.CreateCounterpartyRequest(counterparty=counterparty)
            )
        except grpc.RpcError as error:
            failure = failure_of(error)
            if failure.code == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidInput.field("prospect", failure.details) from None
            existing = failure.problem.get("existing_id")
            if failure.code != grpc.StatusCode.ALREADY_EXISTS or not existing:
                raise
            return str(existing)
        return str(created.id)


known = orm.known_counterparties.c
_HEARD_OF = select(known.deleted).where(known.id == bindparam("counterparty_id"))


class HeardOfFirst:
    """Answers whether a counterparty exists from what deals has heard of it (its record of
    contacts' events) and asks contacts only about one it has not heard of yet: a thousand
    deals opened for one customer cost one question, not a thousand. A counterparty deleted
    counts as gone once its event is applied here (the consumer's lag, in /healthz)."""

    def __init__(self, contacts: GrpcCounterpartyDirectory, engine: Engine) -> None:
        self.contacts = contacts
        self.engine = engine

    def exists(self, counterparty_id: str) -> bool:
        with self.engine.connect() as conn:
            deleted = conn.scalar(_HEARD_OF, {"counterparty_id": counterparty_id})
        if deleted is None:
            return self.contacts.exists(counterparty_id)
        return not deleted

    def find(self, field: str, value: str) -> str | None:
        return self.contacts.find(field, value)

    def register_prospect(
        self, name: str, email: str | None, phone: str | None, owner_id: str | None
    ) -> str:
        return self.contacts.register_prospect(name, email, phone, owner_id)
