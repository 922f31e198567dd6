"""Win probability benchmark (issue #6): training on 200,000 closed deals.

Synthetic closed deals with known true probabilities (tests/analytics/win_synthetic.py):
250,000 of them, the newest 20 % by close time (50,000) held out, the model and the stage
baseline trained on the other 200,000. Measured:

- fit time of the model (logistic regression on the additive design + 3-fold out-of-fold
  Platt calibration + the final fit) and of the stage baseline, in a spawned child process whose
  peak resident memory (VmHWM from /proc/self/status) is read after the fit; its resident memory
  just before the fit (Python, numpy, scikit-learn and the generated deals) is printed too;
- AUC and Brier score on the same hold-out of: the model (as stored: to_json -> json -> from_json),
  the stage baseline, an Odoo-style naive Bayes over stage and the categorical fields (the peer to
  beat; scikit-learn CategoricalNB, Laplace alpha=1), and the true probabilities (Bayes);
- scoring: p50/p99 of 1,000 calls of probabilities + factors on one deal, and the whole hold-out.

    .venv/bin/python -m bench.win_model_bench [--deals 250000] [--seed 6]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.naive_bayes import CategoricalNB
from sklearn.preprocessing import OrdinalEncoder

from services.analytics.domain.win_model import (
    StageBaseline,
    WinModel,
    fit,
    metrics,
    newest_share,
)
from tests.analytics.win_synthetic import History, make_history

NAIVE_FIELDS = ("stage", "abc", "xyz", "client_status")
NAIVE_FLAGS = ("competitor_present", "from_campaign")


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def train(deals: int, seed: int, answer: Connection) -> None:
    """In a child process: generate the history, then fit the model and the baseline on all
    but the newest fifth, with times and memory."""
    history = make_history(deals, seed)
    train_rows = ~newest_share(history.closed_at)
    examples, won = history.examples.subset(train_rows), history.won[train_rows]
    before, peak_before = memory_kib("VmRSS"), memory_kib("VmHWM")
    started = time.perf_counter()
    model = fit(examples, won, random_state=0)
    fit_s = time.perf_counter() - started
    peak = memory_kib("VmHWM")
    started = time.perf_counter()
    baseline = StageBaseline.fit(history.pipelines[train_rows], history.furthest[train_rows], won)
    answer.send(
        {
            "train_deals": len(examples),
            "fit_s": fit_s,
            "baseline_fit_s": time.perf_counter() - started,
            "rss_before_fit_mib": before / 1024,
            "peak_before_fit_mib": peak_before / 1024,
            "peak_mib": peak / 1024,
            "model": json.dumps(model.to_json()),
            "baseline": json.dumps(baseline.to_json()),
        }
    )


def in_child(deals: int, seed: int) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    mine, theirs = spawn.Pipe()
    child = spawn.Process(target=train, args=(deals, seed, theirs))
    child.start()
    found: dict[str, Any] = mine.recv()
    child.join()
    return found


def naive_bayes(history: History, train_rows: np.ndarray, hold: np.ndarray) -> np.ndarray:
    """Odoo's predictive lead scoring in spirit: per-field won/lost frequencies with Laplace
    smoothing, combined as naive Bayes."""
    columns = [history.examples.categorical[name] for name in NAIVE_FIELDS]
    columns += [history.examples.numeric[name].astype(str) for name in NAIVE_FLAGS]
    table = np.column_stack(columns)
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    codes = encoder.fit_transform(table[train_rows]).astype(np.int64)
    sizes = [len(c) for c in encoder.categories_]
    model = CategoricalNB(alpha=1.0, min_categories=sizes).fit(codes, history.won[train_rows])
    held = encoder.transform(table[hold]).astype(np.int64)
    held = np.where(held < 0, 0, held)  # every value is seen in training here
    return np.asarray(model.predict_proba(held)[:, 1])


def scoring_times(model: WinModel, history: History, hold: np.ndarray) -> dict[str, float]:
    examples = history.examples.subset(hold)
    one = examples.subset(np.arange(1))
    times = []
    for _ in range(1000):
        started = time.perf_counter()
        model.probabilities(one)
        model.factors(one)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    model.probabilities(examples)
    model.factors(examples)
    whole = time.perf_counter() - started
    p50, p99 = np.percentile(times, [50, 99]) * 1e3
    return {"one_deal_p50_ms": p50, "one_deal_p99_ms": p99, "hold_out_s": whole}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    trained = in_child(args.deals, args.seed)
    history = make_history(args.deals, args.seed)
    hold = newest_share(history.closed_at)
    model = WinModel.from_json(json.loads(trained["model"]))
    baseline = StageBaseline.from_json(json.loads(trained["baseline"]))
    won = history.won[hold]
    found = {
        "model": metrics(model.probabilities(history.examples.subset(hold)), won),
        "stage_baseline": metrics(
            baseline.probabilities(history.pipelines[hold], history.positions[hold]), won
        ),
        "naive_bayes": metrics(naive_bayes(history, ~hold, hold), won),
        "bayes": metrics(history.truth[hold], won),
    }
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "deals": args.deals,
        "train_deals": trained["train_deals"],
        "hold_out_deals": int(hold.sum()),
        "won_share": round(float(history.won.mean()), 3),
        "fit_s": round(trained["fit_s"], 2),
        "baseline_fit_s": round(trained["baseline_fit_s"], 3),
        "rss_before_fit_mib": round(trained["rss_before_fit_mib"]),
        "peak_before_fit_mib": round(trained["peak_before_fit_mib"]),
        "peak_mib": round(trained["peak_mib"]),
        "hold_out": {k: {m: round(v, 4) for m, v in found[k].items()} for k in found},
        "model_json_bytes": len(trained["model"]),
        **{k: round(v, 3) for k, v in scoring_times(model, history, hold).items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
