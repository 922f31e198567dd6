"""Queries of the deals service: the only place that knows how its records are found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import and_, select, union, update
from sqlalchemy.orm import Session

from crmkit.paging import Page, paginate
from crmkit.text import like_escape, searchable
from services.deals.adapters import orm
from services.deals.domain import model

Record = TypeVar("Record")


@dataclass(frozen=True)
class DealFilter:
    pipeline_id: str | None = None
    stage_id: str | None = None
    status: str | None = None
    owner_id: str | None = None
    counterparty_id: str | None = None
    close_from: date | None = None
    close_to: date | None = None
    q: str | None = None  # words of the title, any case, diacritics optional


@dataclass(frozen=True)
class TaskFilter:
    assignee_ids: tuple[str, ...] = ()
    status: str | None = None
    due_to: date | None = None
    deal_id: str | None = None
    overdue_on: date | None = None


class Records:
    """Adds, finds and lists one kind of record."""

    def __init__(self, session: Session, kind: type[Any], order: Any) -> None:
        self.session = session
        self.kind = kind
        self.order = order

    def add(self, record: Any) -> None:
        self.session.add(record)

    def get(self, record_id: str) -> Any:
        return self.session.get(self.kind, record_id)

    def list(self, page: Page, *conditions: Any) -> tuple[list[Any], int]:
        query = select(self.kind).where(and_(True, *conditions)).order_by(*self.order)
        return paginate(self.session, query, page)

    def first(self, *conditions: Any) -> Any:
        return self.session.scalars(select(self.kind).where(*conditions).limit(1)).first()


class SqlAlchemyDealRepository(Records):
    def __init__(self, session: Session) -> None:
        super().__init__(session, model.Deal, (orm.deals.c.created_at.desc(), orm.deals.c.id))

    def search(self, wanted: DealFilter, page: Page) -> tuple[list[model.Deal], int]:
        c = orm.deals.c
        conditions = [
            getattr(c, name) == getattr(wanted, name)
            for name in ("pipeline_id", "stage_id", "status", "owner_id", "counterparty_id")
            if getattr(wanted, name) is not None
        ]
        if wanted.close_from is not None:
            conditions.append(c.expected_close_date >= wanted.close_from)
        if wanted.close_to is not None:
            conditions.append(c.expected_close_date <= wanted.close_to)
        if wanted.q:
            conditions.append(
                c.title_key.like(f"%{like_escape(searchable(wanted.q))}%", escape="\\")
            )
        return self.list(page, *conditions)

    def stages_in_use(self, pipeline_id: str) -> set[str]:
        in_deals = select(orm.deals.c.stage_id).where(orm.deals.c.pipeline_id == pipeline_id)
        visited = (
            select(orm.stage_visits.c.stage_id)
            .join(orm.deals, orm.deals.c.id == orm.stage_visits.c.deal_id)
            .where(orm.deals.c.pipeline_id == pipeline_id)
        )
        return set(self.session.scalars(union(in_deals, visited)).all())

    def enter_stage(self, deal: model.Deal, stage_id: str, at: datetime) -> None:
        """Closes the open visit, if any, and opens one for the new stage."""
        v = orm.stage_visits.c
        self.session.execute(
            update(orm.stage_visits)
            .where(v.deal_id == deal.id, v.left_at.is_(None))
            .values(left_at=at)
        )
        self.session.add(model.StageVisit(deal_id=deal.id, stage_id=stage_id, entered_at=at))

    def history(self, deal_id: str) -> list[model.StageVisit]:
        v = orm.stage_visits.c
        query = select(model.StageVisit).where(v.deal_id == deal_id).order_by(v.entered_at, v.id)
        return list(self.session.scalars(query).all())


class SqlAlchemyTaskRepository(Records):
    def __init__(self, session: Session) -> None:
        super().__init__(
            session, model.Task, (orm.tasks.c.due_date, orm.tasks.c.created_at, orm.tasks.c.id)
        )

    def search(self, wanted: TaskFilter, page: Page) -> tuple[list[model.Task], int]:
        c = orm.tasks.c
        conditions: list[Any] = []
        if wanted.assignee_ids:
            conditions.append(c.assignee_id.in_(wanted.assignee_ids))
        if wanted.status is not None:
            conditions.append(c.status == wanted.status)
        if wanted.due_to is not None:
            conditions.append(c.due_date <= wanted.due_to)
        if wanted.deal_id is not None:
            conditions.append(c.deal_id == wanted.deal_id)
        if wanted.overdue_on is not None:
            conditions += [c.status == "open", c.due_date < wanted.overdue_on]
        return self.list(page, *conditions)

    def open_for_stage(self, deal_id: str, stage_id: str) -> list[model.Task]:
        c = orm.tasks.c
        query = select(model.Task).where(
            c.deal_id == deal_id, c.stage_id == stage_id, c.status == "open"
        )
        return list(self.session.scalars(query).all())

    def of_user_between(self, user_id: str, first: date, last: date) -> list[model.Task]:
        c = orm.tasks.c
        query = (
            select(model.Task)
            .where(c.assignee_id == user_id, c.due_date >= first, c.due_date <= last)
            .order_by(c.due_date, c.id)
        )
        return list(self.session.scalars(query).all())

    def due_by(self, day: date) -> list[model.Task]:
        c = orm.tasks.c
        query = select(model.Task).where(c.status == "open", c.due_date <= day)
        return list(self.session.scalars(query).all())
