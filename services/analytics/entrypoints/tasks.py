"""Celery jobs of the analytics service: classification runs and win model trainings."""

from __future__ import annotations

from typing import Any

from celery import Celery

from crmkit.jobs import celery_app
from crmkit.settings import Settings
from services.analytics import bootstrap
from services.analytics.service_layer import classification, schedules, win_probability

RUN_CLASSIFICATION = "analytics.run_classification"
DISPATCH_SCHEDULES = "analytics.dispatch_schedules"
TRAIN = "analytics.train_win_model"
BEAT_SECONDS = 15.0


def create_celery(settings: Settings) -> Celery:
    app = celery_app(
        "analytics",
        settings,
        {"dispatch-schedules": {"task": DISPATCH_SCHEDULES, "schedule": BEAT_SECONDS}},
    )
    held: dict[str, Any] = {}

    @app.task(name=RUN_CLASSIFICATION)
    def run_classification(run_id: str) -> None:
        """Safe to deliver twice: a run leaves `queued` once."""
        if "app" not in held:
            held["app"] = bootstrap.from_settings(settings, dispatch=lambda _run_id: None)
        classification.execute_run(held["app"].sessions, run_id, classification.now())

    @app.task(name=TRAIN)
    def train_win_model(version: str) -> None:
        """Safe to deliver twice: a training leaves `queued` once."""
        if "app" not in held:
            held["app"] = bootstrap.from_settings(settings, dispatch=lambda _run_id: None)
        win_probability.execute_training(held["app"].sessions, int(version), win_probability.now())

    @app.task(name=DISPATCH_SCHEDULES, expires=BEAT_SECONDS)
    def dispatch_schedules() -> str | None:
        """Asked by every beat process; the run key lets only one of them start a tick's run."""
        if "app" not in held:
            held["app"] = bootstrap.from_settings(settings, dispatch=lambda _run_id: None)
        sessions, at = held["app"].sessions, classification.now()
        schedules.dispatch_due_training(sessions, lambda v: train_win_model.delay(v), at)
        return schedules.dispatch_due(sessions, lambda run_id: run_classification.delay(run_id), at)

    return app
