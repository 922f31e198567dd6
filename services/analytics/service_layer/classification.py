"""Classification runs: queued, run once, stored for ever, told to contacts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm.events.v1 import analytics_pb2 as events
from crmkit.errors import InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.outbox import Outbox
from crmkit.paging import Page, paginate_rows
from services.analytics.adapters import orm
from services.analytics.adapters.facts import SqlAlchemyFacts, period_index
from services.analytics.domain import classification as rules

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
    with sessions.begin() as session:
        claimed = session.execute(
            update(orm.classification_runs)
            .where(r.id == run_id, r.status == "queued")
            .values(status="running")
        )
        if claimed.rowcount == 0:  # type: ignore[attr-defined]
            return  # already running or done: a redelivered job changes nothing
    try:
        with sessions.begin() as session:
            _compute(session, _run(session, run_id), now)
    except Exception as error:
        with sessions.begin() as session:
            values = {"status": "failed", "reason": str(error)[:2000], "finished_at": now}
            session.execute(update(orm.classification_runs).where(r.id == run_id).values(**values))
        raise


def _compute(session: Session, run: Any, now: datetime) -> None:
    facts = SqlAlchemyFacts(session)
    ids = np.array(facts.customers(), dtype=np.str_)
    position = {customer: index for index, customer in enumerate(ids.tolist())}
    totals = facts.totals(run.parameter, run.period_from, run.period_to)
    values = np.array([totals.get(customer, 0.0) for customer in ids.tolist()])
    abc = rules.abc(values, ids, tuple(run.abc_limits))
    periods = int(period_index(np.array([run.period_to]), run.period_from, run.xyz_period)[0]) + 1
    series = np.zeros((len(ids), periods))
    rows = [
        row
        for row in facts.by_day(run.parameter, run.period_from, run.period_to)
        if row[0] in position
    ]
    if rows:
        where = np.array([position[row[0]] for row in rows])
        when = period_index(np.array([row[1] for row in rows]), run.period_from, run.xyz_period)
        np.add.at(series, (where, when), np.array([float(row[2]) for row in rows]))
    xyz = rules.xyz(series, tuple(run.xyz_limits))
    counts = facts.invoice_counts(run.period_from, run.period_to)
    before = facts.invoiced_before(run.period_from)
    statuses = rules.status(
        np.array([counts.get(c, 0) for c in ids.tolist()]),
        np.array([c in before for c in ids.tolist()]),
    )
    results = [
        {
            "run_id": run.id, "counterparty_id": customer, "value": values[i], "share": float(abc.share[i]),
            "cumulative_share": float(abc.cumulative_share[i]), "abc": str(abc.abc[i]),
            "cv": None if np.isnan(xyz.cv[i]) else float(xyz.cv[i]), "xyz": str(xyz.xyz[i]) or None, "status": str(statuses[i]),
        }
        for i, customer in enumerate(ids.tolist())
    ]  # fmt: skip
    if results:
        session.execute(orm.classification_results.insert(), results)
    done = {
        "status": "done",
        "customers": len(results),
        "negative": abc.negative,
        "finished_at": now,
    }
    session.execute(update(orm.classification_runs).where(r.id == run.id).values(**done))
    completed = events.ClassificationCompleted(run_id=run.id)
    for row in results:
        completed.classes.add(
            counterparty_id=row["counterparty_id"],
            abc=row["abc"],
            xyz=row["xyz"] or "",
            status=row["status"],
        )
    Outbox(orm.outbox, "analytics").add(
        session, "analytics.classification.completed", run.id, completed
    )


def _run(session: Session, run_id: str) -> Any:
    run = session.execute(select(orm.classification_runs).where(r.id == run_id)).first()
    if run is None:
        raise NotFound.of("classification run", run_id)
    return run


def get_run(sessions: sessionmaker[Session], run_id: str) -> Any:
    with sessions() as session:
        return _run(session, run_id)


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
