"""The composition root of every analytics process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmkit.db import make_engine, make_session_factory
from crmkit.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
Dispatch = Callable[[str], None]  # hands a run id to whoever computes it


@dataclass
class Analytics:
    engine: Engine
    sessions: sessionmaker[Session]
    dispatch: Dispatch  # a classification run
    train: Dispatch  # a win model version to train


def bootstrap(db_url: str, dispatch: Dispatch, train: Dispatch | None = None) -> Analytics:
    engine = make_engine(db_url)
    return Analytics(engine, make_session_factory(engine), dispatch, train or (lambda _v: None))


def from_settings(settings: Settings, dispatch: Dispatch | None = None) -> Analytics:
    if dispatch is not None:
        return bootstrap(settings.db_url("analytics"), dispatch)
    from services.analytics.entrypoints.tasks import RUN_CLASSIFICATION, TRAIN, create_celery

    jobs = create_celery(settings)
    return bootstrap(
        settings.db_url("analytics"),
        lambda run_id: jobs.send_task(RUN_CLASSIFICATION, args=[run_id]),
        lambda version: jobs.send_task(TRAIN, args=[version]),
    )
