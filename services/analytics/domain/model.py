"""What analytics keeps of its own: classification runs and their results, the schedules users
set, and the versions of the win model. Plain values; the reports are read models (views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit.errors import InvalidInput

AREA = "analytics"  # what a writer may change, for the identity checks
PARAMETERS = ("revenue", "gross_profit", "quantity")
XYZ_PERIODS = ("month", "quarter")
MAX_WINDOW = timedelta(days=3700)  # about ten years
Limits = tuple[float, float]


def check_parameter(parameter: str) -> None:
    if parameter not in PARAMETERS:
        raise InvalidInput.field(
            "parameter",
            f"must be one of {', '.join(PARAMETERS)}",
            "not_one_of",
            expected=", ".join(PARAMETERS),
        )


def check_window(first: date, last: date) -> None:
    """A window the figures make sense over, and one the equal window before it fits under."""
    if last < first:
        raise InvalidInput.field("period_to", "comes before period_from")
    if last - first > MAX_WINDOW:
        raise InvalidInput.field("period_to", "the window may span ten years at most")
    if first < date(1900, 1, 1) + MAX_WINDOW:
        raise InvalidInput.field("period_from", "must be after 1910")


def check_limits(abc_limits: Limits, xyz_limits: Limits, xyz_period: str) -> None:
    low, high = abc_limits
    if not 0 < low < high <= 100:
        raise InvalidInput.field(
            "abc_limits", "two increasing percentages up to 100, e.g. [80, 95]"
        )
    low, high = xyz_limits
    if not 0 < low < high:
        raise InvalidInput.field("xyz_limits", "two increasing percentages, e.g. [10, 25]")
    if xyz_period not in XYZ_PERIODS:
        raise InvalidInput.field("xyz_period", "must be month or quarter")


def check_window_months(months: int) -> None:
    if not 1 <= months <= 120:
        raise InvalidInput.field("window_months", "must be between 1 and 120")


@dataclass
class ClassificationRun:
    """One ABC/XYZ run: queued, then running, then done (with its results) or failed."""

    id: str
    parameter: str
    period_from: date
    period_to: date
    abc_limits: Limits
    xyz_limits: Limits
    xyz_period: str
    created_at: datetime
    status: str = "queued"  # queued | running | done | failed
    run_key: str | None = None  # a scheduled run's key: started once
    customers: int = 0
    negative: int = 0
    reason: str | None = None
    finished_at: datetime | None = None
    awaited: dict[str, int] = field(default_factory=dict)  # event type -> number, when asked
    wait_seconds: int = 300
    partial_allowed: bool = False
    waited_seconds: float | None = None
    partial: bool = False


@dataclass(frozen=True)
class ClassificationResult:
    """The classes one customer got in one run; kept for ever."""

    run_id: str
    counterparty_id: str
    value: Decimal | float
    share: float
    cumulative_share: float
    abc: str
    cv: float | None
    xyz: str | None
    status: str


@dataclass(frozen=True)
class ClassificationSchedule:
    """ "ABC/XYZ every Monday 03:00 over the last 12 months"."""

    cron: str
    parameter: str
    window_months: int
    abc_limits: Limits
    xyz_limits: Limits
    xyz_period: str
    enabled: bool
    updated_at: datetime


@dataclass(frozen=True)
class TrainingSchedule:
    """ "Train the win model every Sunday 02:00 on the last 24 months"."""

    cron: str
    window_months: int
    enabled: bool
    updated_at: datetime


@dataclass
class WinModelVersion:
    """One training of the win model: its window, metrics and parameters (plain JSON numbers,
    never a pickle). The promoted version answers; none promoted: the stage baseline does."""

    version: int
    created_at: datetime
    window_from: date | None
    window_to: date | None
    status: str = "queued"  # queued | running | done | failed
    run_key: str | None = None
    reason: str | None = None
    deals: int = 0
    metrics: dict[str, Any] | None = None
    features: list[str] | None = None
    model: dict[str, Any] | None = None
    baseline: dict[str, Any] | None = None
    promoted: bool = False
    trained_at: datetime | None = None
    awaited: dict[str, int] = field(default_factory=dict)  # event type -> number, when asked
    wait_seconds: int = 300
    partial_allowed: bool = False
    waited_seconds: float | None = None
    partial: bool = False


@dataclass(frozen=True)
class Score:
    """A deal's chance of being won and what moved it."""

    deal_id: str
    probability: float
    model_version: int | None  # None: the stage baseline
    factors: list[tuple[str, float]] = field(default_factory=list)
    answered_by: str = "model"  # model | baseline | outcome
