"""The composition root of every deals process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from crmkit.db import make_engine, make_session_factory
from crmkit.files import ContentStore
from crmkit.grpc_client import connect
from crmkit.settings import Settings
from services.deals.adapters import orm
from services.deals.adapters.contacts_client import GrpcCounterpartyDirectory
from services.deals.adapters.unit_of_work import SqlAlchemyUnitOfWork
from services.deals.service_layer.unit_of_work import CounterpartyDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Deals:
    engine: Engine
    sessions: sessionmaker[Session]
    uow: Callable[[], SqlAlchemyUnitOfWork]
    directory: CounterpartyDirectory
    files: ContentStore


def bootstrap(db_url: str, directory: CounterpartyDirectory, files: ContentStore) -> Deals:
    orm.start_mappers()
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    return Deals(engine, sessions, lambda: SqlAlchemyUnitOfWork(sessions), directory, files)


def from_settings(settings: Settings) -> Deals:
    channel = connect(settings.grpc_address("contacts"), settings.grpc_timeout)
    contacts = ContactsStub(channel)
    files = ContentStore(settings.data_dir / "files")
    return bootstrap(settings.db_url("deals"), GrpcCounterpartyDirectory(contacts), files)
