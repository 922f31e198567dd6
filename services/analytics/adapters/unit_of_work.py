"""The analytics unit of work: its repositories, its views and its outbox on one session."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from crmkit import unit_of_work
from services.analytics.adapters import orm, proto
from services.analytics.adapters import repository as repo
from services.analytics.adapters.event_sources import SqlAlchemyWatermarks
from services.analytics.adapters.facts import SqlAlchemyFacts
from services.analytics.adapters.pipeline_views import SqlAlchemyPipelineReports
from services.analytics.adapters.views import SqlAlchemyReports
from services.analytics.adapters.win_features import SqlAlchemyWinFeatures

PRODUCER = "analytics"


class SqlAlchemyUnitOfWork(unit_of_work.SqlAlchemyUnitOfWork):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions, orm.outbox, PRODUCER, proto.to_outbound)

    def open_repositories(self, session: Session) -> None:
        self.classification_runs = repo.SqlAlchemyClassificationRunRepository(session)
        self.schedules = repo.SqlAlchemyScheduleRepository(session)
        self.win_models = repo.SqlAlchemyWinModelRepository(session)
        self.deal_scores = repo.SqlAlchemyDealScoreRepository(session)
        self.facts = SqlAlchemyFacts(session)
        self.win_features = SqlAlchemyWinFeatures(session)
        self.reports = SqlAlchemyReports(session)
        self.pipelines = SqlAlchemyPipelineReports(session)
        self.watermarks = SqlAlchemyWatermarks(session)

    def flush(self) -> None:
        self.write_pending_events()


class EventUnitOfWork(unit_of_work.SessionBoundUnitOfWork, SqlAlchemyUnitOfWork):
    """Inside the consumer's inbox transaction: what a handler changes and publishes commits
    with the event that caused it."""

    def __init__(self, session: Session) -> None:
        opened: Callable[[], Session] = lambda: session  # noqa: E731
        super().__init__(opened)  # type: ignore[arg-type]
