"""What a classification reads from the projections, aggregated by the database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Float, Integer, cast, distinct, extract, func, select
from sqlalchemy.orm import Session

from services.analytics.adapters import orm
from services.analytics.domain.classification import CustomerFigures

f = orm.sales_facts.c
MEASURES = {"revenue": f.revenue, "gross_profit": f.gross_profit, "quantity": f.quantity}
ROWS_AT_ONCE = 50_000  # fetched from the database at a time, so memory stays bounded


class SqlAlchemyFacts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def totals(self, parameter: str, first: date, last: date) -> dict[str, float]:
        measure = MEASURES[parameter]
        query = (
            select(f.counterparty_id, func.sum(measure))
            .where(f.date.between(first, last))
            .group_by(f.counterparty_id)
        )
        return {row[0]: float(row[1]) for row in self.session.execute(query)}

    def customer_figures(
        self, parameter: str, first: date, last: date, period: str
    ) -> CustomerFigures:
        """One row per customer (counterparties with role customer), aggregated by the
        database: the parameter's sum and the sum of squares of its per-period totals over the
        window, the invoices in it, and whether the customer was invoiced before it."""
        c = orm.customers.c
        window, before = _window(MEASURES[parameter], first, last, period), _before(first)
        query = (
            select(
                c.id,
                cast(func.coalesce(window.c.value, 0), Float),
                cast(func.coalesce(window.c.squares, 0), Float),
                func.coalesce(window.c.invoices, 0),
                before.c.customer.is_not(None),
            )
            .select_from(
                orm.customers.outerjoin(window, window.c.customer == c.id).outerjoin(
                    before, before.c.customer == c.id
                )
            )
            .where(c.roles.like("%,customer,%"), c.deleted.is_(False))
            .order_by(c.id)
            .execution_options(yield_per=ROWS_AT_ONCE)
        )
        return _figures(self.session.execute(query).partitions())


def _window(measure: Any, first: date, last: date, period: str) -> Any:
    """Per customer: Σ of the period totals, Σ of their squares, and the invoices. An invoice
    has one date, so its lines fall into one period and distinct counts per period add up."""
    months = (
        cast(extract("year", f.date), Integer) * 12 + cast(extract("month", f.date), Integer) - 1
    )  # months since the year 0: calendar months, and quarters of them
    slot: ColumnElement[Any] = months // 3 if period == "quarter" else months
    periods = (
        select(
            f.counterparty_id.label("customer"),
            func.sum(measure).label("total"),
            func.count(distinct(f.invoice_id)).label("invoices"),
        )
        .where(f.date.between(first, last))
        .group_by(f.counterparty_id, slot)
        .subquery()
    )
    p = periods.c
    return (
        select(
            p.customer,
            func.sum(p.total).label("value"),
            func.sum(p.total * p.total).label("squares"),
            func.sum(p.invoices).label("invoices"),
        )
        .group_by(p.customer)
        .subquery()
    )


def _before(first: date) -> Any:
    return select(f.counterparty_id.label("customer")).where(f.date < first).distinct().subquery()


def _figures(parts: Iterable[Sequence[Any]]) -> CustomerFigures:
    columns: list[list[np.ndarray]] = [[], [], [], [], []]
    for part in parts:
        ids, values, squares, invoices, before = zip(*part, strict=True)
        columns[0].append(np.array(ids, dtype=np.str_))
        columns[1].append(np.array(values, dtype=np.float64))
        columns[2].append(np.array(squares, dtype=np.float64))
        columns[3].append(np.array(invoices, dtype=np.int64))
        columns[4].append(np.array(before, dtype=np.bool_))
    if not columns[0]:
        return CustomerFigures(
            np.array([], dtype=np.str_), np.zeros(0), np.zeros(0), np.zeros(0, np.int64),
            np.zeros(0, np.bool_),
        )  # fmt: skip
    return CustomerFigures(*(np.concatenate(column) for column in columns)).sorted_by_id()
