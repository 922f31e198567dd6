"""The composition root of every analytics process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmkit.db import make_engine, make_session_factory
from crmkit.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Analytics:
    engine: Engine
    sessions: sessionmaker[Session]


def bootstrap(db_url: str) -> Analytics:
    engine = make_engine(db_url)
    return Analytics(engine, make_session_factory(engine))


def from_settings(settings: Settings) -> Analytics:
    return bootstrap(settings.db_url("analytics"))
