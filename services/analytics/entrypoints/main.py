"""The process kinds of the analytics service built so far: its consumer and its migrations."""

from __future__ import annotations

from crmkit.db import migrate as migrate_database
from crmkit.processes import run_consumer
from crmkit.settings import Settings
from services.analytics import bootstrap
from services.analytics.adapters import orm
from services.analytics.entrypoints import consumer


def consume(settings: Settings) -> None:
    app = bootstrap.from_settings(settings)
    run_consumer(settings, app.sessions, orm.inbox, consumer.apply_event, consumer.QUEUE)


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("analytics"), bootstrap.MIGRATIONS)
