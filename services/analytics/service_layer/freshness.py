"""How far analytics has applied what its sources published: GET /analytics/freshness."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from services.analytics.domain.freshness import (
    SourceFreshness,
    SourcesBehind,
    behind_reason,
    missing,
)
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


# -- a run (a classification, a training) waits for what its sources had published ---------
@dataclass(frozen=True)
class Clock:
    """How a run waits for its sources: seconds that only go forward, and a pause."""

    seconds: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


REAL_TIME = Clock()
POLL_SECONDS = 0.5
MAX_WAIT_SECONDS = 3600


def wait_for_sources(
    uow: AnalyticsUnitOfWork,
    awaited: Mapping[str, int],
    wait_seconds: int,
    partial_allowed: bool,
    clock: Clock,
) -> tuple[float, bool]:
    """Until analytics has applied, per event type, what the run awaits: how long that took
    and whether the run goes on without all of it (partial_allowed, after wait_seconds);
    SourcesBehind, naming the lag, when it may not."""
    started = clock.seconds()
    while True:
        applied = {event_type: n for (_, event_type), n in uow.watermarks.applied().items()}
        lacking = missing(awaited, applied)
        waited = clock.seconds() - started
        if not lacking or (waited >= wait_seconds and partial_allowed):
            return waited, bool(lacking)
        if waited >= wait_seconds:
            raise SourcesBehind(behind_reason(lacking, waited))
        clock.sleep(min(POLL_SECONDS, wait_seconds - waited))
