"""The win probability of open deals: a model trained on the closed ones, kept only when it
beats the stage baseline and the model before it on the newest fifth of the history
(ANALYTICS.md, "Win probability")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm.events.v1 import analytics_pb2 as events
from crmkit.errors import InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.outbox import Outbox
from services.analytics.adapters import orm
from services.analytics.adapters.win_features import SqlAlchemyWinFeatures
from services.analytics.domain import win_model
from services.analytics.service_layer.classification import AREA
from services.analytics.service_layer.jobs import run_once

MIN_CLOSED_DEALS = 40  # fewer closed deals in the window: the stage baseline answers
w, d, st = orm.win_models.c, orm.deals.c, orm.stages.c


class TooLittleHistory(Exception):
    """Not a fault: the training is recorded as failed with this reason, the baseline answers."""


def now() -> datetime:
    return datetime.now(UTC)


def request_training(
    sessions: sessionmaker[Session],
    actor: Identity,
    at: datetime,
    window_months: int = 24,
    run_key: str | None = None,
) -> int | None:
    """A queued training over the last `window_months` before `at`; None when the run key was
    used before (a scheduled tick trains once)."""
    actor.require_writer(AREA)
    if not 1 <= window_months <= 120:
        raise InvalidInput.field("window_months", "must be between 1 and 120")
    first = (at - timedelta(days=round(window_months * 30.44))).date()
    try:
        with sessions.begin() as session:
            if run_key and session.scalar(select(w.version).where(w.run_key == run_key)):
                return None
            version = int(session.scalar(select(func.coalesce(func.max(w.version), 0))) or 0) + 1
            values = {"version": version, "status": "queued", "run_key": run_key, "created_at": at}
            values |= {"window_from": first, "window_to": at.date(), "deals": 0, "promoted": False}
            session.execute(orm.win_models.insert().values(**values))
    except IntegrityError:
        return None  # another request took this version or run key a moment ago
    return version


def execute_training(sessions: sessionmaker[Session], version: int, at: datetime) -> None:
    """Trains, measures on the hold-out, promotes when better; a failure is recorded (too
    little history is an outcome the baseline answers for, not a fault)."""

    def train(session: Session) -> None:
        _train(session, version, at)

    run_once(
        sessions, orm.win_models, w.version, version, train, {"trained_at": at}, (TooLittleHistory,)
    )


def _train(session: Session, version: int, at: datetime) -> None:
    row = session.execute(select(orm.win_models).where(w.version == version)).one()
    closed = SqlAlchemyWinFeatures(session).closed(row.window_from, row.window_to)
    held = win_model.newest_share(closed.closed)
    if len(closed.won) < MIN_CLOSED_DEALS or _one_outcome(closed.won[held], closed.won[~held]):
        raise TooLittleHistory(
            f"too little history: {len(closed.won)} closed deals from {row.window_from} to "
            f"{row.window_to}, with both outcomes; at least {MIN_CLOSED_DEALS} are needed, "
            "and until then the stage baseline answers"
        )
    learn = ~held
    model = win_model.fit(closed.examples.subset(np.flatnonzero(learn)), closed.won[learn])
    baseline = win_model.StageBaseline.fit(
        closed.pipelines[learn], closed.furthest[learn], closed.won[learn]
    )
    test = closed.examples.subset(np.flatnonzero(held))
    found = {
        "model": win_model.metrics(model.probabilities(test), closed.won[held]),
        "baseline": win_model.metrics(
            baseline.probabilities(closed.pipelines[held], closed.positions[held]), closed.won[held]
        ),
    }
    current = _promoted(session)
    if current is not None:
        rival = _model(session, current)
        found["current"] = win_model.metrics(rival.probabilities(test), closed.won[held])
    promote = win_model.should_promote(found["model"], found["baseline"], found.get("current"))
    if promote:
        session.execute(update(orm.win_models).values(promoted=False))
    done = {
        "status": "done",
        "deals": len(closed.won),
        "metrics": found | {"held_out": int(held.sum())},
        "features": list(model.features),
        "model": model.to_json(),
        "baseline": baseline.to_json(),
        "promoted": promote,
        "trained_at": at,
    }
    session.execute(update(orm.win_models).where(w.version == version).values(**done))


def _one_outcome(*parts: np.ndarray) -> bool:
    return any(part.all() or not part.any() for part in parts)


def _promoted(session: Session) -> int | None:
    """The version of the promoted model (None: the stage baseline answers)."""
    return session.scalar(select(w.version).where(w.promoted.is_(True)))


_LOADED: dict[tuple[str, int], win_model.WinModel] = {}


def _model(session: Session, version: int) -> win_model.WinModel:
    """A trained version never changes: its JSON numbers (never a pickle) are read and turned
    into a model once per database and version, not on every score."""
    key = (str(session.get_bind().engine.url), version)
    if key not in _LOADED:
        stored: dict[str, Any] = session.execute(
            select(w.model).where(w.version == version)
        ).scalar_one()
        if len(_LOADED) >= 8:
            _LOADED.clear()
        _LOADED[key] = win_model.WinModel.from_json(stored)
    return _LOADED[key]


def get_training(sessions: sessionmaker[Session], version: int | None) -> Any:
    """A training by version; without one, the promoted model (or the newest training)."""
    with sessions() as session:
        query = select(orm.win_models)
        if version is not None:
            query = query.where(w.version == version)
        else:
            query = query.order_by(w.promoted.desc(), w.version.desc())
        row = session.execute(query.limit(1)).first()
    if row is None:
        raise NotFound("no win model has been trained yet; the stage baseline answers")
    return row


@dataclass(frozen=True)
class Score:
    deal_id: str
    probability: float
    model_version: int | None  # None: the stage baseline
    factors: list[tuple[str, float]]
    answered_by: str = "model"  # model | baseline | outcome


def score(session: Session, deal_ids: list[str], at: datetime) -> list[Score]:
    """Open deals scored now: by the promoted model, or by the stage baseline without one."""
    features = SqlAlchemyWinFeatures(session)
    deals = features.open_now(deal_ids, at)
    if not len(deals.ids):
        return []
    promoted = _promoted(session)
    if promoted is not None:
        model = _model(session, promoted)
        examples = features.examples(deals)
        chances = model.probabilities(examples)
        factors = model.factors(examples)
        return [
            Score(str(deal), float(p), promoted, f)
            for deal, p, f in zip(deals.ids.tolist(), chances, factors, strict=True)
        ]
    baseline = _baseline_now(session)
    positions = _positions(session, deals.ids.tolist())
    chances = baseline.probabilities(deals.pipelines, positions)
    return [
        Score(str(deal), float(p), None, [], "baseline")
        for deal, p in zip(deals.ids, chances, strict=True)
    ]


def _baseline_now(session: Session) -> win_model.StageBaseline:
    """Stage frequencies of every closed deal, counted by the database."""
    rows = session.execute(
        select(d.pipeline_id, d.furthest_position, d.status, func.count())
        .where(d.status.in_(("won", "lost")))
        .group_by(d.pipeline_id, d.furthest_position, d.status)
    ).all()
    counts = np.array([row[3] for row in rows], dtype=np.int64)
    return win_model.StageBaseline.fit(
        np.repeat(np.array([row[0] for row in rows], dtype=np.str_), counts),
        np.repeat(np.array([row[1] or 0 for row in rows], dtype=np.int64), counts),
        np.repeat(np.array([row[2] == "won" for row in rows], dtype=bool), counts),
    )


def _positions(session: Session, deal_ids: list[str]) -> np.ndarray:
    query = select(d.id, st.position).join(orm.stages, st.id == d.stage_id)
    found = {row[0]: row[1] for row in session.execute(query.where(d.id.in_(deal_ids)))}
    return np.array([found.get(deal, 0) for deal in deal_ids], dtype=np.int64)


def score_and_tell(session: Session, deal_id: str, at: datetime) -> Score | None:
    """After a deal changed: its fresh score, kept and published as analytics.deal.scored."""
    found = score(session, [deal_id], at)
    if not found:
        return None
    [fresh] = found
    values = {
        "probability": fresh.probability,
        "model_version": fresh.model_version,
        "factors": [[name, effect] for name, effect in fresh.factors],
        "scored_at": at,
    }
    stored = orm.deal_scores.c
    changed = session.execute(
        update(orm.deal_scores).where(stored.deal_id == deal_id).values(**values)
    )
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(orm.deal_scores.insert().values(deal_id=deal_id, **values))
    message = events.DealScored(
        deal_id=deal_id, probability=fresh.probability, scored_at=at.isoformat()
    )
    if fresh.model_version is not None:
        message.model_version = fresh.model_version
    for name, effect in fresh.factors:
        message.factors.add(name=name, effect=effect)
    Outbox(orm.outbox, "analytics").add(session, "analytics.deal.scored", deal_id, message)
    return fresh


def win_probability(sessions: sessionmaker[Session], deal_id: str, at: datetime) -> Score:
    """A deal's chance now; a closed deal has its outcome: 1 won, 0 lost."""
    with sessions() as session:
        status = session.scalar(select(d.status).where(d.id == deal_id))
        if status is None:
            raise NotFound.of("deal", deal_id)
        if status != "open":
            return Score(deal_id, 1.0 if status == "won" else 0.0, None, [], "outcome")
        return score(session, [deal_id], at)[0]
