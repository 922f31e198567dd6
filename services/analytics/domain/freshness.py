"""How fresh the analytics are: per source, what it has published against what analytics has
applied of it (API.md, "Freshness")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crmkit.events import Lag, TypePosition


@dataclass(frozen=True)
class SourceFreshness:
    producer: str
    last_event_at: datetime | None  # the newest event it published of the kinds analytics reads
    applied_up_to: int  # how many of them analytics has applied with none missing before
    lag_events: int  # published and not yet applied
    lag_seconds: float  # how long the oldest of those has been waiting; 0: none is

    @classmethod
    def of(
        cls,
        producer: str,
        published: Sequence[TypePosition],
        applied: Mapping[str, int],
        now: datetime,
    ) -> SourceFreshness:
        """From the producer's positions per event type and analytics' watermark per type."""
        moments = [p.last_event_at for p in published if p.last_event_at]
        lag = Lag.of(published, applied, now)
        return cls(
            producer=producer,
            last_event_at=max(moments) if moments else None,
            applied_up_to=sum(min(applied.get(p.event_type, 0), p.last_number) for p in published),
            lag_events=lag.events,
            lag_seconds=lag.seconds,
        )


class AwaitsSources(Protocol):
    """A run (a classification, a training) that waits for what its sources had published
    when it was asked for."""

    @property
    def awaited(self) -> Mapping[str, int]: ...  # event type -> number, when asked

    @property
    def wait_seconds(self) -> int: ...

    @property
    def partial_allowed(self) -> bool: ...


class SourcesBehind(Exception):
    """A run's sources had published events it was asked after that analytics had not applied."""


def missing(awaited: Mapping[str, int], applied: Mapping[str, int]) -> dict[str, int]:
    """Per event type, how many of the awaited events are not applied yet."""
    return {
        event_type: number - applied.get(event_type, 0)
        for event_type, number in sorted(awaited.items())
        if applied.get(event_type, 0) < number
    }


def behind_reason(lacking: Mapping[str, int], waited: float) -> str:
    detail = ", ".join(f"{count} {event_type}" for event_type, count in lacking.items())
    return (
        f"analytics had not applied {sum(lacking.values())} events its sources had published "
        f"when the run was asked for ({detail}) after waiting {waited:.0f} s"
    )
