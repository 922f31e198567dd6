"""Synthetic closed deals whose win probability is known, for testing and benchmarking the win
model: the truth is a logistic function of the features as they were at scoring time (a snapshot
taken while the deal was open), additive but not linear, shaped like the habits of real sales:
later stages win more (differently per pipeline), deals stalled in a stage for more than three
weeks fade, mid-sized deals win more than tiny or huge ones, repeat customers and good owners win
more, a competitor or overdue tasks push down, recent contact helps with diminishing returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.analytics.domain.win_model import Examples

# pipeline id -> stage ids in order; the log-odds each position adds.
PIPELINES = {"1": (11, 12, 13, 14, 15), "2": (21, 22, 23, 24)}
STAGE_EFFECT = {"1": (-1.6, -0.8, 0.0, 0.7, 1.4), "2": (-1.2, -0.2, 0.6, 1.5)}
ABC_EFFECT = {"A": 0.4, "B": 0.1, "C": 0.0, "": -0.1}
XYZ_EFFECT = {"X": 0.2, "Y": 0.0, "Z": -0.1, "": 0.0}
STATUS_EFFECT = {"regular": 0.3, "one_time": 0.0, "potential": -0.2, "lost": -0.4}
DAY = 86_400.0
START = 1_700_000_000.0  # 2023-11-14, the first deal's creation


@dataclass(frozen=True)
class History:
    examples: Examples  # features at scoring time
    won: np.ndarray  # bool
    truth: np.ndarray  # the probability each deal was drawn with
    closed_at: np.ndarray  # seconds, the order of the hold-out
    pipelines: np.ndarray  # str
    positions: np.ndarray  # the stage position at scoring time
    furthest: np.ndarray  # the furthest position the closed deal reached


def _pick(rng: np.random.Generator, effects: dict[str, float], p: list[float], n: int):
    labels = np.array(list(effects))
    chosen = rng.choice(len(labels), n, p=p)
    return labels[chosen], np.array(list(effects.values()))[chosen]


def make_history(size: int, seed: int = 6) -> History:
    rng = np.random.default_rng(seed)
    pipeline = np.where(rng.random(size) < 0.6, "1", "2")
    stages = np.where(pipeline == "1", 5, 4)
    position = np.minimum(rng.geometric(0.45, size) - 1, stages - 1)
    stage_logit = np.where(
        pipeline == "1",
        np.take(STAGE_EFFECT["1"], np.minimum(position, 4)),
        np.take(STAGE_EFFECT["2"], np.minimum(position, 3)),
    )
    stage_id = np.where(
        pipeline == "1",
        np.take(PIPELINES["1"], np.minimum(position, 4)),
        np.take(PIPELINES["2"], np.minimum(position, 3)),
    )
    has_amount = rng.random(size) < 0.9
    log_amount = np.where(has_amount, rng.normal(12.0, 1.5, size).clip(2, 20), 0.0)
    days_in_stage = rng.exponential(20.0, size).round()
    days_open = days_in_stage + rng.gamma(1.0 + position, 12.0).round()
    loyalty = rng.gamma(1.0, 1.0, size)
    won_before = rng.poisson(loyalty * 1.5).astype(float)
    lost_before = rng.poisson(1.0, size).astype(float)
    invoices_before = rng.poisson(won_before * 4 + loyalty).astype(float)
    owner_win_rate = rng.beta(4, 6, size)
    interactions = rng.poisson(3.0, size).astype(float)
    since = np.where(interactions > 0, rng.integers(0, 30, size), rng.integers(30, 366, size))
    competitor = (rng.random(size) < 0.3).astype(float)
    attitude = np.where(rng.random(size) < 0.7, rng.uniform(-1, 1, size), 0.0)
    campaign = (rng.random(size) < 0.25).astype(float)
    overdue = rng.poisson(0.5, size).astype(float)
    abc, abc_logit = _pick(rng, ABC_EFFECT, [0.15, 0.2, 0.45, 0.2], size)
    xyz, xyz_logit = _pick(rng, XYZ_EFFECT, [0.2, 0.3, 0.3, 0.2], size)
    status, status_logit = _pick(rng, STATUS_EFFECT, [0.4, 0.2, 0.3, 0.1], size)

    amount_logit = np.where(has_amount, -0.15 * np.minimum((log_amount - 12.0) ** 2, 9.0), -0.3)
    logit = (
        -0.2
        + stage_logit
        + amount_logit
        - np.minimum(0.04 * np.maximum(days_in_stage - 21.0, 0.0), 2.0)
        - 0.005 * days_open
        + 0.5 * np.log1p(won_before)
        - 0.3 * np.log1p(lost_before)
        + 0.2 * np.log1p(invoices_before)
        + 3.0 * (owner_win_rate - 0.4)
        + 0.8 * (1.0 - np.exp(-interactions / 3.0))
        - 0.01 * np.minimum(since, 120)
        - 0.7 * competitor
        + 0.8 * attitude
        - 0.2 * campaign
        - 0.3 * overdue
        + abc_logit
        + xyz_logit
        + status_logit
    )
    truth = 1.0 / (1.0 + np.exp(-logit))
    won = rng.random(size) < truth
    last = stages - 1
    onward = np.minimum(position + rng.geometric(0.6, size) - 1, last)
    furthest = np.where(won, last, onward)
    created = START + rng.uniform(0, 730, size) * DAY
    closed_at = created + (days_open + rng.exponential(15.0, size)) * DAY
    examples = Examples(
        {
            "log_amount": log_amount,
            "days_open": days_open,
            "days_in_stage": days_in_stage,
            "stage_progress": position / last,
            "won_before": won_before,
            "lost_before": lost_before,
            "invoices_before": invoices_before,
            "owner_win_rate": owner_win_rate,
            "interactions_30d": interactions,
            "days_since_interaction": since.astype(float),
            "competitor_present": competitor,
            "influencer_attitude": attitude,
            "from_campaign": campaign,
            "overdue_tasks": overdue,
        },
        {
            "stage": np.char.add(np.char.add(pipeline, ":"), stage_id.astype(str)),
            "abc": abc,
            "xyz": xyz,
            "client_status": status,
        },
    )
    return History(examples, won, truth, closed_at, pipeline, position, furthest)
