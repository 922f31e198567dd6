"""The win probability of open deals: a model trained on the closed ones, kept only when it
beats the stage baseline and the model before it on the newest fifth of the history
(ANALYTICS.md, "Win probability")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from crmkit.errors import InvalidInput, NotFound, found
from crmkit.identity import Identity
from services.analytics.domain import model as rules
from services.analytics.domain import win_model
from services.analytics.domain.commands import (
    ComputeWinModel,
    ScoreDeal,
    ScoreDeals,
    TrainWinModel,
)
from services.analytics.domain.events import DealScored
from services.analytics.domain.freshness import SourcesBehind
from services.analytics.domain.model import AREA, Score, WinModelVersion
from services.analytics.service_layer.freshness import (
    MAX_WAIT_SECONDS,
    REAL_TIME,
    Clock,
    wait_for_sources,
)
from services.analytics.service_layer.jobs import run_once
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork

MIN_CLOSED_DEALS = 40  # fewer closed deals in the window: the stage baseline answers


class TooLittleHistory(Exception):
    """Not a fault: the training is recorded as failed with this reason, the baseline answers."""


def now() -> datetime:
    return datetime.now(UTC)


def request_training(
    command: TrainWinModel,
    uow: AnalyticsUnitOfWork,
    actor: Identity,
    at: datetime,
    awaited: Mapping[str, int] | None = None,
) -> int | None:
    """A queued training over the last `window_months` before `at`, that will wait for the
    events its sources had published by now (`awaited`); None when the run key was used before
    (a scheduled tick trains once)."""
    actor.require_writer(AREA)
    rules.check_window_months(command.window_months)
    if not 0 <= command.wait_seconds <= MAX_WAIT_SECONDS:
        raise InvalidInput.field("wait_seconds", f"must be between 0 and {MAX_WAIT_SECONDS}")
    first = (at - timedelta(days=round(command.window_months * 30.44))).date()
    with uow:
        if command.run_key and uow.win_models.has_run_key(command.run_key):
            return None
        version = uow.win_models.next_version()
        queued = WinModelVersion(
            version,
            at,
            first,
            at.date(),
            run_key=command.run_key,
            awaited=dict(awaited or {}),
            wait_seconds=command.wait_seconds,
            partial_allowed=command.partial_allowed,
        )
        if not uow.win_models.add(queued):
            return None  # another request took this version or run key a moment ago
        uow.commit()
    return version


def execute_training(
    command: ComputeWinModel, uow: AnalyticsUnitOfWork, at: datetime, clock: Clock = REAL_TIME
) -> None:
    """Waits until analytics has applied what its sources had published when the training was
    asked for, then trains, measures on the hold-out, promotes when better; a failure is
    recorded (too little history, or sources still behind, is an outcome, not a fault)."""
    version = command.version

    def wait(uow: AnalyticsUnitOfWork) -> None:
        wait_for_sources(
            uow,
            lambda uow: found(uow.win_models.get(version), "win model version", str(version)),
            lambda uow, waited, partial: uow.win_models.waited(version, waited, partial),
            clock,
        )

    run_once(
        uow,
        lambda uow: uow.win_models.claim(version),
        lambda uow: _train(uow, version, at),
        lambda uow, reason: uow.win_models.fail(version, reason, at),
        (TooLittleHistory, SourcesBehind),
        before=wait,
    )


def _train(uow: AnalyticsUnitOfWork, version: int, at: datetime) -> None:
    queued = uow.win_models.get(version)
    if queued is None or queued.window_from is None or queued.window_to is None:
        raise NotFound.of("win model version", str(version))
    first, last = queued.window_from, queued.window_to
    closed = uow.win_features.closed(first, last)
    held = win_model.newest_share(closed.closed)
    if len(closed.won) < MIN_CLOSED_DEALS or _one_outcome(closed.won[held], closed.won[~held]):
        raise TooLittleHistory(
            f"too little history: {len(closed.won)} closed deals from {first} to "
            f"{last}, with both outcomes; at least {MIN_CLOSED_DEALS} are needed, "
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
    current = uow.win_models.promoted()
    if current is not None:
        rival = uow.win_models.model(current)
        found["current"] = win_model.metrics(rival.probabilities(test), closed.won[held])
    queued.status, queued.deals, queued.trained_at = "done", len(closed.won), at
    queued.metrics = found | {"held_out": int(held.sum())}
    queued.features, queued.model = list(model.features), model.to_json()
    queued.baseline = baseline.to_json()
    queued.promoted = win_model.should_promote(
        found["model"], found["baseline"], found.get("current")
    )
    uow.win_models.finish(queued)


def _one_outcome(*parts: np.ndarray) -> bool:
    return any(part.all() or not part.any() for part in parts)


def get_training(uow: AnalyticsUnitOfWork, version: int | None) -> WinModelVersion:
    """A training by version; without one, the promoted model (or the newest training)."""
    with uow:
        found = uow.win_models.current() if version is None else uow.win_models.get(version)
    if found is None:
        raise NotFound("no win model has been trained yet; the stage baseline answers")
    return found


def score(uow: AnalyticsUnitOfWork, deal_ids: list[str], at: datetime) -> list[Score]:
    """Open deals scored now (inside an open unit of work): by the promoted model, or by the
    stage baseline without one."""
    return score_at(uow, dict.fromkeys(deal_ids, at))


def score_at(uow: AnalyticsUnitOfWork, moments: Mapping[str, datetime]) -> list[Score]:
    """Open deals scored each as of its own moment, all at once: what `score` gives each one
    alone at that moment, for the price of one read per kind of fact."""
    if not moments:
        return []
    deals = uow.win_features.open_now(list(moments), max(moments.values()))
    if not len(deals.ids):
        return []
    at = [int(moments[deal].timestamp()) for deal in deals.ids.tolist()]
    deals = replace(deals, at=np.array(at, dtype=np.int64))
    promoted = uow.win_models.promoted()
    if promoted is not None:
        model = uow.win_models.model(promoted)
        examples = uow.win_features.examples(deals)
        chances = model.probabilities(examples)
        factors = model.factors(examples)
        return [
            Score(str(deal), float(p), promoted, f)
            for deal, p, f in zip(deals.ids.tolist(), chances, factors, strict=True)
        ]
    baseline = uow.win_features.stage_baseline()
    positions = uow.win_features.positions_now(deals.ids.tolist())
    chances = baseline.probabilities(deals.pipelines, positions)
    return [
        Score(str(deal), float(p), None, [], "baseline")
        for deal, p in zip(deals.ids.tolist(), chances, strict=True)
    ]


def score_and_tell(command: ScoreDeal, uow: AnalyticsUnitOfWork, at: datetime) -> Score | None:
    """After a deal changed: its fresh score, kept and published as analytics.deal.scored."""
    found = score_and_tell_many(ScoreDeals({command.deal_id: at}), uow)
    return found[0] if found else None


def score_and_tell_many(command: ScoreDeals, uow: AnalyticsUnitOfWork) -> list[Score]:
    """After a batch of events: every deal they changed scored once, as of its last change, kept
    and published as analytics.deal.scored. A deal changed three times in the batch is scored
    once; the scores before its last change would have been replaced within the batch anyway."""
    if not command.moments:
        return []
    with uow:
        found = score_at(uow, command.moments)
        for fresh in found:
            at = command.moments[fresh.deal_id]
            uow.deal_scores.keep(fresh, at)
            uow.publish(
                DealScored(
                    fresh.deal_id, fresh.probability, fresh.model_version, tuple(fresh.factors), at
                )
            )
        uow.commit()
    return found


def win_probability(uow: AnalyticsUnitOfWork, deal_id: str, at: datetime) -> Score:
    """A deal's chance now; a closed deal has its outcome: 1 won, 0 lost."""
    with uow:
        status = uow.win_features.status_of(deal_id)
        if status is None:
            raise NotFound.of("deal", deal_id)
        if status != "open":
            return Score(deal_id, 1.0 if status == "won" else 0.0, None, [], "outcome")
        return score(uow, [deal_id], at)[0]
