"""What analytics is asked to do, in the sales director's words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from crmkit.domain import Command
from services.analytics.domain import model
from services.analytics.domain.model import Limits


@dataclass(frozen=True)
class RunClassification(Command):
    """Classify every customer (ABC, XYZ, status) on a parameter over a window."""

    parameter: str
    period_from: date
    period_to: date
    abc_limits: Limits = (80, 95)
    xyz_limits: Limits = (10, 25)
    xyz_period: str = "month"
    run_key: str | None = None  # a scheduled tick's: the run is started once
    wait_seconds: int = 300  # how long it waits for its sources' events before it computes
    partial_allowed: bool = False  # after that, compute anyway and say so, instead of failing

    def check(self) -> None:
        model.check_parameter(self.parameter)
        model.check_window(self.period_from, self.period_to)
        model.check_limits(self.abc_limits, self.xyz_limits, self.xyz_period)


@dataclass(frozen=True)
class ComputeClassification(Command):
    """Compute a queued run (the job's work); a run is computed once."""

    run_id: str


@dataclass(frozen=True)
class ScheduleClassification(Command):
    """Run the classification by itself on a cron, over the last months before each tick."""

    cron: str
    parameter: str = "revenue"
    window_months: int = 12
    abc_limits: Limits = (80, 95)
    xyz_limits: Limits = (10, 25)
    xyz_period: str = "month"
    enabled: bool = True


@dataclass(frozen=True)
class TrainWinModel(Command):
    """Queue a training of the win model on the last months of closed deals."""

    window_months: int = 24
    run_key: str | None = None  # a scheduled tick's: the model is trained once
    wait_seconds: int = 300  # how long it waits for its sources' events before it trains
    partial_allowed: bool = False  # after that, train anyway and say so, instead of failing


@dataclass(frozen=True)
class ComputeWinModel(Command):
    """Train a queued version (the job's work); a version is trained once."""

    version: int


@dataclass(frozen=True)
class ScheduleWinModelTraining(Command):
    cron: str
    window_months: int = 24
    enabled: bool = True


@dataclass(frozen=True)
class ScoreDeal(Command):
    """Give a deal that changed (or whose environment did) a fresh win probability."""

    deal_id: str


@dataclass(frozen=True)
class ScoreDeals(Command):
    """Give the deals a batch of events changed a fresh win probability each, once, as of the
    moment of its last change in the batch (deal id → that moment)."""

    moments: Mapping[str, datetime]
