"""A queued job (a classification run, a model training) run once, whoever asks: the first
caller moves it from queued to running; a failure is recorded with its reason, not lost."""

from __future__ import annotations

from collections.abc import Callable

from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork

Step = Callable[[AnalyticsUnitOfWork], None]


def run_once(
    uow: AnalyticsUnitOfWork,
    claim: Callable[[AnalyticsUnitOfWork], bool],
    work: Step,
    fail: Callable[[AnalyticsUnitOfWork, str], None],
    expected: tuple[type[Exception], ...] = (),
    before: Step | None = None,
) -> None:
    """Each step in its own transaction, but `before` (waiting for the run's sources), which
    opens its own; an `expected` failure is recorded and not raised again (it is an outcome,
    not a fault)."""
    with uow:
        if not claim(uow):
            return  # already running or done: a redelivered job changes nothing
        uow.commit()
    try:
        if before:
            before(uow)
        with uow:
            work(uow)
            uow.commit()
    except Exception as error:
        with uow:
            fail(uow, str(error)[:2000])
            uow.commit()
        if not isinstance(error, expected):
            raise
