"""Celery jobs of the deals service: the reminder scan, every minute, from beat."""

from __future__ import annotations

from typing import Any

from celery import Celery

from crmkit.jobs import celery_app
from crmkit.settings import Settings
from services.deals import bootstrap
from services.deals.domain import model
from services.deals.service_layer import reminders

SCAN_EVERY_SECONDS = 60.0


def create_celery(settings: Settings) -> Celery:
    app = celery_app(
        "deals",
        settings,
        {"scan-reminders": {"task": "deals.scan_reminders", "schedule": SCAN_EVERY_SECONDS}},
    )
    deals_app: dict[str, Any] = {}

    @app.task(
        name="deals.scan_reminders", autoretry_for=(Exception,), retry_backoff=True, max_retries=5
    )
    def scan_reminders() -> int:
        """Idempotent: every notification has a key, and a key is used once."""
        if "app" not in deals_app:
            deals_app["app"] = bootstrap.from_settings(settings)
        return reminders.scan(deals_app["app"].uow(), model.utcnow())

    return app
