"""gRPC clients of the services behind the gateway: the generated stubs, typed, over channels
whose one interceptor adds the deadline and the caller (crmkit.grpc_client)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from grpc_health.v1 import health_pb2

from crm.analytics.v1.analytics_pb2_grpc import AnalyticsStub
from crm.audit.v1.audit_pb2_grpc import AuditLogStub
from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from crm.deals.v1.deals_pb2_grpc import DealsStub
from crm.events.v1 import event_log_pb2 as events_pb
from crm.events.v1.event_log_pb2_grpc import EventLogStub
from crm.mail.v1.mail_pb2_grpc import MailStub
from crmkit.event_log import position_of
from crmkit.events import Lag
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
    event_logs: dict[str, EventLogStub] = field(default_factory=dict)
    audit_logs: dict[str, AuditLogStub] = field(default_factory=dict)

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
            event_logs={name: EventLogStub(channel) for name, channel in channels.items()},
            audit_logs={name: AuditLogStub(channel) for name, channel in channels.items()},
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

    def consumers_behind(self, timeout: float = 1.0) -> dict[str, dict[str, Lag] | str]:
        """Per service, how far its consumer is behind each producer it reads (the producer's
        positions against the consumer's watermarks); "unavailable" when either does not
        answer."""
        now = datetime.now(UTC)
        found: dict[str, dict[str, Lag] | str] = {}
        for consumer, log in self.event_logs.items():
            try:
                found[consumer] = self._behind(log, now, timeout)
            except grpc.RpcError:
                found[consumer] = "unavailable"
        return found

    def _behind(self, log: EventLogStub, now: datetime, timeout: float) -> dict[str, Lag]:
        applied: dict[str, dict[str, int]] = defaultdict(dict)
        for item in log.GetApplied(events_pb.AppliedRequest(), timeout=timeout).items:
            applied[item.producer][item.event_type] = item.applied_up_to
        lags = {}
        for producer, mine in sorted(applied.items()):
            request = events_pb.PositionsRequest(event_types=sorted(mine), applied_up_to=mine)
            positions = self.event_logs[producer].GetPositions(request, timeout=timeout).items
            lags[producer] = Lag.of([position_of(p) for p in positions], mine, now)
        return lags

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
