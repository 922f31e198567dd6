"""Classification runs: queued, run once, stored for ever, told to contacts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from crmkit.errors import InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page
from services.analytics.domain import classification as rules
from services.analytics.domain.commands import ComputeClassification, RunClassification
from services.analytics.domain.events import ClassificationCompleted, CustomerClassified
from services.analytics.domain.freshness import SourcesBehind
from services.analytics.domain.model import AREA, ClassificationResult, ClassificationRun
from services.analytics.service_layer.freshness import (
    MAX_WAIT_SECONDS,
    REAL_TIME,
    Clock,
    wait_for_sources,
)
from services.analytics.service_layer.jobs import run_once
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork

CHUNK = 10_000  # result rows stored, and classes told to contacts, at a time


def now() -> datetime:
    return datetime.now(UTC)


def start_run(
    command: RunClassification,
    uow: AnalyticsUnitOfWork,
    actor: Identity,
    at: datetime,
    awaited: Mapping[str, int] | None = None,
) -> ClassificationRun | None:
    """Stores a queued run that will wait for the events its sources had published by now
    (`awaited`: event type -> number); with a run key used before, returns None (never twice)."""
    actor.require_writer(AREA)
    command.check()
    if not 0 <= command.wait_seconds <= MAX_WAIT_SECONDS:
        raise InvalidInput.field("wait_seconds", f"must be between 0 and {MAX_WAIT_SECONDS}")
    run = ClassificationRun(
        id=str(uuid.uuid4()),
        parameter=command.parameter,
        period_from=command.period_from,
        period_to=command.period_to,
        abc_limits=command.abc_limits,
        xyz_limits=command.xyz_limits,
        xyz_period=command.xyz_period,
        run_key=command.run_key,
        created_at=at,
        awaited=dict(awaited or {}),
        wait_seconds=command.wait_seconds,
        partial_allowed=command.partial_allowed,
    )
    with uow:
        if command.run_key and uow.classification_runs.has_run_key(command.run_key):
            return None
        if not uow.classification_runs.add(run):
            return None  # another beat started this run key a moment ago
        uow.commit()
    return run


def execute_run(
    command: ComputeClassification, uow: AnalyticsUnitOfWork, at: datetime, clock: Clock = REAL_TIME
) -> None:
    """Waits until analytics has applied what its sources had published when the run was asked
    for, then computes and stores the classes of every customer; a failure (sources still
    behind after the run's wait) is recorded, not lost."""
    run_id = command.run_id

    def wait(uow: AnalyticsUnitOfWork) -> None:
        wait_for_sources(
            uow,
            lambda uow: _run(uow, run_id),
            lambda uow, waited, partial: uow.classification_runs.waited(run_id, waited, partial),
            clock,
        )

    run_once(
        uow,
        lambda uow: uow.classification_runs.claim(run_id),
        lambda uow: _compute(uow, _run(uow, run_id), at),
        lambda uow, reason: uow.classification_runs.fail(run_id, reason, at),
        expected=(SourcesBehind,),
        before=wait,
    )


def _compute(uow: AnalyticsUnitOfWork, run: ClassificationRun, at: datetime) -> None:
    figures = uow.facts.customer_figures(
        run.parameter, run.period_from, run.period_to, run.xyz_period
    )
    found = rules.classify(
        figures,
        rules.period_count(run.period_from, run.period_to, run.xyz_period),
        run.abc_limits,
        run.xyz_limits,
    )
    for part in _parts(len(figures.ids)):  # bounded memory, and events of a sensible size
        results = _results(run.id, figures, found, part)
        uow.classification_runs.add_results(results)
        uow.publish(ClassificationCompleted(run.id, tuple(_told(result) for result in results)))
        uow.flush()
    uow.classification_runs.finish(run.id, len(figures.ids), found.abc.negative, at)


def _parts(count: int) -> list[slice]:
    """Slices of at most CHUNK customers; one (empty) when there are none, so that a run
    always says it completed."""
    return [slice(start, start + CHUNK) for start in range(0, max(count, 1), CHUNK)]


def _results(
    run_id: str, figures: rules.CustomerFigures, found: rules.Classes, part: slice
) -> list[ClassificationResult]:
    abc, xyz = found.abc, found.xyz
    columns = zip(
        figures.ids[part].tolist(), figures.value[part].tolist(), abc.share[part].tolist(),
        abc.cumulative_share[part].tolist(), abc.abc[part].tolist(), xyz.cv[part].tolist(),
        xyz.xyz[part].tolist(), found.status[part].tolist(), strict=True,
    )  # fmt: skip
    return [
        ClassificationResult(
            run_id, customer, value, share, cumulative, abc_class,
            None if cv != cv else cv, xyz_class or None, status,
        )
        for customer, value, share, cumulative, abc_class, cv, xyz_class, status in columns
    ]  # fmt: skip


def _told(result: ClassificationResult) -> CustomerClassified:
    return CustomerClassified(result.counterparty_id, result.abc, result.xyz, result.status)


def _run(uow: AnalyticsUnitOfWork, run_id: str) -> ClassificationRun:
    run = uow.classification_runs.get(run_id)
    if run is None:
        raise NotFound.of("classification run", run_id)
    return run


def get_run(uow: AnalyticsUnitOfWork, run_id: str) -> ClassificationRun:
    with uow:
        return _run(uow, run_id)


def list_runs(uow: AnalyticsUnitOfWork, page: Page) -> tuple[list[ClassificationRun], int]:
    """Newest first: the latest run is the one whose classes the customers carry now."""
    with uow:
        return uow.classification_runs.newest_first(page)


def results(
    uow: AnalyticsUnitOfWork, run_id: str, page: Page
) -> tuple[list[tuple[ClassificationResult, ClassificationRun]], int]:
    with uow:
        run = _run(uow, run_id)
        found, total = uow.classification_runs.results(run_id, page)
    return [(result, run) for result in found], total


def history(
    uow: AnalyticsUnitOfWork, counterparty_id: str, page: Page
) -> tuple[list[tuple[ClassificationResult, ClassificationRun]], int]:
    """Every class the customer had, newest run first."""
    with uow:
        return uow.classification_runs.history(counterparty_id, page)
