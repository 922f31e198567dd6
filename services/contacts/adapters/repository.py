"""Repositories over SQLAlchemy: the only place that knows how counterparties are queried."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from crmkit.db import archived_or_not
from crmkit.paging import Before, Page, older_than, paginate
from crmkit.text import like_escape, searchable
from services.contacts.adapters import orm
from services.contacts.domain import model
from services.contacts.service_layer.unit_of_work import CounterpartyFilter, InteractionFilter


class SqlAlchemyCounterpartyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, counterparty: model.Counterparty) -> None:
        self.session.add(counterparty)

    def get(self, counterparty_id: str) -> model.Counterparty | None:
        return self.session.get(model.Counterparty, counterparty_id)

    def find_by(self, field: str, value: str) -> model.Counterparty | None:
        column = getattr(orm.counterparties.c, field)
        query = select(model.Counterparty).where(
            column == value, orm.counterparties.c.deleted_at.is_(None)
        )
        return self.session.scalars(
            query.order_by(orm.counterparties.c.created_at).limit(1)
        ).first()

    def find_duplicate(self, tax_id: str | None, email: str | None) -> model.Counterparty | None:
        c = orm.counterparties.c
        matches = [c.tax_id == tax_id] if tax_id else []
        matches += [c.email == email] if email else []
        if not matches:
            return None
        query = select(model.Counterparty).where(or_(*matches), c.deleted_at.is_(None)).limit(1)
        return self.session.scalars(query).first()

    def list(self, wanted: CounterpartyFilter, page: Page) -> tuple[list[model.Counterparty], int]:
        c = orm.counterparties.c
        conditions: list[ColumnElement[bool]] = [archived_or_not(c.deleted_at, wanted.archived)]
        if wanted.q:
            conditions.append(
                c.search_text.like(f"%{like_escape(searchable(wanted.q))}%", escape="\\")
            )
        if wanted.role:
            conditions.append(
                type_coerce(c.roles, String).like(f"%,{like_escape(wanted.role)},%", escape="\\")
            )
        equal = (
            (c.region, wanted.region), (c.industry, wanted.industry),
            (c.owner_id, wanted.owner_id), (c.group_id, wanted.group_id), (c.abc, wanted.abc),
            (c.xyz, wanted.xyz), (c.status, wanted.status),
        )  # fmt: skip
        conditions += [column == value for column, value in equal if value is not None]
        if wanted.ids:
            conditions.append(c.id.in_(wanted.ids))
        query = select(model.Counterparty).where(and_(*conditions)).order_by(c.name, c.id)
        return paginate(self.session, query, page)

    def has_contact(self, counterparty_id: str) -> bool:
        query = select(orm.contact_persons.c.id).where(
            orm.contact_persons.c.counterparty_id == counterparty_id
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def is_ancestor(self, candidate_id: str, of_id: str) -> bool:
        """True when `candidate_id` is `of_id` itself or sits above it in the division tree."""
        current: str | None = of_id
        for _ in range(100):
            if current is None:
                return False
            if current == candidate_id:
                return True
            current = self.session.scalar(
                select(orm.counterparties.c.parent_id).where(orm.counterparties.c.id == current)
            )
        return True


class SqlAlchemyCompanyGroupRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, group: model.CompanyGroup) -> None:
        self.session.add(group)

    def get(self, group_id: str) -> model.CompanyGroup | None:
        return self.session.get(model.CompanyGroup, group_id)

    def by_name(self, name: str) -> model.CompanyGroup | None:
        query = select(model.CompanyGroup).where(orm.company_groups.c.name == name)
        return self.session.scalars(query).first()

    def list(self, page: Page, archived: bool = False) -> tuple[list[model.CompanyGroup], int]:
        c = orm.company_groups.c
        query = select(model.CompanyGroup).where(archived_or_not(c.archived_at, archived))
        return paginate(self.session, query.order_by(c.name), page)


class SqlAlchemyContactRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, contact: model.ContactPerson) -> None:
        self.session.add(contact)

    def get(self, contact_id: str) -> model.ContactPerson | None:
        return self.session.get(model.ContactPerson, contact_id)

    def list(
        self, counterparty_id: str | None, page: Page, archived: bool = False, q: str | None = None
    ) -> tuple[list[model.ContactPerson], int]:
        c = orm.contact_persons.c
        query = select(model.ContactPerson).where(archived_or_not(c.archived_at, archived))
        query = query.order_by(c.full_name, c.id)
        if counterparty_id is not None:
            query = query.where(c.counterparty_id == counterparty_id)
        if q:
            query = query.where(c.search_text.like(f"%{like_escape(searchable(q))}%", escape="\\"))
        return paginate(self.session, query, page)


class SqlAlchemyRelationshipRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, link: model.Relationship) -> None:
        self.session.add(link)

    def get(self, link_id: str) -> model.Relationship | None:
        return self.session.get(model.Relationship, link_id)

    def exists(self, link: model.Relationship) -> bool:
        c = orm.relationships.c
        query = select(c.id).where(
            c.from_id == link.from_id,
            c.to_id == link.to_id,
            c.kind == link.kind,
            c.archived_at.is_(None),
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def of_counterparty(
        self, counterparty_id: str, page: Page, archived: bool = False
    ) -> tuple[list[model.Relationship], int]:
        c = orm.relationships.c
        query = (
            select(model.Relationship)
            .where(or_(c.from_id == counterparty_id, c.to_id == counterparty_id))
            .where(archived_or_not(c.archived_at, archived))
            .order_by(c.kind, c.id)
        )
        return paginate(self.session, query, page)


class SqlAlchemyInteractionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, interaction: model.Interaction) -> None:
        self.session.add(interaction)

    def get(self, interaction_id: str) -> model.Interaction | None:
        return self.session.get(model.Interaction, interaction_id)

    def history(
        self, counterparty_id: str, before: Before | None, limit: int
    ) -> list[model.Interaction]:
        c = orm.interactions.c
        moment = func.coalesce(c.done_at, c.planned_at, c.created_at)
        query = select(model.Interaction).where(
            c.counterparty_id == counterparty_id,
            c.archived_at.is_(None),
            older_than(moment, c.id, before),
        )
        query = query.order_by(moment.desc(), c.id.desc()).limit(limit)
        return list(self.session.scalars(query).all())

    def list(self, wanted: InteractionFilter, page: Page) -> tuple[list[model.Interaction], int]:
        c = orm.interactions.c
        conditions: list[ColumnElement[bool]] = [archived_or_not(c.archived_at, wanted.archived)]
        equal = (
            (c.counterparty_id, wanted.counterparty_id), (c.owner_id, wanted.owner_id),
            (c.deal_id, wanted.deal_id),
        )  # fmt: skip
        conditions += [column == value for column, value in equal if value is not None]
        if wanted.planned_from is not None:
            conditions.append(c.planned_at >= wanted.planned_from)
        if wanted.planned_to is not None:
            conditions.append(c.planned_at <= wanted.planned_to)
        moment = func.coalesce(c.done_at, c.planned_at, c.created_at)
        query = select(model.Interaction).where(and_(*conditions)).order_by(moment.desc(), c.id)
        return paginate(self.session, query, page)


class SqlAlchemySupplierProfileRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, counterparty_id: str) -> model.SupplierProfile | None:
        return self.session.get(model.SupplierProfile, counterparty_id)

    def put(self, profile: model.SupplierProfile) -> model.SupplierProfile:
        existing = self.get(profile.counterparty_id)
        if existing is not None:
            self.session.delete(existing)
            self.session.flush()
        self.session.add(profile)
        return profile


class SqlAlchemyCustomerTermsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, counterparty_id: str) -> model.CustomerTerms | None:
        return self.session.get(model.CustomerTerms, counterparty_id)

    def put(self, terms: model.CustomerTerms) -> model.CustomerTerms:
        return self.session.merge(terms)
