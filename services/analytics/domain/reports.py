"""Arithmetic the reports share, and the deals they count by their dimensions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from crmkit.errors import InvalidInput


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def day_end(day: date) -> datetime:
    """The day's last instant (a window's end, even on the last day a date can have)."""
    return datetime.combine(day, time.max, UTC)


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None (not a number) when there is nothing to divide by."""
    return part / whole if whole else None


# -- deals by their dimensions: what deals sent as {"owner": id, "campaign": id, ...} ---------
DIMENSION = re.compile(r"[a-z][a-z_]{0,39}")


@dataclass(frozen=True)
class DealSlice:
    """The deals a report counts: created in first..last (None: no bound), of one pipeline
    (None: any), and with these dimension values."""

    first: date | None
    last: date | None
    pipeline_id: str | None
    where: Mapping[str, str]

    def __post_init__(self) -> None:
        if self.first and self.last and self.last < self.first:
            raise InvalidInput.field("to", "comes before from", "before_period_from")
        for name in self.where:
            check_dimension(name, "where")


def check_dimension(name: str, field: str) -> None:
    if not DIMENSION.fullmatch(name):
        raise InvalidInput.field(field, f"{name!r} is not the name of a deal dimension")


@dataclass(frozen=True)
class DealOutcome:
    """The deals of one value of a dimension (key None: the deals that have none)."""

    key: str | None
    deals: int
    open: int
    won: int
    lost: int
    revenue: Decimal  # the amounts of the won deals, as they are

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)
