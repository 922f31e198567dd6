"""Small in-memory stand-ins for the analytics unit of work, for fast service-layer tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np

from crmkit.paging import Page
from services.analytics.domain.classification import CustomerFigures
from services.analytics.domain.model import (
    ClassificationResult,
    ClassificationRun,
    ClassificationSchedule,
    Score,
    TrainingSchedule,
    WinModelVersion,
)
from tests.fakes import FakeTransaction


def _page(items: list[Any], page: Page) -> tuple[list[Any], int]:
    return items[page.offset : page.offset + page.size], len(items)


class FakeClassificationRunRepository:
    def __init__(self) -> None:
        self.items: dict[str, ClassificationRun] = {}
        self.stored: list[ClassificationResult] = []

    def add(self, run: ClassificationRun) -> bool:
        self.items[run.id] = replace(run)
        return True

    def has_run_key(self, run_key: str) -> bool:
        return any(run.run_key == run_key for run in self.items.values())

    def get(self, run_id: str) -> ClassificationRun | None:
        return self.items.get(run_id)

    def newest_first(self, page: Page) -> tuple[list[ClassificationRun], int]:
        runs = sorted(self.items.values(), key=lambda run: run.created_at, reverse=True)
        return _page(runs, page)

    def claim(self, run_id: str) -> bool:
        if self.items[run_id].status != "queued":
            return False
        self.items[run_id].status = "running"
        return True

    def fail(self, run_id: str, reason: str, at: datetime) -> None:
        self.items[run_id].status, self.items[run_id].reason = "failed", reason

    def waited(self, run_id: str, seconds: float, partial: bool) -> None:
        self.items[run_id].waited_seconds, self.items[run_id].partial = seconds, partial

    def add_results(self, results: list[ClassificationResult]) -> None:
        self.stored.extend(results)

    def finish(self, run_id: str, customers: int, negative: int, at: datetime) -> None:
        run = self.items[run_id]
        run.status, run.customers, run.negative, run.finished_at = "done", customers, negative, at

    def results(self, run_id: str, page: Page) -> tuple[list[ClassificationResult], int]:
        return _page([r for r in self.stored if r.run_id == run_id], page)

    def history(
        self, counterparty_id: str, page: Page
    ) -> tuple[list[tuple[ClassificationResult, ClassificationRun]], int]:
        found = [
            (r, self.items[r.run_id])
            for r in self.stored
            if r.counterparty_id == counterparty_id and self.items[r.run_id].status == "done"
        ]
        return _page(found, page)


class FakeScheduleRepository:
    def __init__(self) -> None:
        self.classification_schedule: ClassificationSchedule | None = None
        self.training_schedule: TrainingSchedule | None = None

    def classification(self) -> ClassificationSchedule | None:
        return self.classification_schedule

    def put_classification(self, schedule: ClassificationSchedule) -> None:
        self.classification_schedule = schedule

    def training(self) -> TrainingSchedule | None:
        return self.training_schedule

    def put_training(self, schedule: TrainingSchedule) -> None:
        self.training_schedule = schedule


class FakeWinModelRepository:
    def __init__(self) -> None:
        self.items: dict[int, WinModelVersion] = {}

    def has_run_key(self, run_key: str) -> bool:
        return any(v.run_key == run_key for v in self.items.values())

    def next_version(self) -> int:
        return max(self.items, default=0) + 1

    def add(self, version: WinModelVersion) -> bool:
        self.items[version.version] = replace(version)
        return True

    def get(self, version: int) -> WinModelVersion | None:
        return self.items.get(version)

    def current(self) -> WinModelVersion | None:
        ordered = sorted(self.items.values(), key=lambda v: (v.promoted, v.version))
        return ordered[-1] if ordered else None

    def promoted(self) -> int | None:
        return next((v.version for v in self.items.values() if v.promoted), None)

    def model(self, version: int) -> Any:
        raise AssertionError("no trained model in these fakes")

    def claim(self, version: int) -> bool:
        if self.items[version].status != "queued":
            return False
        self.items[version].status = "running"
        return True

    def waited(self, version: int, seconds: float, partial: bool) -> None:
        self.items[version].waited_seconds, self.items[version].partial = seconds, partial

    def fail(self, version: int, reason: str, at: datetime) -> None:
        self.items[version].status, self.items[version].reason = "failed", reason

    def finish(self, trained: WinModelVersion) -> None:
        self.items[trained.version] = trained


class FakeDealScoreRepository:
    def __init__(self) -> None:
        self.kept: dict[str, Score] = {}

    def keep(self, score: Score, at: datetime) -> None:
        self.kept[score.deal_id] = score


class FakeFacts:
    """Customer figures given by the test: per customer, the parameter per period."""

    def __init__(self) -> None:
        self.periods: dict[str, list[float]] = {}

    def totals(self, parameter: str, first: date, last: date) -> dict[str, float]:
        return {customer: sum(values) for customer, values in self.periods.items()}

    def customer_figures(
        self, parameter: str, first: date, last: date, period: str
    ) -> CustomerFigures:
        ids = sorted(self.periods)
        values = [self.periods[i] for i in ids]
        return CustomerFigures(
            np.array(ids, dtype=np.str_),
            np.array([sum(v) for v in values], dtype=np.float64),
            np.array([sum(x * x for x in v) for v in values], dtype=np.float64),
            np.array([sum(1 for x in v if x) for v in values], dtype=np.int64),
            np.zeros(len(ids), dtype=np.bool_),
        )


class FakeWatermarks:
    def __init__(self) -> None:
        self.applied_up_to: dict[tuple[str, str], int] = {}

    def applied(self) -> dict[tuple[str, str], int]:
        return dict(self.applied_up_to)


class FakeUnitOfWork(FakeTransaction):
    def __init__(self) -> None:
        super().__init__()
        self.classification_runs = FakeClassificationRunRepository()
        self.schedules = FakeScheduleRepository()
        self.win_models = FakeWinModelRepository()
        self.deal_scores = FakeDealScoreRepository()
        self.facts = FakeFacts()
        self.win_features: Any = None  # the win model is tested on the real projections
        self.reports: Any = None
        self.pipelines: Any = None
        self.watermarks = FakeWatermarks()
