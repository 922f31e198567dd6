"""The mail unit of work over SQLAlchemy: its repositories, views and outbox in one transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from crmkit import unit_of_work
from services.mail.adapters import orm, proto
from services.mail.adapters import repository as repo
from services.mail.adapters.views import SqlAlchemyMailViews

PRODUCER = "mail"


class SqlAlchemyUnitOfWork(unit_of_work.SqlAlchemyUnitOfWork):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions, orm.outbox, PRODUCER, proto.to_outbound, orm.audit)

    def open_repositories(self, session: Session) -> None:
        self.mailboxes = repo.SqlAlchemyMailboxRepository(session)
        self.folders = repo.SqlAlchemyFolderRepository(session)
        self.messages = repo.SqlAlchemyMessageRepository(session)
        self.addresses = repo.SqlAlchemyAddressBook(session)
        self.templates = repo.SqlAlchemyTemplateRepository(session)
        self.groups = repo.SqlAlchemyAddressGroupRepository(session)
        self.mailings = repo.SqlAlchemyMailingRepository(session)
        self.suppressions = repo.SqlAlchemySuppressionRepository(session)
        self.rules = repo.SqlAlchemyRuleRepository(session)
        self.proposals = repo.SqlAlchemyProposalRepository(session)
        self.views = SqlAlchemyMailViews(session)


class SessionBoundUnitOfWork(unit_of_work.SessionBoundUnitOfWork, SqlAlchemyUnitOfWork):
    """For the consumer: inside the inbox's transaction, which commits."""

    def __init__(self, session: Session) -> None:
        super().__init__(lambda: session)  # type: ignore[arg-type, return-value]
