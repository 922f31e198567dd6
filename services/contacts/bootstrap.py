"""The composition root of every contacts process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmkit.db import make_engine, make_session_factory
from crmkit.settings import Settings
from services.contacts.adapters import orm
from services.contacts.adapters.unit_of_work import SqlAlchemyUnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Contacts:
    engine: Engine
    sessions: sessionmaker[Session]
    uow: Callable[[], SqlAlchemyUnitOfWork]


def bootstrap(db_url: str) -> Contacts:
    orm.start_mappers()
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    return Contacts(engine, sessions, lambda: SqlAlchemyUnitOfWork(sessions))


def from_settings(settings: Settings) -> Contacts:
    return bootstrap(settings.db_url("contacts"))
