"""Deals as the win model looks at them: arrays, one entry per deal, sorted by id."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from services.analytics.domain.win_model import Examples


@dataclass(frozen=True)
class Deals:
    """The deals being looked at, sorted by id, and the moment each is looked at."""

    ids: NDArray[np.str_]
    pipelines: NDArray[np.str_]
    counterparties: NDArray[np.str_]
    owners: NDArray[np.str_]
    amounts: NDArray[np.float64]
    created: NDArray[np.int64]
    campaign: NDArray[np.bool_]
    at: NDArray[np.int64]


@dataclass(frozen=True)
class ClosedDeals:
    """Closed deals of a window: their snapshot features, outcome and what the baseline needs."""

    ids: NDArray[np.str_]
    examples: Examples
    won: NDArray[np.bool_]
    closed: NDArray[np.int64]
    pipelines: NDArray[np.str_]
    furthest: NDArray[np.int64]  # the furthest stage each reached: what the baseline learns
    positions: NDArray[np.int64]  # the stage each was in at the moment looked at: what it scores
