"""The contacts service as deals sees it: does a counterparty exist, register a prospect."""

from __future__ import annotations

import json

import grpc

from crm.contacts.v1 import contacts_pb2 as pb
from crm.contacts.v1 import contacts_pb2_grpc
from crmkit.errors import InvalidInput
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import PROBLEM_KEY


class GrpcCounterpartyDirectory:
    def __init__(self, client: ServiceClient[contacts_pb2_grpc.ContactsStub]) -> None:
        self.client = client

    def exists(self, counterparty_id: str) -> bool:
        return self.find("id", counterparty_id) is not None

    def find(self, field: str, value: str) -> str | None:
        try:
            found = self.client.call(
                "FindCounterparty", pb.FindCounterpartyRequest(**{field: value})
            )
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
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
            created = self.client.call(
                "CreateCounterparty", pb.CreateCounterpartyRequest(counterparty=counterparty)
            )
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.INVALID_ARGUMENT:  # type: ignore[attr-defined]
                raise InvalidInput.field("prospect", error.details()) from None  # type: ignore[attr-defined]
            existing = _existing_id(error)
            if existing is None:
                raise
            return existing
        return str(created.id)


def _existing_id(error: grpc.RpcError) -> str | None:
    if error.code() != grpc.StatusCode.ALREADY_EXISTS:  # type: ignore[attr-defined]
        return None
    trailing = dict(error.trailing_metadata() or ())  # type: ignore[attr-defined]
    problem = json.loads(trailing.get(PROBLEM_KEY, b"{}"))
    found = problem.get("existing_id")
    return str(found) if found else None
