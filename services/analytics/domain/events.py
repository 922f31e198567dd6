"""What analytics tells the rest of the suite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crmkit.domain import Event


@dataclass(frozen=True)
class CustomerClassified:
    counterparty_id: str
    abc: str
    xyz: str | None  # None: nothing was sold in the window
    status: str


@dataclass(frozen=True)
class ClassificationCompleted(Event):
    """A run's classes, told in parts of a sensible size (each customer once)."""

    run_id: str
    classes: tuple[CustomerClassified, ...]


@dataclass(frozen=True)
class DealScored(Event):
    deal_id: str
    probability: float
    model_version: int | None  # None: the stage baseline answered
    factors: tuple[tuple[str, float], ...]
    scored_at: datetime
