"""Classification runs: queued, run once, stored for ever, told to contacts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm.events.v1 import analytics_pb2 as events
from crmkit.errors import InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.outbox import Outbox
from crmkit.paging import Page, paginate_rows
from services.analytics.adapters import orm
from services.analytics.adapters.facts import SqlAlchemyFacts
from services.analytics.domain import classification as rules
from services.analytics.service_layer.jobs import run_once

AREA = "analytics"


def now() -> datetime:
    return datetime.now(UTC)


PARAMETERS = ("revenue", "gross_profit", "quantity")
r, res = orm.classification_runs.c, orm.classification_results.c


MAX_WINDOW = timedelta(days=3700)  # about ten years


def check_window(first: date, last: date) -> None:
    """A window the figures make sense over, and one the equal window before it fits under."""
    if last < first:
        raise InvalidInput.field("period_to", "comes before period_from")
    if last - first > MAX_WINDOW:
        raise InvalidInput.field("period_to", "the window may span ten years at most")
    if first < date(1900, 1, 1) + MAX_WINDOW:
        raise InvalidInput.field("period_from", "must be after 1910")


@dataclass(frozen=True)
class RunRequest:
    parameter: str
    period_from: date
    period_to: date
    abc_limits: tuple[float, float] = (80, 95)
    xyz_limits: tuple[float, float] = (10, 25)
    xyz_period: str = "month"
    run_key: str | None = field(default=None)

    def check(self) -> None:
        if self.parameter not in PARAMETERS:
            raise InvalidInput.field("parameter", f"must be one of {', '.join(PARAMETERS)}")
        check_window(self.period_from, self.period_to)
        low, high = self.abc_limits
        if not 0 < low < high <= 100:
            raise InvalidInput.field(
                "abc_limits", "two increasing percentages up to 100, e.g. [80, 95]"
            )
        low, high = self.xyz_limits
        if not 0 < low < high:
            raise InvalidInput.field("xyz_limits", "two increasing percentages, e.g. [10, 25]")
        if self.xyz_period not in ("month", "quarter"):
            raise InvalidInput.field("xyz_period", "must be month or quarter")


def start_run(
    sessions: sessionmaker[Session], request: RunRequest, actor: Identity, now: datetime
) -> dict[str, Any] | None:
    """Stores a queued run; with a run key that was used before, returns None (never twice)."""
    actor.require_writer(AREA)
    request.check()
    run = {
        "id": str(uuid.uuid4()),
        "parameter": request.parameter,
        "period_from": request.period_from,
        "period_to": request.period_to,
        "abc_limits": list(request.abc_limits),
        "xyz_limits": list(request.xyz_limits),
        "xyz_period": request.xyz_period,
        "status": "queued",
        "run_key": request.run_key,
        "customers": 0,
        "negative": 0,
        "created_at": now,
    }
    try:
        with sessions.begin() as session:
            if request.run_key and session.scalar(select(r.id).where(r.run_key == request.run_key)):
                return None
            session.execute(orm.classification_runs.insert().values(**run))
    except IntegrityError:
        return None  # another beat started this run key a moment ago
    return run


def execute_run(sessions: sessionmaker[Session], run_id: str, now: datetime) -> None:
    """Computes and stores the classes of every customer; a failure is recorded, not lost."""

    def compute(session: Session) -> None:
        _compute(session, _run(session, run_id), now)

    run_once(sessions, orm.classification_runs, r.id, run_id, compute, {"finished_at": now})


def _compute(session: Session, run: Any, now: datetime) -> None:
    figures = SqlAlchemyFacts(session).customer_figures(
        run.parameter, run.period_from, run.period_to, run.xyz_period
    )
    found = rules.classify(
        figures,
        rules.period_count(run.period_from, run.period_to, run.xyz_period),
        tuple(run.abc_limits),
        tuple(run.xyz_limits),
    )
    outbox = Outbox(orm.outbox, "analytics")
    for part in _parts(len(figures.ids)):  # bounded memory, and events of a sensible size
        rows = _result_rows(run.id, figures, found, part)
        if rows:
            session.execute(orm.classification_results.insert(), rows)
        outbox.add(session, "analytics.classification.completed", run.id, _completed(run.id, rows))
    done = {
        "status": "done",
        "customers": len(figures.ids),
        "negative": found.abc.negative,
        "finished_at": now,
    }
    session.execute(update(orm.classification_runs).where(r.id == run.id).values(**done))


CHUNK = 10_000  # result rows inserted, and classes told to contacts, at a time


def _parts(count: int) -> list[slice]:
    """Slices of at most CHUNK customers; one (empty) when there are none, so that a run
    always says it completed."""
    return [slice(start, start + CHUNK) for start in range(0, max(count, 1), CHUNK)]


def _result_rows(
    run_id: str, figures: rules.CustomerFigures, found: rules.Classes, part: slice
) -> list[dict[str, Any]]:
    abc, xyz = found.abc, found.xyz
    columns = zip(
        figures.ids[part].tolist(), figures.value[part].tolist(), abc.share[part].tolist(),
        abc.cumulative_share[part].tolist(), abc.abc[part].tolist(), xyz.cv[part].tolist(),
        xyz.xyz[part].tolist(), found.status[part].tolist(), strict=True,
    )  # fmt: skip
    return [
        {
            "run_id": run_id, "counterparty_id": customer, "value": value, "share": share,
            "cumulative_share": cumulative, "abc": abc_class, "cv": None if cv != cv else cv,
            "xyz": xyz_class or None, "status": status,
        }
        for customer, value, share, cumulative, abc_class, cv, xyz_class, status in columns
    ]  # fmt: skip


def _completed(run_id: str, rows: list[dict[str, Any]]) -> events.ClassificationCompleted:
    completed = events.ClassificationCompleted(run_id=run_id)
    for row in rows:
        completed.classes.add(
            counterparty_id=row["counterparty_id"],
            abc=row["abc"],
            xyz=row["xyz"] or "",
            status=row["status"],
        )
    return completed


def _run(session: Session, run_id: str) -> Any:
    run = session.execute(select(orm.classification_runs).where(r.id == run_id)).first()
    if run is None:
        raise NotFound.of("classification run", run_id)
    return run


def get_run(sessions: sessionmaker[Session], run_id: str) -> Any:
    with sessions() as session:
        return _run(session, run_id)


def list_runs(sessions: sessionmaker[Session], page: Page) -> tuple[list[Any], int]:
    """Newest first: the latest run is the one whose classes the customers carry now."""
    with sessions() as session:
        query = select(orm.classification_runs).order_by(r.created_at.desc(), r.id)
        return paginate_rows(session, query, page)


def results(sessions: sessionmaker[Session], run_id: str, page: Page) -> tuple[list[Any], int]:
    with sessions() as session:
        run = _run(session, run_id)
        query = (
            select(orm.classification_results)
            .where(res.run_id == run_id)
            .order_by(res.cumulative_share, res.counterparty_id)
        )
        rows, total = paginate_rows(session, query, page)
        return [(row, run) for row in rows], total


def history(
    sessions: sessionmaker[Session], counterparty_id: str, page: Page
) -> tuple[list[Any], int]:
    """Every class the customer had, newest run first."""
    with sessions() as session:
        query = (
            select(orm.classification_results, orm.classification_runs)
            .join(orm.classification_runs, r.id == res.run_id)
            .where(res.counterparty_id == counterparty_id, r.status == "done")
            .order_by(r.created_at.desc())
        )
        rows, total = paginate_rows(session, query, page)
        return [(row, row) for row in rows], total
