"""gRPC clients of the services behind the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm.analytics.v1 import analytics_pb2_grpc
from crm.contacts.v1 import contacts_pb2_grpc
from crm.deals.v1 import deals_pb2_grpc
from crm.mail.v1 import mail_pb2_grpc
from crmkit.grpc_client import ServiceClient, open_channel
from crmkit.settings import Settings


@dataclass
class Clients:
    contacts: ServiceClient[contacts_pb2_grpc.ContactsStub]
    deals: ServiceClient[deals_pb2_grpc.DealsStub]
    analytics: ServiceClient[analytics_pb2_grpc.AnalyticsStub]
    mail: ServiceClient[mail_pb2_grpc.MailStub]
    channels: dict[str, grpc.Channel] = field(default_factory=dict)

    @classmethod
    def connect(cls, settings: Settings) -> Clients:
        channels = {
            name: open_channel(settings.grpc_address(name))
            for name in ("contacts", "deals", "analytics", "mail")
        }
        return cls(
            contacts=ServiceClient(
                contacts_pb2_grpc.ContactsStub(channels["contacts"]), settings.grpc_timeout
            ),
            deals=ServiceClient(deals_pb2_grpc.DealsStub(channels["deals"]), settings.grpc_timeout),
            analytics=ServiceClient(
                analytics_pb2_grpc.AnalyticsStub(channels["analytics"]), settings.grpc_timeout
            ),
            mail=ServiceClient(mail_pb2_grpc.MailStub(channels["mail"]), settings.grpc_timeout),
            channels=channels,
        )

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
