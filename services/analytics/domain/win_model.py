"""Win probability (../shared/ANALYTICS.md "Win probability"): the stage baseline and a model
learnt from closed deals, both pure numpy + scikit-learn, stored as plain numbers (no pickle).

The model is additive in the log-odds, as a generalised additive model: every numeric feature
enters through a piecewise-linear curve (standardised value plus hinges at training quantiles),
every categorical one through one weight per value; a logistic regression fits all the weights at
once and a sigmoid (Platt) calibration is fitted on out-of-fold scores. Being additive, the
effect of each feature on a deal's log-odds (against the average training deal) is exact, which
gives the factors; scoring is a handful of numpy operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

Floats = NDArray[np.float64]

NUMERIC: tuple[str, ...] = (
    "log_amount",  # log1p(amount), 0 when none
    "days_open",  # days since the deal was created, at scoring time
    "days_in_stage",  # days in its current stage, at scoring time
    "stage_progress",  # position of the current stage / (stages in pipeline - 1), 0..1
    "won_before",  # the counterparty's deals won before scoring time
    "lost_before",
    "invoices_before",  # the counterparty's invoices before scoring time
    "owner_win_rate",  # the owner's won/(won+lost) before scoring time, Laplace-smoothed
    "interactions_30d",  # interactions with the counterparty in the 30 days before
    "days_since_interaction",  # capped at 365; 365 when none
    "competitor_present",  # 0/1: a participant with role competitor
    "influencer_attitude",  # mean attitude of the participants, -1..1, 0 when none
    "from_campaign",  # 0/1
    "overdue_tasks",  # open tasks of the deal past due at scoring time
)
# "stage" is "<pipeline_id>:<stage_id>"; "" is unknown.
CATEGORICAL: tuple[str, ...] = ("stage", "abc", "xyz", "client_status")
AFTER_CLOSING: frozenset[str] = frozenset(
    {
        "closed_at",
        "status",
        "won",
        "lost",
        "outcome",
        "lost_reason_id",
        "lost_to_competitor_id",
        "lost_comment",
        "won_at",
        "lost_at",
        "actual_amount",
        "days_to_close",
    }
)
KNOT_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
FOLDS = 3  # for the out-of-fold scores the calibration learns from
KIND = "additive-logistic"
VERSION = 1


@dataclass(frozen=True)
class Examples:
    """Deals as features at scoring time, one entry per deal; exactly the names of NUMERIC and
    CATEGORICAL. A name that only exists after closing is refused: it would leak the outcome."""

    numeric: dict[str, np.ndarray]
    categorical: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        _check_names(set(self.numeric) | set(self.categorical))
        _check_kinds(self.numeric, NUMERIC, "numeric")
        _check_kinds(self.categorical, CATEGORICAL, "categorical")
        numeric = {name: np.asarray(self.numeric[name], dtype=np.float64) for name in NUMERIC}
        categorical = {name: np.asarray(self.categorical[name]).astype(str) for name in CATEGORICAL}
        sizes = {len(values) for values in (*numeric.values(), *categorical.values())}
        if len(sizes) > 1:
            raise ValueError(f"every feature needs one value per deal; got lengths {sorted(sizes)}")
        if any(values.ndim != 1 for values in (*numeric.values(), *categorical.values())):
            raise ValueError("every feature needs a one-dimensional array, one value per deal")
        for name, values in numeric.items():
            if not np.all(np.isfinite(values)):
                raise ValueError(
                    f"feature {name!r} has a missing or infinite value; fill a default"
                )
        object.__setattr__(self, "numeric", numeric)
        object.__setattr__(self, "categorical", categorical)

    def __len__(self) -> int:
        return len(self.numeric[NUMERIC[0]])

    def subset(self, rows: NDArray[Any]) -> Examples:
        """The deals picked by a boolean mask or an index array."""
        return Examples(
            {name: values[rows] for name, values in self.numeric.items()},
            {name: values[rows] for name, values in self.categorical.items()},
        )

    def matrix(self) -> Floats:
        return np.column_stack([self.numeric[name] for name in NUMERIC])


def _check_names(names: set[str]) -> None:
    leaking = sorted(names & AFTER_CLOSING)
    if leaking:
        raise ValueError(
            f"{', '.join(leaking)} only exist after a deal closes and cannot be features"
        )
    unknown = sorted(names - set(NUMERIC) - set(CATEGORICAL))
    if unknown:
        raise ValueError(f"unknown features {', '.join(unknown)}; features are NUMERIC+CATEGORICAL")


def _check_kinds(given: dict[str, Any], expected: tuple[str, ...], kind: str) -> None:
    if set(given) != set(expected):
        wrong = sorted(set(expected) ^ set(given))
        raise ValueError(f"{kind} features must be exactly {expected}; check {', '.join(wrong)}")


@dataclass(frozen=True)
class Category:
    """The weights of one categorical feature; `reference` is their mean over training deals,
    which is also what a value unseen in training gets (it is ignored)."""

    name: str
    values: NDArray[np.str_]  # sorted
    weights: Floats
    reference: float

    def contributions(self, column: NDArray[np.str_]) -> Floats:
        if len(self.values) == 0:
            return np.full(len(column), self.reference)
        at = np.minimum(np.searchsorted(self.values, column), len(self.values) - 1)
        return np.where(self.values[at] == column, self.weights[at], self.reference)


@dataclass(frozen=True)
class WinModel:
    """Calibrated P(won) = sigmoid(slope * (intercept + sum of feature curves) + offset)."""

    mean: Floats  # per numeric feature, of the training deals
    scale: Floats
    low: Floats  # values are clipped to the training range before the curves
    high: Floats
    knots: list[Floats]  # per numeric feature, in standardised units
    linear: Floats
    hinges: list[Floats]  # per numeric feature, one weight per knot
    numeric_reference: Floats  # mean curve value over training deals
    categories: tuple[Category, ...]
    intercept: float
    slope: float
    offset: float
    metrics: dict[str, float] = field(default_factory=dict)  # for the record, e.g. hold-out AUC
    _knots: Floats = field(init=False, repr=False, compare=False)
    _hinges: Floats = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        width = max((len(k) for k in self.knots), default=0)
        knots = np.full((len(NUMERIC), width), np.inf)
        hinges = np.zeros((len(NUMERIC), width))
        for i, (k, w) in enumerate(zip(self.knots, self.hinges, strict=True)):
            knots[i, : len(k)], hinges[i, : len(w)] = k, w
        object.__setattr__(self, "_knots", knots)
        object.__setattr__(self, "_hinges", hinges)

    @property
    def features(self) -> tuple[str, ...]:
        return NUMERIC + CATEGORICAL

    def probabilities(self, examples: Examples) -> Floats:
        effects = self._effects(examples)
        return _sigmoid(self._reference_logit() + effects.sum(axis=1))

    def factors(self, examples: Examples, top: int = 5) -> list[list[tuple[str, float]]]:
        """Per deal, the features that moved its log-odds most away from the average training
        deal, as (name, signed effect), largest first; a categorical one as "stage=<value>"."""
        effects = self._effects(examples)
        order = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :top]
        columns = [(c.name, examples.categorical[c.name]) for c in self.categories]
        rows = []
        for i, picked in enumerate(order):
            names = [*NUMERIC, *(f"{name}={column[i]}" for name, column in columns)]
            rows.append([(names[j], float(effects[i, j])) for j in picked])
        return rows

    def _effects(self, examples: Examples) -> Floats:
        """Per deal and feature (NUMERIC then CATEGORICAL), its effect on the calibrated log-odds
        against the average training deal."""
        numeric = self._curves(examples.matrix()) - self.numeric_reference
        categorical = [
            c.contributions(examples.categorical[c.name]) - c.reference for c in self.categories
        ]
        return self.slope * np.column_stack([numeric, *categorical])

    def _curves(self, x: Floats) -> Floats:
        z = (np.clip(x, self.low, self.high) - self.mean) / self.scale
        bends = np.maximum(z[:, :, None] - self._knots, 0.0)
        return z * self.linear + (bends * self._hinges).sum(axis=2)

    def _reference_logit(self) -> float:
        total = self.intercept + self.numeric_reference.sum()
        total += sum(c.reference for c in self.categories)
        return self.slope * float(total) + self.offset

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "version": VERSION,
            "features": list(self.features),
            "numeric": {
                name: {
                    "mean": float(self.mean[i]),
                    "scale": float(self.scale[i]),
                    "low": float(self.low[i]),
                    "high": float(self.high[i]),
                    "knots": [float(k) for k in self.knots[i]],
                    "linear": float(self.linear[i]),
                    "hinges": [float(w) for w in self.hinges[i]],
                    "reference": float(self.numeric_reference[i]),
                }
                for i, name in enumerate(NUMERIC)
            },
            "categorical": {
                c.name: {
                    "values": [str(v) for v in c.values],
                    "weights": [float(w) for w in c.weights],
                    "reference": float(c.reference),
                }
                for c in self.categories
            },
            "intercept": float(self.intercept),
            "calibration": {"slope": float(self.slope), "offset": float(self.offset)},
            "metrics": {k: float(v) for k, v in self.metrics.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WinModel:
        """Only numbers and strings are read; anything else is refused."""
        try:
            return _model_from_json(data)
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError(f"not a stored win model: {error!r}") from error


def _model_from_json(data: dict[str, Any]) -> WinModel:
    if data.get("kind") != KIND or data.get("version") != VERSION:
        raise ValueError(f"not a {KIND} win model of version {VERSION}")
    if tuple(data["features"]) != NUMERIC + CATEGORICAL:
        raise ValueError(f"the stored model uses other features: {data['features']}")
    num = [data["numeric"][name] for name in NUMERIC]

    def column(key: str) -> Floats:
        return _finite([n[key] for n in num], key)

    categories = []
    for name in CATEGORICAL:
        stored = data["categorical"][name]
        values = np.asarray([str(v) for v in stored["values"]], dtype=str)
        weights = _finite(stored["weights"], f"{name} weights")
        if len(values) != len(weights):
            raise ValueError(f"{name}: {len(values)} values but {len(weights)} weights")
        order = np.argsort(values)
        reference = float(_finite([stored["reference"]], name)[0])
        categories.append(Category(name, values[order], weights[order], reference))
    knots = [_finite(n["knots"], "knots") for n in num]
    hinges = [_finite(n["hinges"], "hinges") for n in num]
    if [len(k) for k in knots] != [len(w) for w in hinges]:
        raise ValueError("every knot needs one hinge weight")
    calibration = _finite([data["calibration"]["slope"], data["calibration"]["offset"]], "cal")
    return WinModel(
        column("mean"),
        column("scale"),
        column("low"),
        column("high"),
        knots,
        column("linear"),
        hinges,
        column("reference"),
        tuple(categories),
        float(_finite([data["intercept"]], "intercept")[0]),
        float(calibration[0]),
        float(calibration[1]),
        {str(k): float(v) for k, v in data.get("metrics", {}).items()},
    )


def _finite(values: Any, what: str) -> Floats:
    if not isinstance(values, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        raise ValueError(f"{what}: expected a list of numbers")
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what}: numbers must be finite")
    return array


def fit(examples: Examples, won: NDArray[Any], random_state: int = 0) -> WinModel:
    """Learn from closed deals (features as they were at scoring time, and the outcome)."""
    y = np.asarray(won, dtype=bool)
    if len(y) != len(examples):
        raise ValueError(f"{len(examples)} deals but {len(y)} outcomes")
    if min(int(y.sum()), int((~y).sum())) < FOLDS:
        raise ValueError(f"training needs at least {FOLDS} won and {FOLDS} lost deals")
    x = examples.matrix()
    low, high = x.min(axis=0), x.max(axis=0)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = (x - mean) / scale
    knots = [_knots(z[:, i]) for i in range(len(NUMERIC))]
    values = [np.unique(examples.categorical[name]) for name in CATEGORICAL]
    design = _design(z, knots, examples, values)
    regression = LogisticRegression(
        C=1.0, solver="newton-cholesky", max_iter=200, random_state=random_state
    )
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=random_state)
    scores = cross_val_predict(regression, design, y, cv=folds, method="decision_function")
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(scores[:, None], y)
    regression.fit(design, y)
    return _assemble(regression, platt, design, (mean, scale, low, high), knots, values)


def _knots(z: Floats) -> Floats:
    knots = np.unique(np.quantile(z, KNOT_QUANTILES))
    return knots[(knots > z.min()) & (knots < z.max())]


def _design(
    z: Floats, knots: list[Floats], examples: Examples, values: list[NDArray[np.str_]]
) -> Floats:
    columns = []
    for i, k in enumerate(knots):
        columns.append(z[:, i : i + 1])
        columns.append(np.maximum(z[:, i : i + 1] - k, 0.0))
    for name, vals in zip(CATEGORICAL, values, strict=True):
        columns.append((examples.categorical[name][:, None] == vals).astype(np.float64))
    return np.hstack(columns)


def _assemble(
    regression: LogisticRegression,
    platt: LogisticRegression,
    design: Floats,
    ranges: tuple[Floats, Floats, Floats, Floats],
    knots: list[Floats],
    values: list[NDArray[np.str_]],
) -> WinModel:
    weights = regression.coef_[0]
    means = design.mean(axis=0)
    linear, hinges, reference = [], [], []
    at = 0
    for k in knots:
        linear.append(weights[at])
        hinges.append(weights[at + 1 : at + 1 + len(k)].copy())
        reference.append(weights[at : at + 1 + len(k)] @ means[at : at + 1 + len(k)])
        at += 1 + len(k)
    categories = []
    for name, vals in zip(CATEGORICAL, values, strict=True):
        w = weights[at : at + len(vals)].copy()
        categories.append(Category(name, vals, w, float(w @ means[at : at + len(vals)])))
        at += len(vals)
    return WinModel(
        *ranges,
        knots,
        np.asarray(linear),
        hinges,
        np.asarray(reference),
        tuple(categories),
        float(regression.intercept_[0]),
        float(platt.coef_[0, 0]),
        float(platt.intercept_[0]),
    )


@dataclass(frozen=True)
class StageBaseline:
    """Per pipeline, closed deals counted by the furthest stage position they reached, and the
    won among them. P(won | at position p) = (won that reached >= p + 1) / (closed that reached
    >= p + 2): the share of won among closed deals that reached the stage, Laplace-smoothed."""

    closed: dict[str, NDArray[np.int64]]  # pipeline -> closed deals by furthest position
    won: dict[str, NDArray[np.int64]]

    @classmethod
    def fit(
        cls, pipelines: NDArray[Any], furthest_positions: NDArray[Any], won: NDArray[Any]
    ) -> StageBaseline:
        pipelines = np.asarray(pipelines).astype(str)
        positions = np.asarray(furthest_positions, dtype=np.int64)
        outcome = np.asarray(won, dtype=bool)
        if not len(pipelines) == len(positions) == len(outcome):
            raise ValueError("pipelines, positions and outcomes need one entry per closed deal")
        if np.any(positions < 0):
            raise ValueError("stage positions start at 0")
        closed, won_counts = {}, {}
        for pipeline in np.unique(pipelines):
            mine = pipelines == pipeline
            closed[str(pipeline)] = np.bincount(positions[mine])
            won_counts[str(pipeline)] = np.bincount(
                positions[mine & outcome], minlength=len(closed[str(pipeline)])
            )
        return cls(closed, won_counts)

    def probabilities(self, pipelines: NDArray[Any], positions: NDArray[Any]) -> Floats:
        pipelines = np.asarray(pipelines).astype(str)
        positions = np.maximum(np.asarray(positions, dtype=np.int64), 0)
        result = np.full(len(positions), 0.5)
        for pipeline in np.unique(pipelines):
            if str(pipeline) not in self.closed:
                continue
            mine = pipelines == pipeline
            reached = _reached(self.closed[str(pipeline)], positions[mine])
            won = _reached(self.won[str(pipeline)], positions[mine])
            result[mine] = (won + 1) / (reached + 2)
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "stage-baseline",
            "pipelines": {
                pipeline: {
                    "closed": self.closed[pipeline].tolist(),
                    "won": self.won[pipeline].tolist(),
                }
                for pipeline in sorted(self.closed)
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageBaseline:
        if data.get("kind") != "stage-baseline":
            raise ValueError("not a stored stage baseline")
        closed, won = {}, {}
        for pipeline, counts in data["pipelines"].items():
            closed[str(pipeline)] = _counts(counts["closed"])
            won[str(pipeline)] = _counts(counts["won"])
        return cls(closed, won)


def _counts(values: Any) -> NDArray[np.int64]:
    if not isinstance(values, list) or not all(type(v) is int and v >= 0 for v in values):
        raise ValueError("baseline counts must be lists of whole numbers")
    return np.asarray(values, dtype=np.int64)


def _reached(by_furthest: NDArray[np.int64], positions: NDArray[np.int64]) -> Floats:
    """How many deals reached at least each position: suffix sums of counts by furthest."""
    at_least = np.concatenate([np.cumsum(by_furthest[::-1])[::-1], [0]])
    return at_least[np.minimum(positions, len(by_furthest))].astype(np.float64)


def newest_share(order: NDArray[Any], share: float = 0.2) -> NDArray[np.bool_]:
    """The hold-out: the newest `share` of the deals by `order` (e.g. closed_at in seconds)."""
    if not 0 < share < 1:
        raise ValueError(f"the hold-out share must be between 0 and 1, not {share}")
    order = np.asarray(order, dtype=np.float64)
    count = round(len(order) * share)
    mask = np.zeros(len(order), dtype=bool)
    if count:
        mask[np.argsort(order, kind="stable")[-count:]] = True
    return mask


def metrics(probabilities: NDArray[Any], won: NDArray[Any]) -> dict[str, float]:
    outcome = np.asarray(won, dtype=bool)
    if outcome.all() or not outcome.any():
        raise ValueError("AUC needs both won and lost deals in the hold-out")
    return {
        "auc": float(roc_auc_score(outcome, probabilities)),
        "brier": float(brier_score_loss(outcome, probabilities)),
    }


def should_promote(
    candidate: dict[str, float], baseline: dict[str, float], current: dict[str, float] | None
) -> bool:
    """A model replaces the current one only if its hold-out AUC beats both the baseline's and
    the current model's (measured on the same hold-out)."""
    beats_current = current is None or candidate["auc"] > current["auc"]
    return candidate["auc"] > baseline["auc"] and beats_current


def _sigmoid(logit: Floats) -> Floats:
    return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)
