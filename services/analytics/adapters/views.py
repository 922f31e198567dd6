"""Query adapters of the reports: lost deals, failed orders, manager KPIs and campaigns
(ANALYTICS.md), each a few aggregate queries over the projections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from services.analytics.adapters import orm
from services.analytics.domain.reports import day_end, day_start, ratio

f, o, i, c, d = (
    orm.sales_facts.c,
    orm.orders.c,
    orm.interactions.c,
    orm.customers.c,
    orm.deals.c,
)
inv, camp, resp = orm.invoices.c, orm.campaigns.c, orm.campaign_responses.c
ZERO = Decimal(0)
won = func.sum(case((d.status == "won", 1), else_=0))
lost = func.sum(case((d.status == "lost", 1), else_=0))


class SqlAlchemyReports:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lost_deals(
        self, column: str, first: date | None, last: date | None
    ) -> list[dict[str, Any]]:
        """Lost deals (closed in the window, when given) counted and summed per value of a
        deal's column, largest first."""
        d = orm.deals.c
        conditions = [d.status == "lost"]
        if first is not None:
            conditions.append(d.closed_at >= day_start(first))
        if last is not None:
            conditions.append(d.closed_at <= day_end(last))
        key = getattr(d, column)
        query = (
            select(key, func.count(), func.coalesce(func.sum(d.amount), 0))
            .where(and_(*conditions))
            .group_by(key)
        )
        rows = self.session.execute(query).all()
        found = [{"key": row[0], "deals": int(row[1]), "amount": str(row[2])} for row in rows]
        return sorted(found, key=lambda row: (-row["deals"], row["key"] or ""))

    def failed_orders(
        self, column: str, first: date | None, last: date | None
    ) -> tuple[list[dict[str, Any]], int]:
        """Failed orders per value of an order's column, and how many internal orders there
        were."""
        o = orm.orders.c
        window = [o.date >= first] if first else []
        window += [o.date <= last] if last else []
        key = getattr(o, column)
        failed = (
            select(key, func.count())
            .where(o.status == "failed", o.kind == "customer", *window)
            .group_by(key)
        )
        internal = select(func.count()).select_from(orm.orders).where(o.kind == "internal", *window)
        rows = self.session.execute(failed).all()
        internal_orders = int(self.session.scalar(internal) or 0)
        items = sorted(
            ({"key": row[0], "orders": int(row[1])} for row in rows),
            key=lambda row: (-row["orders"], row["key"] or ""),
        )
        return items, internal_orders

    def managers(self, first: date, last: date) -> list[dict[str, Any]]:
        """Per owner over the window: sales, discounts given, orders fulfilled, contacts made,
        how complete their counterparties are, deals won and the win rate."""
        start, end = day_start(first), day_end(last)
        queries = {
            "sales": select(
                _seller(f), func.sum(f.revenue), func.sum(f.gross_profit), func.sum(f.discount)
            )
            .select_from(orm.sales_facts.outerjoin(orm.customers, c.id == f.counterparty_id))
            .where(f.date.between(first, last))
            .group_by(_seller(f)),
            "orders": select(_seller(o), func.count())
            .select_from(orm.orders.outerjoin(orm.customers, c.id == o.counterparty_id))
            .where(o.kind == "customer", o.status == "fulfilled", o.date.between(first, last))
            .group_by(_seller(o)),
            "contacts": select(i.owner_id, func.count())
            .where(i.done_at >= start, i.done_at <= end)
            .group_by(i.owner_id),
            "completeness": select(c.owner_id, func.avg(c.completeness))
            .where(c.deleted.is_(False))
            .group_by(c.owner_id),
            "deals": select(d.owner_id, won, lost)
            .where(d.closed_at >= start, d.closed_at <= end)
            .group_by(d.owner_id),
        }
        found = {name: _by_owner(self.session, query) for name, query in queries.items()}
        owners = sorted(set().union(*found.values()), key=lambda owner: owner or "")
        return [_manager(owner, found) for owner in owners]

    def campaigns(self) -> list[dict[str, Any]]:
        """Per campaign: responses, the deals made from them and those won, the revenue
        invoiced on those deals against the cost (ROI), and the share of responses that
        became customers."""
        deals = (
            select(d.campaign_id, func.count(), won).where(
                d.campaign_id.is_not(None), d.status != orm.ARCHIVED
            )
        ).group_by(d.campaign_id)
        revenue = (
            select(d.campaign_id, func.sum(f.revenue))
            .select_from(orm.sales_facts.join(orm.invoices, inv.id == f.invoice_id))
            .join(orm.deals, d.id == inv.deal_id)
            .where(d.campaign_id.is_not(None))
            .group_by(d.campaign_id)
        )
        first_invoice = (
            select(inv.counterparty_id, func.min(inv.date).label("first"))
            .where(inv.status != "cancelled")
            .group_by(inv.counterparty_id)
            .subquery()
        )
        became_customer = and_(
            first_invoice.c.first.is_not(None), first_invoice.c.first >= func.date(resp.created_at)
        )
        responses = (
            select(resp.campaign_id, func.count(), func.sum(case((became_customer, 1), else_=0)))
            .select_from(
                orm.campaign_responses.outerjoin(
                    first_invoice, first_invoice.c.counterparty_id == resp.counterparty_id
                )
            )
            .where(resp.archived.is_(False))
            .group_by(resp.campaign_id)
        )
        session = self.session
        known = session.execute(select(camp.id, camp.name, camp.cost).order_by(camp.name)).all()
        made = {row[0]: row[1:] for row in session.execute(deals)}
        earned = {row[0]: row[1] for row in session.execute(revenue)}
        answered = {row[0]: row[1:] for row in session.execute(responses)}
        rows = []
        for campaign_id, name, cost in known:
            count, acquired = answered.get(campaign_id, (0, 0))
            deals_made, deals_won = made.get(campaign_id, (0, 0))
            income = earned.get(campaign_id) or ZERO
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "name": name,
                    "responses": count,
                    "deals": deals_made,
                    "won": int(deals_won or 0),
                    "revenue": str(income),
                    "cost": None if cost is None else str(cost),
                    "roi": ratio(float(income - cost), float(cost)) if cost is not None else None,
                    "acquisition_rate": ratio(int(acquired or 0), count),
                }
            )
        return rows


def _seller(document: Any) -> Any:
    """Who sold: the document's owner (its deal's, else its customer's when it arrived); when the
    ERP sent it before the customer's owner was known here, the customer's owner now."""
    return func.coalesce(document.owner_id, c.owner_id)


def _by_owner(session: Session, query: Any) -> dict[str | None, tuple[Any, ...]]:
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def _manager(owner: str | None, found: dict[str, dict[str | None, tuple[Any, ...]]]) -> dict:
    revenue, profit, discounts = found["sales"].get(owner, (ZERO, ZERO, ZERO))
    deals_won, deals_lost = (int(n or 0) for n in found["deals"].get(owner, (0, 0)))
    completeness = found["completeness"].get(owner, (None,))[0]
    return {
        "owner_id": owner,
        "revenue": str(revenue),
        "gross_profit": str(profit),
        "discount_ratio": ratio(float(discounts), float(revenue + discounts)),
        "orders_fulfilled": found["orders"].get(owner, (0,))[0],
        "contacts": found["contacts"].get(owner, (0,))[0],
        "completeness": None if completeness is None else float(completeness) / 100,
        "deals_won": deals_won,
        "win_rate": ratio(deals_won, deals_won + deals_lost),
    }
