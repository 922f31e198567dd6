"""gRPC clients of the services behind the gateway: the generated stubs, typed, over channels
whose one interceptor adds the deadline and the caller (crmkit.grpc_client)."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2

from crm.analytics.v1.analytics_pb2_grpc import AnalyticsStub
from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from crm.deals.v1.deals_pb2_grpc import DealsStub
from crm.mail.v1.mail_pb2_grpc import MailStub
from crmkit.grpc_client import connect
from crmkit.settings import Settings

SERVICES = ("contacts", "deals", "analytics", "mail")
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


@dataclass
class Clients:
    contacts: ContactsStub
    deals: DealsStub
    analytics: AnalyticsStub
    mail: MailStub
    channels: dict[str, grpc.Channel] = field(default_factory=dict)

    @classmethod
    def connect(cls, settings: Settings) -> Clients:
        channels = {
            name: connect(settings.grpc_address(name), settings.grpc_timeout) for name in SERVICES
        }
        return cls(
            contacts=ContactsStub(channels["contacts"]),
            deals=DealsStub(channels["deals"]),
            analytics=AnalyticsStub(channels["analytics"]),
            mail=MailStub(channels["mail"]),
            channels=channels,
        )

    def health(self, timeout: float = 1.0) -> dict[str, str]:
        states = {}
        for name, channel in self.channels.items():
            check = channel.unary_unary(
                HEALTH_CHECK,
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
            try:
                reply = check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
                serving = reply.status == health_pb2.HealthCheckResponse.SERVING
                states[name] = "ok" if serving else "not serving"
            except grpc.RpcError:
                states[name] = "unavailable"
        return states

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
