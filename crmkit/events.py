"""The one event registry: event type → the protobuf message its envelope carries.

Declared in `protos/crm/events/v1/registry.toml` (shipped beside the generated code); every
outbox write and every consumer goes through it, so a producer cannot publish a type nobody
declared and a consumer cannot decode a payload as the wrong message."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Generic, Protocol, TypeVar

from google.protobuf import symbol_database
from google.protobuf.message import Message

from crm.events.v1 import analytics_pb2, contacts_pb2, deals_pb2, mail_pb2
from crm.events.v1.envelope_pb2 import Envelope

_EVENT_MODULES = (analytics_pb2, contacts_pb2, deals_pb2, mail_pb2)  # registers their messages

M = TypeVar("M", bound=Message)
T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


class UnknownEventType(LookupError):
    """An event type that the registry does not declare."""


class PoisonMessage(Exception):
    """The message can never be applied: it goes to the dead-letter queue at once."""


@cache
def registry() -> Mapping[str, type[Message]]:
    declared = tomllib.loads(
        resources.files("crm.events.v1").joinpath("registry.toml").read_text("utf-8")
    )
    symbols = symbol_database.Default()
    return {
        event_type: symbols.GetSymbol(message_name)
        for producer in declared.values()
        for event_type, message_name in producer.items()
    }


def message_class(event_type: str) -> type[Message]:
    try:
        return registry()[event_type]
    except KeyError:
        raise UnknownEventType(f"event type {event_type!r} is not in the registry") from None


def check_payload(event_type: str, payload: Message) -> None:
    """What a producer writes must be the message the registry declares for its type."""
    expected = message_class(event_type)
    if not isinstance(payload, expected):
        raise TypeError(
            f"{event_type} carries {expected.DESCRIPTOR.full_name}, "
            f"not {payload.DESCRIPTOR.full_name}"
        )


def decode(envelope: Envelope) -> Message:
    return message_class(envelope.type).FromString(envelope.payload)


@dataclass(frozen=True)
class Route(Generic[T, M]):
    """One event type a consumer applies, with the message class it expects: checked against
    the registry when the route is declared."""

    event_type: str
    message: type[M]
    apply: Callable[[T, M, Envelope], None]

    def __post_init__(self) -> None:
        declared = message_class(self.event_type)
        if declared is not self.message:
            raise TypeError(
                f"{self.event_type} carries {declared.DESCRIPTOR.full_name}, "
                f"not {self.message.DESCRIPTOR.full_name}"
            )

    def deliver(self, target: T, envelope: Envelope) -> None:
        self.apply(target, self.message.FromString(envelope.payload), envelope)


class Delivery(Protocol[T_contra]):
    @property
    def event_type(self) -> str: ...

    def deliver(self, target: T_contra, envelope: Envelope) -> None: ...


def on(
    event_types: str | Iterable[str], message: type[M], apply: Callable[[T, M, Envelope], None]
) -> list[Route[T, M]]:
    types = [event_types] if isinstance(event_types, str) else list(event_types)
    return [Route(event_type, message, apply) for event_type in types]


class Routes(Generic[T]):
    """What one consumer applies, by event type; the queue binds exactly these types."""

    def __init__(self, service: str, *routes: Iterable[Delivery[T]]) -> None:
        self.service = service
        self.by_type: dict[str, Delivery[T]] = {
            route.event_type: route for group in routes for route in group
        }

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(self.by_type)

    def dispatch(self, target: T, envelope: Envelope) -> None:
        """An event type the service does not handle is poison: it would fail the same way on
        every delivery."""
        route = self.by_type.get(envelope.type)
        if route is None:
            raise PoisonMessage(f"{self.service} does not handle {envelope.type}")
        route.deliver(target, envelope)


# -- how far a producer has numbered its events (crmkit.outbox) ------------------------------
@dataclass(frozen=True)
class TypePosition:
    """How far a producer has numbered one type of its events, and when the last one happened."""

    event_type: str
    last_number: int
    last_event_at: datetime | None
    first_unapplied_at: datetime | None = None  # of the event after the asker's watermark


def producer_of(event_type: str) -> str:
    """The service that publishes a type: its prefix (`deals.invoice.posted`: deals)."""
    return event_type.split(".", 1)[0]


@dataclass(frozen=True)
class Lag:
    """How far a consumer is behind one producer: events published it has not applied, and for
    how long the oldest of them has waited (0: none)."""

    events: int
    seconds: float

    @classmethod
    def of(
        cls, published: Sequence[TypePosition], applied: Mapping[str, int], now: datetime
    ) -> Lag:
        """From the producer's positions (asked with the consumer's watermarks) and the
        consumer's watermark per type."""
        behind = sum(max(0, p.last_number - applied.get(p.event_type, 0)) for p in published)
        waiting_since = [p.first_unapplied_at for p in published if p.first_unapplied_at]
        oldest = min(waiting_since) if waiting_since and behind else None
        return cls(behind, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
