"""The win model against synthetic histories whose true probabilities are known (ANALYTICS.md
"Win probability", issue #6)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from services.analytics.domain.win_model import (
    AFTER_CLOSING,
    CATEGORICAL,
    NUMERIC,
    Examples,
    StageBaseline,
    WinModel,
    fit,
    metrics,
    newest_share,
    should_promote,
)
from tests.analytics.win_synthetic import History, make_history


@dataclass(frozen=True)
class Trained:
    history: History
    hold_out: np.ndarray
    model: WinModel
    baseline: StageBaseline


@pytest.fixture(scope="module")
def trained() -> Trained:
    history = make_history(20_000, seed=11)
    hold_out = newest_share(history.closed_at)
    train = ~hold_out
    model = fit(history.examples.subset(train), history.won[train])
    baseline = StageBaseline.fit(
        history.pipelines[train], history.furthest[train], history.won[train]
    )
    return Trained(history, hold_out, model, baseline)


def hold_out_metrics(t: Trained) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    h, hold = t.history, t.hold_out
    model = metrics(t.model.probabilities(h.examples.subset(hold)), h.won[hold])
    baseline = metrics(t.baseline.probabilities(h.pipelines[hold], h.positions[hold]), h.won[hold])
    bayes = metrics(h.truth[hold], h.won[hold])
    return model, baseline, bayes


def one_deal(**changes: float | str) -> Examples:
    """A deal much like the average one of the synthetic history, changed as asked."""
    typical = {"log_amount": 12.0, "days_open": 30.0, "days_in_stage": 12.0, "won_before": 1.0}
    typical |= {"lost_before": 1.0, "invoices_before": 5.0, "owner_win_rate": 0.4}
    typical |= {"interactions_30d": 3.0, "days_since_interaction": 12.0}
    typical |= {"stage_progress": 0.5}  # the middle one of pipeline 1's five stages
    numeric = {name: np.array([typical.get(name, 0.0)]) for name in NUMERIC}
    categorical = {"stage": np.array(["1:13"]), "abc": np.array(["B"]), "xyz": np.array(["Y"])}
    categorical["client_status"] = np.array(["one_time"])
    for name, value in changes.items():
        (numeric if name in NUMERIC else categorical)[name] = np.array([value])
    return Examples(numeric, categorical)


def test_the_hold_out_is_the_newest_fifth_of_the_deals() -> None:
    order = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.0])
    assert newest_share(order).tolist() == [
        False, False, True, False, False, False, True, False, False, False
    ]  # fmt: skip


def test_the_model_ranks_deals_almost_as_well_as_the_true_probabilities(trained: Trained) -> None:
    model, _, bayes = hold_out_metrics(trained)
    assert model["auc"] > bayes["auc"] - 0.03


def test_the_model_ranks_deals_better_than_the_stage_baseline(trained: Trained) -> None:
    model, baseline, _ = hold_out_metrics(trained)
    assert model["auc"] > baseline["auc"] + 0.05
    assert should_promote(model, baseline, current=None)


def test_the_brier_score_is_reported_and_below_the_baseline(trained: Trained) -> None:
    model, baseline, bayes = hold_out_metrics(trained)
    assert 0 < bayes["brier"] <= model["brier"] < baseline["brier"]
    assert model["brier"] < bayes["brier"] + 0.01


def test_the_probabilities_are_calibrated(trained: Trained) -> None:
    h, hold = trained.history, trained.hold_out
    p = trained.model.probabilities(h.examples.subset(hold))
    won = h.won[hold]
    for low, high in ((0.0, 0.2), (0.2, 0.5), (0.5, 1.0)):
        band = (p >= low) & (p < high)
        assert abs(won[band].mean() - p[band].mean()) < 0.04


def test_a_stored_model_scores_exactly_as_the_trained_one(trained: Trained) -> None:
    stored = json.loads(json.dumps(trained.model.to_json()))
    again = WinModel.from_json(stored)
    examples = trained.history.examples.subset(trained.hold_out)
    assert np.array_equal(again.probabilities(examples), trained.model.probabilities(examples))
    assert again.factors(examples.subset(np.arange(20))) == trained.model.factors(
        examples.subset(np.arange(20))
    )


def test_a_stored_model_with_something_other_than_numbers_is_refused(trained: Trained) -> None:
    stored = trained.model.to_json()
    stored["numeric"]["log_amount"]["linear"] = "__import__('os')"
    with pytest.raises(ValueError, match="linear"):
        WinModel.from_json(stored)
    with pytest.raises(ValueError, match="not a stored win model"):
        WinModel.from_json({"kind": "additive-logistic", "version": 1})


def test_the_same_random_state_gives_the_same_model() -> None:
    history = make_history(3_000, seed=3)
    first = fit(history.examples, history.won, random_state=7)
    second = fit(history.examples, history.won, random_state=7)
    assert first.to_json() == second.to_json()


def test_training_without_enough_won_and_lost_deals_is_refused() -> None:
    history = make_history(200, seed=5)
    with pytest.raises(ValueError, match="at least 3 won and 3 lost"):
        fit(history.examples, np.zeros(200, dtype=bool))


def test_closed_at_cannot_enter_the_features() -> None:
    deal = one_deal()
    for leaking in ("closed_at", "lost_reason_id", "status"):
        assert leaking in AFTER_CLOSING
        with pytest.raises(ValueError, match=f"{leaking} only exist after a deal closes"):
            Examples(deal.numeric | {leaking: np.array([1.0])}, deal.categorical)
    with pytest.raises(ValueError, match="closed_at only exist after a deal closes"):
        Examples(deal.numeric, deal.categorical | {"closed_at": np.array(["2026-01-01"])})


def test_a_feature_outside_the_list_or_a_missing_value_is_refused() -> None:
    deal = one_deal()
    with pytest.raises(ValueError, match="unknown features colour"):
        Examples(deal.numeric | {"colour": np.array([1.0])}, deal.categorical)
    with pytest.raises(ValueError, match="'days_open' has a missing"):
        Examples(deal.numeric | {"days_open": np.array([np.nan])}, deal.categorical)
    without = {k: v for k, v in deal.categorical.items() if k != "abc"}
    with pytest.raises(ValueError, match="check abc"):
        Examples(deal.numeric, without)


def test_a_competitor_in_the_deal_is_named_as_what_pushed_it_down(trained: Trained) -> None:
    model = trained.model
    with_competitor = one_deal(competitor_present=1.0)
    [factors] = model.factors(with_competitor, top=3)
    assert factors[0][0] == "competitor_present" and factors[0][1] < -0.3
    assert model.probabilities(with_competitor)[0] < model.probabilities(one_deal())[0]


def test_the_factors_come_largest_first_and_explain_the_probability(trained: Trained) -> None:
    model = trained.model
    deal = one_deal(days_in_stage=90.0, won_before=4.0, stage="1:15", stage_progress=1.0)
    [factors] = model.factors(deal, top=len(NUMERIC) + len(CATEGORICAL))
    sizes = [abs(effect) for _, effect in factors]
    assert sizes == sorted(sizes, reverse=True)
    named = dict(factors)
    assert named["days_in_stage"] < 0 and named["won_before"] > 0
    assert named["stage_progress"] + named["stage=1:15"] > 0
    average = model.probabilities(one_deal())[0]
    [typical] = model.factors(one_deal(), top=99)
    logit = np.log(average / (1 - average)) - sum(dict(typical).values())
    expected = 1 / (1 + np.exp(-(logit + sum(named.values()))))
    assert model.probabilities(deal)[0] == pytest.approx(expected, rel=1e-9)


def test_a_deal_in_a_stage_the_model_never_saw_still_scores(trained: Trained) -> None:
    model = trained.model
    unseen = one_deal(stage="9:99", abc="", client_status="new kind")
    [p] = model.probabilities(unseen)
    assert 0 < p < 1
    [factors] = model.factors(unseen, top=99)
    assert dict(factors)["stage=9:99"] == 0


def test_the_baseline_is_the_laplace_smoothed_share_of_won_among_deals_reaching_the_stage() -> None:
    # Pipeline "p": four closed deals reached positions 0, 1, 2 and 2; one of those at 2 won.
    # Pipeline "q": one deal, lost at 0.
    baseline = StageBaseline.fit(
        np.array(["p", "p", "p", "p", "q"]),
        np.array([0, 1, 2, 2, 0]),
        np.array([False, False, True, False, False]),
    )
    p = baseline.probabilities(
        np.array(["p", "p", "p", "p", "q", "r"]), np.array([0, 1, 2, 3, 0, 0])
    )
    expected = [(1 + 1) / (4 + 2), (1 + 1) / (3 + 2), (1 + 1) / (2 + 2), 1 / 2, 1 / 3, 1 / 2]
    assert p.tolist() == pytest.approx(expected)
    again = StageBaseline.from_json(json.loads(json.dumps(baseline.to_json())))
    assert again.probabilities(np.array(["p"]), np.array([1])).tolist() == pytest.approx([0.4])


def test_a_model_is_promoted_only_when_it_beats_the_baseline_and_the_current_one() -> None:
    assert not should_promote({"auc": 0.7}, {"auc": 0.72}, current=None)
    assert not should_promote({"auc": 0.8}, {"auc": 0.72}, current={"auc": 0.81})
    assert should_promote({"auc": 0.82}, {"auc": 0.72}, current={"auc": 0.81})
