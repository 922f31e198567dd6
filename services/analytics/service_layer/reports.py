"""Reports computed from the projections on request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from crmkit.errors import InvalidInput
from services.analytics.adapters.facts import SqlAlchemyFacts
from services.analytics.domain import classification as rules
from services.analytics.service_layer.classification import PARAMETERS, check_window


def bcg(
    sessions: sessionmaker[Session], parameter: str, first: date, last: date
) -> list[dict[str, Any]]:
    """Each customer with a value in the window or in the equal window just before it."""
    if parameter not in PARAMETERS:
        raise InvalidInput.field("parameter", f"must be one of {', '.join(PARAMETERS)}")
    check_window(first, last)
    before_last = first - timedelta(days=1)
    before_first = before_last - (last - first)
    with sessions() as session:
        facts = SqlAlchemyFacts(session)
        now, then = (
            facts.totals(parameter, first, last),
            facts.totals(parameter, before_first, before_last),
        )
    ids = sorted(set(now) | set(then))
    result = rules.bcg(
        np.array([now.get(i, 0.0) for i in ids]), np.array([then.get(i, 0.0) for i in ids])
    )
    return [
        {
            "counterparty_id": customer,
            "value": now.get(customer, 0.0),
            "previous_value": then.get(customer, 0.0),
            "share": float(result.share[n]),
            "growth": None if np.isnan(result.growth[n]) else float(result.growth[n]),
            "quadrant": str(result.quadrant[n]),
        }
        for n, customer in enumerate(ids)
    ]
