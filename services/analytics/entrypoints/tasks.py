"""Celery jobs of the analytics service: classification runs."""

from __future__ import annotations

from typing import Any

from celery import Celery

from crmkit.jobs import celery_app
from crmkit.settings import Settings
from services.analytics import bootstrap
from services.analytics.service_layer import classification, schedules

RUN_CLASSIFICATION = "analytics.run_classification"
DISPATCH_SCHEDULES = "analytics.dispatch_schedules"
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

    @app.task(name=DISPATCH_SCHEDULES, expires=BEAT_SECONDS)
    def dispatch_schedules() -> str | None:
        """Asked by every beat process; the run key lets only one of them start a tick's run."""
        if "app" not in held:
            held["app"] = bootstrap.from_settings(settings, dispatch=lambda _run_id: None)
        return schedules.dispatch_due(
            held["app"].sessions,
            lambda run_id: run_classification.delay(run_id),
            classification.now(),
        )

    return app
