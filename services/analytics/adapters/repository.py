"""Repositories of what analytics keeps of its own: classification runs and their results, the
schedules, the win model's versions and the latest score of each deal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.paging import Page, paginate_rows
from services.analytics.adapters import orm
from services.analytics.domain import win_model
from services.analytics.domain.model import (
    ClassificationResult,
    ClassificationRun,
    ClassificationSchedule,
    Score,
    TrainingSchedule,
    WinModelVersion,
)

r, res = orm.classification_runs.c, orm.classification_results.c
w = orm.win_models.c
CLASSIFICATION, WIN_MODEL = "classification", "win_model"  # the one schedule of each


def _insert_once(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """False when a unique key was taken (a concurrent start); the transaction is then over."""
    try:
        session.execute(insert(table).values(**values))
    except IntegrityError:
        session.rollback()
        return False
    return True


def _claim(session: Session, table: Table, key: Any) -> bool:
    claimed = session.execute(
        update(table).where(key, table.c.status == "queued").values(status="running")
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _run(row: Mapping[Any, Any]) -> ClassificationRun:
    """From the run's columns (keyed by name, or by column where a join makes names collide)."""
    return ClassificationRun(
        id=row[r.id],
        parameter=row[r.parameter],
        period_from=row[r.period_from],
        period_to=row[r.period_to],
        abc_limits=(row[r.abc_limits][0], row[r.abc_limits][1]),
        xyz_limits=(row[r.xyz_limits][0], row[r.xyz_limits][1]),
        xyz_period=row[r.xyz_period],
        created_at=row[r.created_at],
        status=row[r.status],
        run_key=row[r.run_key],
        customers=row[r.customers],
        negative=row[r.negative],
        reason=row[r.reason],
        finished_at=row[r.finished_at],
        awaited=dict(row[r.awaited] or {}),
        wait_seconds=row[r.wait_seconds],
        partial_allowed=row[r.partial_allowed],
        waited_seconds=row[r.waited_seconds],
        partial=row[r.partial],
    )


def _result(row: Mapping[Any, Any]) -> ClassificationResult:
    return ClassificationResult(
        run_id=row[res.run_id],
        counterparty_id=row[res.counterparty_id],
        value=row[res.value],
        share=row[res.share],
        cumulative_share=row[res.cumulative_share],
        abc=row[res.abc],
        cv=row[res.cv],
        xyz=row[res.xyz],
        status=row[res.status],
    )


class SqlAlchemyClassificationRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run: ClassificationRun) -> bool:
        values = asdict(run) | {"abc_limits": list(run.abc_limits)}
        values["xyz_limits"] = list(run.xyz_limits)
        return _insert_once(self.session, orm.classification_runs, values)

    def has_run_key(self, run_key: str) -> bool:
        return self.session.scalar(select(r.id).where(r.run_key == run_key)) is not None

    def get(self, run_id: str) -> ClassificationRun | None:
        row = self.session.execute(select(orm.classification_runs).where(r.id == run_id)).first()
        return None if row is None else _run(row._mapping)

    def newest_first(self, page: Page) -> tuple[list[ClassificationRun], int]:
        query = select(orm.classification_runs).order_by(r.created_at.desc(), r.id)
        rows, total = paginate_rows(self.session, query, page)
        return [_run(row._mapping) for row in rows], total

    def claim(self, run_id: str) -> bool:
        return _claim(self.session, orm.classification_runs, r.id == run_id)

    def fail(self, run_id: str, reason: str, at: datetime) -> None:
        failed = {"status": "failed", "reason": reason, "finished_at": at}
        self.session.execute(update(orm.classification_runs).where(r.id == run_id).values(failed))

    def waited(self, run_id: str, seconds: float, partial: bool) -> None:
        waited = {"waited_seconds": seconds, "partial": partial}
        self.session.execute(update(orm.classification_runs).where(r.id == run_id).values(waited))

    def add_results(self, results: list[ClassificationResult]) -> None:
        if results:
            rows = [asdict(result) for result in results]
            self.session.execute(orm.classification_results.insert(), rows)

    def finish(self, run_id: str, customers: int, negative: int, at: datetime) -> None:
        done = {"status": "done", "customers": customers, "negative": negative, "finished_at": at}
        self.session.execute(update(orm.classification_runs).where(r.id == run_id).values(done))

    def results(self, run_id: str, page: Page) -> tuple[list[ClassificationResult], int]:
        query = (
            select(orm.classification_results)
            .where(res.run_id == run_id)
            .order_by(res.cumulative_share, res.counterparty_id)
        )
        rows, total = paginate_rows(self.session, query, page)
        return [_result(row._mapping) for row in rows], total

    def history(
        self, counterparty_id: str, page: Page
    ) -> tuple[list[tuple[ClassificationResult, ClassificationRun]], int]:
        """Every class the customer had in a run that was done, newest run first."""
        query = (
            select(orm.classification_results, orm.classification_runs)
            .join(orm.classification_runs, r.id == res.run_id)
            .where(res.counterparty_id == counterparty_id, r.status == "done")
            .order_by(r.created_at.desc())
        )
        rows, total = paginate_rows(self.session, query, page)
        return [(_result(row._mapping), _run(row._mapping)) for row in rows], total


class SqlAlchemyScheduleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def classification(self) -> ClassificationSchedule | None:
        s = orm.classification_schedules.c
        row = self.session.execute(
            select(orm.classification_schedules).where(s.name == CLASSIFICATION)
        ).first()
        if row is None:
            return None
        return ClassificationSchedule(
            cron=row.cron,
            parameter=row.parameter,
            window_months=row.window_months,
            abc_limits=(row.abc_limits[0], row.abc_limits[1]),
            xyz_limits=(row.xyz_limits[0], row.xyz_limits[1]),
            xyz_period=row.xyz_period,
            enabled=row.enabled,
            updated_at=row.updated_at,
        )

    def put_classification(self, schedule: ClassificationSchedule) -> None:
        values = asdict(schedule) | {"abc_limits": list(schedule.abc_limits)}
        values["xyz_limits"] = list(schedule.xyz_limits)
        self._put(orm.classification_schedules, CLASSIFICATION, values)

    def training(self) -> TrainingSchedule | None:
        s = orm.win_model_schedule.c
        row = self.session.execute(
            select(orm.win_model_schedule).where(s.name == WIN_MODEL)
        ).first()
        if row is None:
            return None
        return TrainingSchedule(row.cron, row.window_months, row.enabled, row.updated_at)

    def put_training(self, schedule: TrainingSchedule) -> None:
        self._put(orm.win_model_schedule, WIN_MODEL, asdict(schedule))

    def _put(self, table: Table, name: str, values: dict[str, Any]) -> None:
        if self.session.scalar(select(table.c.name).where(table.c.name == name)) is None:
            self.session.execute(table.insert().values(name=name, **values))
        else:
            self.session.execute(table.update().where(table.c.name == name).values(**values))


def _version(row: Row[Any]) -> WinModelVersion:
    return WinModelVersion(
        version=row.version,
        created_at=row.created_at,
        window_from=row.window_from,
        window_to=row.window_to,
        status=row.status,
        run_key=row.run_key,
        reason=row.reason,
        deals=row.deals,
        metrics=row.metrics,
        features=row.features,
        model=row.model,
        baseline=row.baseline,
        promoted=row.promoted,
        trained_at=row.trained_at,
        awaited=dict(row.awaited or {}),
        wait_seconds=row.wait_seconds,
        partial_allowed=row.partial_allowed,
        waited_seconds=row.waited_seconds,
        partial=row.partial,
    )


_LOADED: dict[tuple[str, int], win_model.WinModel] = {}


class SqlAlchemyWinModelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def has_run_key(self, run_key: str) -> bool:
        return self.session.scalar(select(w.version).where(w.run_key == run_key)) is not None

    def next_version(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(w.version), 0))) or 0) + 1

    def add(self, version: WinModelVersion) -> bool:
        return _insert_once(self.session, orm.win_models, asdict(version))

    def get(self, version: int) -> WinModelVersion | None:
        row = self.session.execute(select(orm.win_models).where(w.version == version)).first()
        return None if row is None else _version(row)

    def current(self) -> WinModelVersion | None:
        query = select(orm.win_models).order_by(w.promoted.desc(), w.version.desc()).limit(1)
        row = self.session.execute(query).first()
        return None if row is None else _version(row)

    def promoted(self) -> int | None:
        return self.session.scalar(select(w.version).where(w.promoted.is_(True)))

    def model(self, version: int) -> win_model.WinModel:
        """A trained version never changes: its JSON numbers (never a pickle) are read and
        turned into a model once per database and version, not on every score."""
        key = (str(self.session.get_bind().engine.url), version)
        if key not in _LOADED:
            stored: dict[str, Any] = self.session.execute(
                select(w.model).where(w.version == version)
            ).scalar_one()
            if len(_LOADED) >= 8:
                _LOADED.clear()
            _LOADED[key] = win_model.WinModel.from_json(stored)
        return _LOADED[key]

    def claim(self, version: int) -> bool:
        return _claim(self.session, orm.win_models, w.version == version)

    def waited(self, version: int, seconds: float, partial: bool) -> None:
        waited = {"waited_seconds": seconds, "partial": partial}
        self.session.execute(update(orm.win_models).where(w.version == version).values(waited))

    def fail(self, version: int, reason: str, at: datetime) -> None:
        failed = {"status": "failed", "reason": reason, "trained_at": at}
        self.session.execute(update(orm.win_models).where(w.version == version).values(failed))

    def finish(self, trained: WinModelVersion) -> None:
        if trained.promoted:
            self.session.execute(update(orm.win_models).values(promoted=False))
        done = {
            "status": trained.status,
            "deals": trained.deals,
            "metrics": trained.metrics,
            "features": trained.features,
            "model": trained.model,
            "baseline": trained.baseline,
            "promoted": trained.promoted,
            "trained_at": trained.trained_at,
        }
        self.session.execute(
            update(orm.win_models).where(w.version == trained.version).values(done)
        )


class SqlAlchemyDealScoreRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keep(self, score: Score, at: datetime) -> None:
        values = {
            "probability": score.probability,
            "model_version": score.model_version,
            "factors": [[name, effect] for name, effect in score.factors],
            "scored_at": at,
        }
        stored = orm.deal_scores.c
        changed = self.session.execute(
            update(orm.deal_scores).where(stored.deal_id == score.deal_id).values(**values)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(orm.deal_scores.insert().values(deal_id=score.deal_id, **values))
