"""What a classification reads from the projections, aggregated by the database."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from services.analytics.adapters import orm

f = orm.sales_facts.c
MEASURES = {"revenue": f.revenue, "gross_profit": f.gross_profit, "quantity": f.quantity}


class SqlAlchemyFacts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def customers(self) -> list[str]:
        c = orm.customers.c
        query = (
            select(c.id).where(c.roles.like("%,customer,%"), c.deleted.is_(False)).order_by(c.id)
        )
        return list(self.session.scalars(query))

    def totals(self, parameter: str, first: date, last: date) -> dict[str, float]:
        measure = MEASURES[parameter]
        query = (
            select(f.counterparty_id, func.sum(measure))
            .where(f.date.between(first, last))
            .group_by(f.counterparty_id)
        )
        return {row[0]: float(row[1]) for row in self.session.execute(query)}

    def by_day(self, parameter: str, first: date, last: date) -> list[Any]:
        """(customer, day, value): cut into periods by the caller."""
        measure = MEASURES[parameter]
        query = (
            select(f.counterparty_id, f.date, func.sum(measure))
            .where(f.date.between(first, last))
            .group_by(f.counterparty_id, f.date)
        )
        return list(self.session.execute(query))

    def invoice_counts(self, first: date, last: date) -> dict[str, int]:
        query = (
            select(f.counterparty_id, func.count(distinct(f.invoice_id)))
            .where(f.date.between(first, last))
            .group_by(f.counterparty_id)
        )
        return {row[0]: int(row[1]) for row in self.session.execute(query)}

    def invoiced_before(self, first: date) -> set[str]:
        return set(
            self.session.scalars(select(distinct(f.counterparty_id)).where(and_(f.date < first)))
        )


def period_index(days: np.ndarray, first: date, period: str) -> np.ndarray:
    """Calendar month (or quarter) of each day, counted from the window's first one."""
    months = np.array(
        [(d.year - first.year) * 12 + d.month - first.month for d in days], dtype=np.int64
    )
    return months // 3 if period == "quarter" else months
