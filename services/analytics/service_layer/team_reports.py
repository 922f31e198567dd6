"""How the people and the campaigns did: manager KPIs and campaign effectiveness
(ANALYTICS.md, "Manager KPIs" and "Campaigns")."""

from __future__ import annotations

from datetime import date

from services.analytics.domain.model import check_window
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork, Report


def managers(uow: AnalyticsUnitOfWork, first: date, last: date) -> Report:
    """Per owner over the window: sales, discounts given, orders fulfilled, contacts made, how
    complete their counterparties are, deals won and the win rate."""
    check_window(first, last)
    with uow:
        return uow.reports.managers(first, last)


def campaigns(uow: AnalyticsUnitOfWork) -> Report:
    """Per campaign: responses, the deals made from them and those won, the revenue invoiced on
    those deals against the cost (ROI), and the share of responses that became customers."""
    with uow:
        return uow.reports.campaigns()
