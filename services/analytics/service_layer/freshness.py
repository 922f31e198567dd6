"""How far analytics has applied what its sources published: GET /analytics/freshness."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from crmkit.events import producer_of
from services.analytics.domain.freshness import (
    AwaitsSources,
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
        grouped[producer_of(event_type)].append(event_type)
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
    asked: Callable[[AnalyticsUnitOfWork], AwaitsSources],
    record: Callable[[AnalyticsUnitOfWork, float, bool], None],
    clock: Clock,
) -> None:
    """Until analytics has applied, per event type, what the run `asked` awaits, or for the
    run's wait_seconds; then `record`s how long it waited and whether the run goes on without
    all of it (partial_allowed). SourcesBehind, naming the lag, when it may not go on.

    Every look at the watermarks is a transaction of its own, outside the run's: the consumer
    it waits for must be able to commit meanwhile (on SQLite a transaction holds the one write
    lock)."""
    with uow:
        run = asked(uow)
    waited, lacking = _wait(uow, run, clock)
    with uow:
        record(uow, waited, bool(lacking) and run.partial_allowed)
        uow.commit()
    if lacking and not run.partial_allowed:
        raise SourcesBehind(behind_reason(lacking, waited))


def _wait(
    uow: AnalyticsUnitOfWork, run: AwaitsSources, clock: Clock
) -> tuple[float, dict[str, int]]:
    """How long it waited, and what it still lacks then (nothing: it has it all)."""
    started = clock.seconds()
    while True:
        with uow:
            applied = {event_type: n for (_, event_type), n in uow.watermarks.applied().items()}
        lacking = missing(run.awaited, applied)
        waited = clock.seconds() - started
        if not lacking or waited >= run.wait_seconds:
            return waited, lacking
        clock.sleep(min(POLL_SECONDS, run.wait_seconds - waited))
