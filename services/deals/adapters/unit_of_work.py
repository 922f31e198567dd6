"""The deals unit of work on SQLAlchemy: its repositories, read models and outbox share one
session and commit together."""

from __future__ import annotations

from types import TracebackType
from typing import cast

from sqlalchemy.orm import Session, sessionmaker

from crmkit import unit_of_work
from crmkit.domain import Event
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
        super().__init__(sessions, orm.outbox, PRODUCER, proto.to_outbound)
        self.outbound: list[unit_of_work.OutboundEvent] = []

    def open_repositories(self, session: Session) -> None:
        self.outbound = []
        self.pipelines = repo.SqlAlchemyPipelineRepository(session)
        self.deals = repo.SqlAlchemyDealRepository(session)
        self.tasks = repo.SqlAlchemyTaskRepository(session)
        self.participants = repo.Records(session, model.Participant)
        self.links = repo.Records(session, model.ParticipantLink)
        self.lost_reasons = repo.SqlAlchemyLostReasonRepository(session)
        self.campaigns = repo.Records(session, model.Campaign)
        self.responses = repo.Records(session, model.CampaignResponse)
        self.documents = repo.Records(session, model.Document)
        self.notifications = repo.SqlAlchemyNotificationRepository(session)
        self.erp = SqlAlchemyErpRepository(session)
        self.views = SqlAlchemyViews(session)
        # Its rows carry the attributes the service layer reads; projections.py types them as Row.
        self.projections = cast(Projections, SqlAlchemyProjections(session))

    def publish(self, event: Event) -> None:
        # Translated at once: a deal may change again in the same transaction (a deal opened
        # and moved on, a task created and then done), and each event tells it as it was then.
        self.outbound.append(proto.to_outbound(event))

    def write_pending_events(self) -> None:
        outbound, self.outbound = self.outbound, []
        if outbound:
            self.events.add_many([(o.event_type, o.aggregate_id, o.payload) for o in outbound])

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.outbound = []
        super().__exit__(kind, error, trace)
