"""A service's celery app: same broker as the events, late acks, one queue per service."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from crmkit.settings import Settings


def celery_app(
    service: str, settings: Settings, beat_schedule: dict[str, Any] | None = None
) -> Celery:
    app = Celery(service, broker=settings.amqp_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=f"{service}.jobs",
        broker_connection_retry_on_startup=True,
        beat_schedule=beat_schedule or {},
    )
    return app


def run_worker(app: Celery, settings: Settings, concurrency: int) -> None:
    """A worker whose node name is its own, so that any number of copies may run side by side
    (two nodes of one name fight over the same control queue and one of them dies)."""
    node = f"{app.main}-{os.getpid()}@%h"
    options = ["--hostname", node, "--loglevel", settings.log_level]
    app.worker_main(["worker", *options, "--concurrency", str(concurrency)])


def run_beat(app: Celery, settings: Settings) -> None:
    """The one scheduler of a service, its schedule kept under the data directory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    schedule = str(settings.data_dir / f"{app.main}-beat-schedule")
    app.start(["beat", "--loglevel", settings.log_level, "--schedule", schedule])
