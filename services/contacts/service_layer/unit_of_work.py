"""One business transaction: the repositories and the outbox share one database session."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from google.protobuf.message import Message
from sqlalchemy.orm import Session, sessionmaker

from crmkit.outbox import Outbox
from services.contacts.adapters import orm
from services.contacts.adapters import repository as repo

PRODUCER = "contacts"


class EventLog(Protocol):
    def add(self, event_type: str, aggregate_id: str, payload: Message) -> None: ...


class SessionEvents:
    def __init__(self, session: Session, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    def add(self, event_type: str, aggregate_id: str, payload: Message) -> None:
        self.outbox.add(self.session, event_type, aggregate_id, payload)


class SqlAlchemyUnitOfWork:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.outbox = Outbox(orm.outbox, PRODUCER)

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self.sessions()
        self.counterparties = repo.SqlAlchemyCounterpartyRepository(self.session)
        self.groups = repo.SqlAlchemyCompanyGroupRepository(self.session)
        self.contacts = repo.SqlAlchemyContactRepository(self.session)
        self.relationships = repo.SqlAlchemyRelationshipRepository(self.session)
        self.interactions = repo.SqlAlchemyInteractionRepository(self.session)
        self.supplier_profiles = repo.SqlAlchemySupplierProfileRepository(self.session)
        self.terms = repo.SqlAlchemyCustomerTermsRepository(self.session)
        self.events: EventLog = SessionEvents(self.session, self.outbox)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # Closing rolls back whatever was not committed; loaded objects stay readable.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
