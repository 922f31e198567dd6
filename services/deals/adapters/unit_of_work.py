"""The deals unit of work on SQLAlchemy: its repositories, read models and outbox share one
session and commit together."""

from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Session, sessionmaker

from crmkit import unit_of_work
from services.deals.adapters import orm, proto
from services.deals.adapters import repository as repo
from services.deals.adapters.erp_repository import SqlAlchemyErpRepository
from services.deals.adapters.projections import SqlAlchemyProjections
from services.deals.adapters.views import SqlAlchemyViews
from services.deals.domain import model
from services.deals.service_layer.unit_of_work import Projections

PRODUCER = "deals"


class SqlAlchemyUnitOfWork(unit_of_work.SqlAlchemyUnitOfWork):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions, orm.outbox, PRODUCER, proto.to_outbound, orm.audit)

    def open_repositories(self, session: Session) -> None:
        self.pipelines = repo.SqlAlchemyPipelineRepository(session)
        self.deals = repo.SqlAlchemyDealRepository(session)
        self.tasks = repo.SqlAlchemyTaskRepository(session)
        self.task_comments = repo.SqlAlchemyTaskCommentRepository(session)
        self.participants = repo.Records(session, model.Participant)
        self.links = repo.Records(session, model.ParticipantLink)
        self.lost_reasons = repo.SqlAlchemyLostReasonRepository(session)
        self.list_items = repo.SqlAlchemyListItemRepository(session)
        self.campaigns = repo.Records(session, model.Campaign)
        self.responses = repo.Records(session, model.CampaignResponse)
        self.documents = repo.Records(session, model.Document)
        self.files = repo.Records(session, model.File)
        self.company = repo.Records(session, model.CompanySettings)
        self.notifications = repo.SqlAlchemyNotificationRepository(session)
        self.erp = SqlAlchemyErpRepository(session)
        self.views = SqlAlchemyViews(session)
        # Its rows carry the attributes the service layer reads; projections.py types them as Row.
        self.projections = cast(Projections, SqlAlchemyProjections(session))
