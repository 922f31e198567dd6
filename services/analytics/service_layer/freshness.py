"""How far analytics has applied what its sources published: GET /analytics/freshness."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from services.analytics.domain.freshness import SourceFreshness
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork, EventSources


def by_producer(event_types: Iterable[str]) -> dict[str, list[str]]:
    """The event types analytics reads, by the service that publishes them (the type's prefix)."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for event_type in sorted(event_types):
        grouped[event_type.split(".", 1)[0]].append(event_type)
    return dict(grouped)


def awaited(sources: EventSources, event_types: Iterable[str]) -> dict[str, int]:
    """What a run asked for now waits for: per event type, the number its source has reached
    (every event it had committed by now is numbered at or below it)."""
    found: dict[str, int] = {}
    for producer, types in by_producer(event_types).items():
        for position in sources.positions(producer, types, {}):
            found[position.event_type] = position.last_number
    return found


def freshness(
    uow: AnalyticsUnitOfWork, sources: EventSources, event_types: Iterable[str], now: datetime
) -> list[SourceFreshness]:
    with uow:
        applied = uow.watermarks.applied()
    found = []
    for producer, types in by_producer(event_types).items():
        mine = {t: n for (p, t), n in applied.items() if p == producer}
        published = sources.positions(producer, types, mine)
        found.append(SourceFreshness.of(producer, published, mine, now))
    return found
