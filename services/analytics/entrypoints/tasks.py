"""Celery jobs of the analytics service: classification runs."""

from __future__ import annotations

from typing import Any

from celery import Celery

from crmkit.settings import Settings
from services.analytics import bootstrap
from services.analytics.service_layer import classification

RUN_CLASSIFICATION = "analytics.run_classification"


def create_celery(settings: Settings) -> Celery:
    app = Celery("analytics", broker=settings.amqp_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="analytics.jobs",
        broker_connection_retry_on_startup=True,
    )
    held: dict[str, Any] = {}

    @app.task(name=RUN_CLASSIFICATION)
    def run_classification(run_id: str) -> None:
        """Safe to deliver twice: a run leaves `queued` once."""
        if "app" not in held:
            held["app"] = bootstrap.from_settings(settings, dispatch=lambda _run_id: None)
        classification.execute_run(held["app"].sessions, run_id, classification.now())

    return app
