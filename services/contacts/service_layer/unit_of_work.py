"""The contacts unit of work: its repositories and its outbox in one transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from crmkit import unit_of_work
from services.contacts.adapters import orm
from services.contacts.adapters import repository as repo

PRODUCER = "contacts"


class SqlAlchemyUnitOfWork(unit_of_work.SqlAlchemyUnitOfWork):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions, orm.outbox, PRODUCER)

    def open_repositories(self, session: Session) -> None:
        self.counterparties = repo.SqlAlchemyCounterpartyRepository(session)
        self.groups = repo.SqlAlchemyCompanyGroupRepository(session)
        self.contacts = repo.SqlAlchemyContactRepository(session)
        self.relationships = repo.SqlAlchemyRelationshipRepository(session)
        self.interactions = repo.SqlAlchemyInteractionRepository(session)
        self.supplier_profiles = repo.SqlAlchemySupplierProfileRepository(session)
        self.terms = repo.SqlAlchemyCustomerTermsRepository(session)
