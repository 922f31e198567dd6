"""Lists and read models of the deals service: what people look at, found by SQL."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from crmkit.db import archived_or_not
from crmkit.paging import Page, paginate
from crmkit.text import like_escape, searchable
from services.deals.adapters import orm
from services.deals.adapters.erp_repository import search_documents
from services.deals.domain import erp, model

Record = TypeVar("Record")
Listed = tuple[list[Record], int]


def _deal_conditions(wanted: model.DealFilter) -> list[ColumnElement[bool]]:
    c = orm.deals.c
    conditions = [c[name] == value for name, value in wanted.equal_to().items()]
    conditions.append(archived_or_not(c.archived_at, wanted.archived))
    if wanted.close_from is not None:
        conditions.append(c.expected_close_date >= wanted.close_from)
    if wanted.close_to is not None:
        conditions.append(c.expected_close_date <= wanted.close_to)
    if wanted.q:
        conditions.append(c.title_key.like(f"%{like_escape(searchable(wanted.q))}%", escape="\\"))
    return conditions


def _task_conditions(wanted: model.TaskFilter) -> list[ColumnElement[bool]]:
    c = orm.tasks.c
    conditions: list[ColumnElement[bool]] = [archived_or_not(c.archived_at, wanted.archived)]
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
    return conditions


class SqlAlchemyViews:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _page(self, query: Select[tuple[Record]], page: Page) -> Listed[Record]:
        return paginate(self.session, query, page)

    def deals(self, wanted: model.DealFilter, page: Page) -> Listed[model.Deal]:
        c = orm.deals.c
        query = select(model.Deal).where(and_(True, *_deal_conditions(wanted)))
        return self._page(query.order_by(c.created_at.desc(), c.id), page)

    def stage_history(self, deal_id: str) -> list[model.StageVisit]:
        v = orm.stage_visits.c
        query = select(model.StageVisit).where(v.deal_id == deal_id).order_by(v.entered_at, v.id)
        return list(self.session.scalars(query).all())

    def tasks(self, wanted: model.TaskFilter, page: Page) -> Listed[model.Task]:
        c = orm.tasks.c
        query = select(model.Task).where(and_(True, *_task_conditions(wanted)))
        return self._page(query.order_by(c.due_date, c.created_at, c.id), page)

    def tasks_of_user_between(self, user_id: str, first: date, last: date) -> list[model.Task]:
        c = orm.tasks.c
        query = (
            select(model.Task)
            .where(c.assignee_id == user_id, c.due_date >= first, c.due_date <= last)
            .where(c.archived_at.is_(None))
            .order_by(c.due_date, c.id)
        )
        return list(self.session.scalars(query).all())

    def participants(
        self, deal_id: str, page: Page, archived: bool = False
    ) -> Listed[model.Participant]:
        c = orm.participants.c
        query = select(model.Participant).where(
            c.deal_id == deal_id, archived_or_not(c.archived_at, archived)
        )
        query = query.order_by(c.id)
        return self._page(query, page)

    def participant_links(self, deal_id: str, page: Page) -> Listed[model.ParticipantLink]:
        c = orm.participant_links.c
        query = select(model.ParticipantLink).where(c.deal_id == deal_id).order_by(c.id)
        return self._page(query, page)

    def documents(
        self, pipeline_id: str, page: Page, archived: bool = False
    ) -> Listed[model.Document]:
        c = orm.documents.c
        query = select(model.Document).where(
            c.pipeline_id == pipeline_id, archived_or_not(c.archived_at, archived)
        )
        return self._page(query.order_by(c.created_at.desc()), page)

    def files(
        self, deal_id: str | None, counterparty_id: str | None, page: Page, archived: bool = False
    ) -> Listed[model.File]:
        c = orm.files.c
        owner = (
            c.deal_id == deal_id if deal_id is not None else c.counterparty_id == counterparty_id
        )
        query = select(model.File).where(owner, archived_or_not(c.archived_at, archived))
        return self._page(query.order_by(c.uploaded_at.desc(), c.id), page)

    def lost_reasons(
        self, kind: str | None, page: Page, archived: bool = False
    ) -> Listed[model.LostReason]:
        c = orm.lost_reasons.c
        query = select(model.LostReason).where(
            archived_or_not(c.archived_at, archived), *([c.kind == kind] if kind else [])
        )
        return self._page(query.order_by(c.name), page)

    def list_items(
        self, list_name: str, page: Page, archived: bool = False
    ) -> Listed[model.ListItem]:
        c = orm.list_items.c
        query = select(model.ListItem).where(
            c.list == list_name, archived_or_not(c.archived_at, archived)
        )
        return self._page(query.order_by(c.created_at, c.name), page)

    def campaigns(self, page: Page, archived: bool = False) -> Listed[model.Campaign]:
        c = orm.campaigns.c
        query = select(model.Campaign).where(archived_or_not(c.archived_at, archived))
        return self._page(query.order_by(c.name), page)

    def responses(
        self, campaign_id: str, page: Page, archived: bool = False
    ) -> Listed[model.CampaignResponse]:
        c = orm.campaign_responses.c
        query = select(model.CampaignResponse).where(
            c.campaign_id == campaign_id, archived_or_not(c.archived_at, archived)
        )
        return self._page(query.order_by(c.created_at.desc()), page)

    def erp_documents(self, wanted: erp.ErpFilter, page: Page) -> Listed[erp.ErpDocument]:
        return search_documents(self.session, wanted, page)
