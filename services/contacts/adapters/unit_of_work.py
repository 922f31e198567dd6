"""The contacts unit of work on SQLAlchemy: its repositories and its outbox in one transaction;
the domain events it is given leave through `proto.to_outbound` at commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from crmkit import unit_of_work
from services.contacts.adapters import orm, proto
from services.contacts.adapters import repository as repo

PRODUCER = "contacts"


class SqlAlchemyUnitOfWork(unit_of_work.SqlAlchemyUnitOfWork):
    def __init__(self, sessions: Callable[[], Session]) -> None:
        super().__init__(sessions, orm.outbox, PRODUCER, proto.to_outbound, orm.audit)

    def open_repositories(self, session: Session) -> None:
        self.counterparties = repo.SqlAlchemyCounterpartyRepository(session)
        self.groups = repo.SqlAlchemyCompanyGroupRepository(session)
        self.contacts = repo.SqlAlchemyContactRepository(session)
        self.relationships = repo.SqlAlchemyRelationshipRepository(session)
        self.interactions = repo.SqlAlchemyInteractionRepository(session)
        self.supplier_profiles = repo.SqlAlchemySupplierProfileRepository(session)
        self.terms = repo.SqlAlchemyCustomerTermsRepository(session)


class SessionBoundUnitOfWork(unit_of_work.SessionBoundUnitOfWork, SqlAlchemyUnitOfWork):
    """For the consumer: the handler's change commits with the inbox's transaction."""

    def __init__(self, session: Session) -> None:
        super().__init__(lambda: session)
