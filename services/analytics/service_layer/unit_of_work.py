"""What the analytics handlers need of a transaction: its repositories (runs, schedules, model
versions, scores) and its views (the projections, read by the reports and the models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from crmkit import unit_of_work
from crmkit.events import TypePosition
from crmkit.paging import Page
from services.analytics.domain.classification import CustomerFigures
from services.analytics.domain.deals import ClosedDeals, Deals
from services.analytics.domain.model import (
    ClassificationResult,
    ClassificationRun,
    ClassificationSchedule,
    Score,
    TrainingSchedule,
    WinModelVersion,
)
from services.analytics.domain.reports import DealOutcome, DealSlice
from services.analytics.domain.win_model import Examples, StageBaseline, WinModel

Report = list[dict[str, Any]]  # rows as the API gives them


class ClassificationRunRepository(Protocol):
    def add(self, run: ClassificationRun) -> bool:
        """False when its run key was taken (by another beat, a moment ago)."""
        ...

    def has_run_key(self, run_key: str) -> bool: ...

    def get(self, run_id: str) -> ClassificationRun | None: ...

    def newest_first(self, page: Page) -> tuple[list[ClassificationRun], int]: ...

    def claim(self, run_id: str) -> bool:
        """Queued → running; False when it had left `queued` already."""
        ...

    def fail(self, run_id: str, reason: str, at: datetime) -> None: ...

    def waited(self, run_id: str, seconds: float, partial: bool) -> None:
        """How long the run waited for its sources, and whether it computed before they caught up."""

    def add_results(self, results: list[ClassificationResult]) -> None: ...

    def finish(self, run_id: str, customers: int, negative: int, at: datetime) -> None: ...

    def results(self, run_id: str, page: Page) -> tuple[list[ClassificationResult], int]: ...

    def history(
        self, counterparty_id: str, page: Page
    ) -> tuple[list[tuple[ClassificationResult, ClassificationRun]], int]: ...


class ScheduleRepository(Protocol):
    def classification(self) -> ClassificationSchedule | None: ...

    def put_classification(self, schedule: ClassificationSchedule) -> None: ...

    def training(self) -> TrainingSchedule | None: ...

    def put_training(self, schedule: TrainingSchedule) -> None: ...


class WinModelRepository(Protocol):
    def has_run_key(self, run_key: str) -> bool: ...

    def next_version(self) -> int: ...

    def add(self, version: WinModelVersion) -> bool:
        """False when its version or run key was taken a moment ago."""
        ...

    def get(self, version: int) -> WinModelVersion | None: ...

    def current(self) -> WinModelVersion | None:
        """The promoted version, else the newest."""
        ...

    def promoted(self) -> int | None: ...

    def model(self, version: int) -> WinModel: ...

    def claim(self, version: int) -> bool: ...

    def waited(self, version: int, seconds: float, partial: bool) -> None:
        """How long the training waited for its sources, and whether it went on without all."""

    def fail(self, version: int, reason: str, at: datetime) -> None: ...

    def finish(self, trained: WinModelVersion) -> None:
        """Stores a done training; a promoted one is the only promoted version."""
        ...


class DealScoreRepository(Protocol):
    def keep(self, score: Score, at: datetime) -> None: ...


class FactsView(Protocol):
    def totals(self, parameter: str, first: date, last: date) -> dict[str, float]: ...

    def customer_figures(
        self, parameter: str, first: date, last: date, period: str
    ) -> CustomerFigures: ...


class WinFeaturesView(Protocol):
    def closed(self, first: date, last: date) -> ClosedDeals: ...

    def open_now(self, deal_ids: list[str], now: datetime) -> Deals: ...

    def examples(self, deals: Deals) -> Examples: ...

    def status_of(self, deal_id: str) -> str | None: ...

    def stage_baseline(self) -> StageBaseline: ...

    def positions_now(self, deal_ids: list[str]) -> NDArray[np.int64]: ...


class ReportsView(Protocol):
    def lost_deals(self, column: str, first: date | None, last: date | None) -> Report: ...

    def failed_orders(
        self, column: str, first: date | None, last: date | None
    ) -> tuple[Report, int]: ...

    def managers(self, first: date, last: date) -> Report: ...

    def campaigns(self) -> Report: ...


class PipelineReportsView(Protocol):
    def funnel(self, pipeline_id: str, wanted: DealSlice) -> dict[str, Any] | None:
        """None: the pipeline has no stage here."""
        ...

    def deal_outcomes(self, group_by: str, wanted: DealSlice) -> list[DealOutcome]: ...

    def bottlenecks(self, pipeline_id: str, now: datetime) -> dict[str, Any] | None: ...

    def unfinished(self, group_by: str, pipeline_id: str | None, today: date) -> Report: ...

    def closing_plan(
        self,
        first: date,
        last: date,
        pipeline_id: str | None,
        owner_id: str | None,
        page: Page,
    ) -> tuple[Report, int]: ...


class WatermarksView(Protocol):
    def applied(self) -> dict[tuple[str, str], int]:
        """(producer, event type) -> the number up to which every event has been applied."""


class EventSources(Protocol):
    """The services whose events analytics reads, asked how far they have published."""

    def positions(
        self, producer: str, event_types: list[str], applied_up_to: dict[str, int]
    ) -> list[TypePosition]: ...


class AnalyticsUnitOfWork(unit_of_work.UnitOfWork, Protocol):
    # read-only: an adapter may hold any object that does what the Protocol says
    @property
    def classification_runs(self) -> ClassificationRunRepository: ...
    @property
    def schedules(self) -> ScheduleRepository: ...
    @property
    def win_models(self) -> WinModelRepository: ...
    @property
    def deal_scores(self) -> DealScoreRepository: ...
    @property
    def facts(self) -> FactsView: ...
    @property
    def win_features(self) -> WinFeaturesView: ...
    @property
    def reports(self) -> ReportsView: ...
    @property
    def pipelines(self) -> PipelineReportsView: ...
    @property
    def watermarks(self) -> WatermarksView: ...

    def flush(self) -> None:
        """Writes what was published so far, keeping the transaction open (a long run tells
        its parts as it goes, in bounded memory)."""
        ...
