"""gRPC clients of the services behind the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm.contacts.v1 import contacts_pb2_grpc
from crmkit.grpc_client import ServiceClient, open_channel
from crmkit.settings import Settings


@dataclass
class Clients:
    contacts: ServiceClient[contacts_pb2_grpc.ContactsStub]
    channels: dict[str, grpc.Channel] = field(default_factory=dict)

    @classmethod
    def connect(cls, settings: Settings) -> Clients:
        channel = open_channel(settings.grpc_address("contacts"))
        contacts = ServiceClient(contacts_pb2_grpc.ContactsStub(channel), settings.grpc_timeout)
        return cls(contacts=contacts, channels={"contacts": channel})

    def health(self, timeout: float = 1.0) -> dict[str, str]:
        states = {}
        for name, channel in self.channels.items():
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
                serving = reply.status == health_pb2.HealthCheckResponse.SERVING
                states[name] = "ok" if serving else "not serving"
            except grpc.RpcError:
                states[name] = "unavailable"
        return states

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
