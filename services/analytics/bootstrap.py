"""The composition root of every analytics process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmkit.db import make_engine, make_session_factory
from crmkit.settings import Settings
from services.analytics.adapters.event_sources import GrpcEventSources, sources_of
from services.analytics.adapters.unit_of_work import SqlAlchemyUnitOfWork
from services.analytics.entrypoints import tasks
from services.analytics.service_layer.schedules import Dispatch
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork, EventSources

MIGRATIONS = Path(__file__).parent / "migrations"


def _nobody(_job: str) -> None:
    """A process that starts no job (the consumer, a test computing at once)."""


@dataclass
class Analytics:
    engine: Engine
    sessions: sessionmaker[Session]
    dispatch: Dispatch = field(default=_nobody)  # a classification run
    train: Dispatch = field(default=_nobody)  # a win model version to train
    sources: EventSources = field(default_factory=lambda: GrpcEventSources({}))

    def uow(self) -> AnalyticsUnitOfWork:
        """A unit of work for one request or job (each thread its own)."""
        return SqlAlchemyUnitOfWork(self.sessions)


def bootstrap(db_url: str, dispatch: Dispatch = _nobody, train: Dispatch = _nobody) -> Analytics:
    engine = make_engine(db_url)
    return Analytics(engine, make_session_factory(engine), dispatch, train)


def from_settings(settings: Settings) -> Analytics:
    """The gRPC server's: runs and trainings are handed to the celery worker."""
    app = bootstrap(settings.db_url("analytics"))
    app.sources = sources_of(settings)
    sender = tasks.create_celery(settings, app.uow)
    app.dispatch = lambda run_id: _send(sender, tasks.RUN_CLASSIFICATION, run_id)
    app.train = lambda version: _send(sender, tasks.TRAIN, version)
    return app


def _send(sender: Celery, task: str, argument: str) -> None:
    sender.send_task(task, args=[argument])


def jobs(settings: Settings) -> Celery:
    """The worker's and the beat's celery app, its tasks on this service's database."""
    return tasks.create_celery(settings, bootstrap(settings.db_url("analytics")).uow)
