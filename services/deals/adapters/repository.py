"""The deals service's aggregates as SQLAlchemy finds and keeps them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy import select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from crmkit.db import archived_or_not
from crmkit.paging import Page, paginate
from services.deals.adapters import orm
from services.deals.domain import model

Record = TypeVar("Record")


class Records(Generic[Record]):
    """Adds and finds one kind of record by id."""

    def __init__(self, session: Session, kind: type[Record]) -> None:
        self.session = session
        self.kind = kind

    def add(self, record: Record) -> None:
        self.session.add(record)

    def get(self, record_id: str) -> Record | None:
        return self.session.get(self.kind, record_id)


class SqlAlchemyTaskCommentRepository(Records[model.TaskComment]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, model.TaskComment)

    def of_task(self, task_id: str, page: Page) -> tuple[list[model.TaskComment], int]:
        c = orm.task_comments.c
        query = select(model.TaskComment).where(c.task_id == task_id)
        return paginate(self.session, query.order_by(c.created_at, c.id), page)


class SqlAlchemyPipelineRepository(Records[model.Pipeline]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, model.Pipeline)

    def get(self, record_id: str) -> model.Pipeline | None:
        """With its stages, in one query (every deal opened asks for its pipeline)."""
        with_stages = joinedload(model.Pipeline.stages)  # type: ignore[arg-type]
        return self.session.get(model.Pipeline, record_id, options=[with_stages])

    def named(self, name: str) -> model.Pipeline | None:
        query = select(model.Pipeline).where(orm.pipelines.c.name == name).limit(1)
        return self.session.scalars(query).first()

    def first(self) -> model.Pipeline | None:
        query = select(model.Pipeline).where(orm.pipelines.c.archived_at.is_(None))
        return self.session.scalars(query.limit(1)).first()

    def list(self, page: Page, archived: bool = False) -> tuple[list[model.Pipeline], int]:
        c = orm.pipelines.c
        query = select(model.Pipeline).where(archived_or_not(c.archived_at, archived))
        return paginate(self.session, query.order_by(c.name), page)


class SqlAlchemyDealRepository(Records[model.Deal]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, model.Deal)

    def of_ids(self, deal_ids: Iterable[str]) -> dict[str, model.Deal]:
        query = select(model.Deal).where(orm.deals.c.id.in_(list(deal_ids)))
        return {deal.id: deal for deal in self.session.scalars(query)}

    def stages_in_use(self, pipeline_id: str) -> set[str]:
        in_deals = select(orm.deals.c.stage_id).where(orm.deals.c.pipeline_id == pipeline_id)
        visited = (
            select(orm.stage_visits.c.stage_id)
            .join(orm.deals, orm.deals.c.id == orm.stage_visits.c.deal_id)
            .where(orm.deals.c.pipeline_id == pipeline_id)
        )
        return set(self.session.scalars(union(in_deals, visited)).all())

    def enter_stage(self, deal: model.Deal, stage_id: str, at: datetime) -> None:
        """Closes the open visit, if any (a deal opened in this transaction has none), and opens
        one for the new stage."""
        v = orm.stage_visits.c
        if deal not in self.session.new:
            self.session.execute(
                update(orm.stage_visits)
                .where(v.deal_id == deal.id, v.left_at.is_(None))
                .values(left_at=at)
            )
        self.session.add(model.StageVisit(deal_id=deal.id, stage_id=stage_id, entered_at=at))


class SqlAlchemyTaskRepository(Records[model.Task]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, model.Task)

    def open_for_stage(self, deal_id: str, stage_id: str) -> list[model.Task]:
        self.session.flush()  # a task just completed is no longer open
        c = orm.tasks.c
        query = select(model.Task).where(
            c.deal_id == deal_id,
            c.stage_id == stage_id,
            c.status == "open",
            c.archived_at.is_(None),
        )
        return list(self.session.scalars(query).all())

    def due_by(self, day: date) -> list[model.Task]:
        c = orm.tasks.c
        query = select(model.Task).where(
            c.status == "open", c.due_date <= day, c.archived_at.is_(None)
        )
        return list(self.session.scalars(query).all())


class SqlAlchemyLostReasonRepository(Records[model.LostReason]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, model.LostReason)

    def named(self, name: str) -> model.LostReason | None:
        query = select(model.LostReason).where(orm.lost_reasons.c.name == name).limit(1)
        return self.session.scalars(query).first()


class SqlAlchemyListItemRepository(Records[model.ListItem]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, model.ListItem)

    def named(self, list_name: str, name: str) -> model.ListItem | None:
        """The entry of that name whatever its case, folded here: SQLite's lower() folds only
        ASCII ("Ô" stayed), so a second "ÔA" passed the check and broke the unique index."""
        entries = self.session.scalars(
            select(model.ListItem).where(orm.list_items.c.list == list_name)
        )  # a catalogue a company keeps: tens of entries, not thousands
        return next((e for e in entries if e.name.casefold() == name.casefold()), None)


class SqlAlchemyNotificationRepository(Records[model.Notification]):
    """A user's notifications, newest first; each one added once by its dedupe key."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, model.Notification)

    def add_once(self, notification: model.Notification) -> bool:
        """False when one with its dedupe key exists, also when another worker adds the same
        one at this moment (the unique key refuses it inside a savepoint)."""
        n = orm.notifications.c
        query = select(n.id).where(n.dedupe_key == notification.dedupe_key).limit(1)
        if self.session.execute(query).first() is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(notification)
        except IntegrityError:
            return False
        return True

    def mark_all_read(self, user_id: str, at: datetime) -> int:
        n = orm.notifications.c
        unread = [n.user_id == user_id, n.read_at.is_(None)]
        marked = self.session.execute(update(orm.notifications).where(*unread).values(read_at=at))
        return int(marked.rowcount)  # type: ignore[attr-defined]

    def of_user(
        self, user_id: str, unread_only: bool, page: Page
    ) -> tuple[list[model.Notification], int]:
        n = orm.notifications.c
        conditions = [n.user_id == user_id] + ([n.read_at.is_(None)] if unread_only else [])
        query = select(model.Notification).where(*conditions).order_by(n.created_at.desc(), n.id)
        return paginate(self.session, query, page)
