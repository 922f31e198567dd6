"""Celery jobs of the analytics service: classification runs and win model trainings."""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery

from crmkit.jobs import celery_app
from crmkit.settings import Settings
from services.analytics.adapters.event_sources import sources_of
from services.analytics.domain.commands import ComputeClassification, ComputeWinModel
from services.analytics.entrypoints.consumer import ROUTES
from services.analytics.service_layer import classification, freshness, schedules, win_probability
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork

RUN_CLASSIFICATION = "analytics.run_classification"
DISPATCH_SCHEDULES = "analytics.dispatch_schedules"
TRAIN = "analytics.train_win_model"
BEAT_SECONDS = 15.0


def create_celery(settings: Settings, uow: Callable[[], AnalyticsUnitOfWork]) -> Celery:
    app = celery_app(
        "analytics",
        settings,
        {"dispatch-schedules": {"task": DISPATCH_SCHEDULES, "schedule": BEAT_SECONDS}},
    )

    def awaited() -> dict[str, int]:
        """What a scheduled run waits for: what contacts and deals have published by now."""
        return freshness.awaited(sources_of(settings), ROUTES.event_types)

    @app.task(name=RUN_CLASSIFICATION)
    def run_classification(run_id: str) -> None:
        """Safe to deliver twice: a run leaves `queued` once."""
        command = ComputeClassification(run_id)
        classification.execute_run(command, uow(), classification.now())

    @app.task(name=TRAIN)
    def train_win_model(version: str) -> None:
        """Safe to deliver twice: a training leaves `queued` once."""
        command = ComputeWinModel(int(version))
        win_probability.execute_training(command, uow(), win_probability.now())

    @app.task(name=DISPATCH_SCHEDULES, expires=BEAT_SECONDS)
    def dispatch_schedules() -> str | None:
        """Asked by every beat process; the run key lets only one of them start a tick's run."""
        at = classification.now()
        schedules.dispatch_due_training(uow(), lambda v: train_win_model.delay(v), at, awaited)
        run = run_classification.delay
        return schedules.dispatch_due(uow(), lambda run_id: run(run_id), at, awaited)

    return app
