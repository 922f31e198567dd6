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
    dispatch: Dispatch


def bootstrap(db_url: str, dispatch: Dispatch) -> Analytics:
    engine = make_engine(db_url)
    return Analytics(engine, make_session_factory(engine), dispatch)


def from_settings(settings: Settings, dispatch: Dispatch | None = None) -> Analytics:
    if dispatch is None:
        from services.analytics.entrypoints.tasks import RUN_CLASSIFICATION, create_celery

        jobs = create_celery(settings)

        def dispatch(run_id: str) -> None:
            jobs.send_task(RUN_CLASSIFICATION, args=[run_id])

    return bootstrap(settings.db_url("analytics"), dispatch)
