"""The composition root of every deals process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crm.contacts.v1.contacts_pb2_grpc import ContactsStub
from crmkit.db import make_engine, make_session_factory
from crmkit.files import ContentStore
from crmkit.grpc_client import connect
from crmkit.settings import Settings
from services.deals.adapters import orm
from services.deals.adapters.contacts_client import GrpcCounterpartyDirectory, HeardOfFirst
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


def asking(db_url: str, contacts: GrpcCounterpartyDirectory, files: ContentStore) -> Deals:
    """Deals asking the contacts service, about a counterparty only when not heard of."""
    deals = bootstrap(db_url, contacts, files)
    return replace(deals, directory=HeardOfFirst(contacts, deals.engine))


def from_settings(settings: Settings) -> Deals:
    channel = connect(settings.grpc_address("contacts"), settings.grpc_timeout)
    contacts = GrpcCounterpartyDirectory(ContactsStub(channel))
    files = ContentStore(settings.data_dir / "files")
    return asking(settings.db_url("deals"), contacts, files)
