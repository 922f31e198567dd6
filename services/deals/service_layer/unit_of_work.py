"""The deals unit of work: its repositories and its outbox in one transaction."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from crmkit import unit_of_work
from services.deals.adapters import orm
from services.deals.adapters import repository as repo
from services.deals.adapters.erp_repository import SqlAlchemyErpRepository
from services.deals.adapters.projections import SqlAlchemyProjections
from services.deals.domain import model

PRODUCER = "deals"


class SqlAlchemyUnitOfWork(unit_of_work.SqlAlchemyUnitOfWork):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions, orm.outbox, PRODUCER)

    def open_repositories(self, session: Session) -> None:
        self.pipelines = repo.Records(session, model.Pipeline, (orm.pipelines.c.name,))
        self.deals = repo.SqlAlchemyDealRepository(session)
        self.tasks = repo.SqlAlchemyTaskRepository(session)
        self.participants = repo.Records(session, model.Participant, (orm.participants.c.id,))
        self.links = repo.Records(session, model.ParticipantLink, (orm.participant_links.c.id,))
        self.lost_reasons = repo.Records(session, model.LostReason, (orm.lost_reasons.c.name,))
        self.campaigns = repo.Records(session, model.Campaign, (orm.campaigns.c.name,))
        self.responses = repo.Records(
            session, model.CampaignResponse, (orm.campaign_responses.c.created_at.desc(),)
        )
        self.documents = repo.Records(session, model.Document, (orm.documents.c.created_at.desc(),))
        self.notifications = repo.Records(
            session,
            model.Notification,
            (orm.notifications.c.created_at.desc(), orm.notifications.c.id),
        )
        self.projections = SqlAlchemyProjections(session)
        self.erp = SqlAlchemyErpRepository(session)


class CounterpartyDirectory(Protocol):
    """What deals asks the contacts service, fresh, over gRPC."""

    def exists(self, counterparty_id: str) -> bool: ...

    def find(self, field: str, value: str) -> str | None:
        """The id of the counterparty with this id, tax_id or external_id, if any."""

    def register_prospect(
        self, name: str, email: str | None, phone: str | None, owner_id: str | None
    ) -> str: ...
