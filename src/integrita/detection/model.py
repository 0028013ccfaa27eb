"""The learned alert-scoring model: LightGBM on transaction features, temporal split, metrics.

Training sorts transactions by booking time and uses the first 60 % to train, the
next 20 % to stop boosting, choose the hyper-parameters (the candidate of
:data:`PARAM_CANDIDATES` with the best average precision on validation) and the alert
threshold (the one that maximises F1 on validation), and the last 20 % only to report how
well it works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


def temporal_split(
    ts: Array, train: float = 0.6, valid: float = 0.2, *, embargo_seconds: int = 0
) -> tuple[Array, Array, Array]:
    """Indices of the first 60 %, next 20 % and last 20 % of rows in time order, with an
    embargo: rows booked within ``embargo_seconds`` after the end of one part are in none.

    Without the gap, a validation row's week-long features would count training rows and a
    pattern spanning the boundary would be learnt on one side and tested on the other.
    """
    order = np.argsort(ts, kind="stable")
    n = len(order)
    a, b = int(n * train), int(n * (train + valid))
    tr, va, te = order[:a], order[a:b], order[b:]
    if embargo_seconds > 0:
        if len(tr):
            va = va[ts[va] > ts[tr[-1]] + embargo_seconds]
        if b > a:
            te = te[ts[te] > ts[order[b - 1]] + embargo_seconds]
    return tr, va, te


def binary_metrics(y: Array, predicted: Array) -> dict[str, float]:
    """Precision, recall and F1 of the positive (laundering) class."""
    y = np.asarray(y, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    tp = int(np.sum(y & p))
    fp = int(np.sum(~y & p))
    fn = int(np.sum(y & ~p))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def best_threshold(y: Array, score: Array) -> float:
    """The score cut-off with the highest F1 on ``y`` (0.5 when there are no positives)."""
    from sklearn.metrics import precision_recall_curve

    if not np.any(y):
        return 0.5
    precision, recall, thresholds = precision_recall_curve(y, score)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))]) if len(thresholds) else 0.5


@dataclass
class TrainedModel:
    booster: Any
    threshold: float
    feature_names: list[str]
    metrics: dict[str, dict[str, float]]
    rows: dict[str, int]
    #: The hyper-parameters chosen on validation (overrides of :data:`DEFAULT_PARAMS`) and every
    #: candidate's validation average precision.
    chosen: dict[str, Any] = field(default_factory=dict)


DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 63,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "verbose": -1,
    "num_threads": 2,
    "seed": 7,
    "deterministic": True,
}


#: Hyper-parameter candidates (overrides of :data:`DEFAULT_PARAMS`), chosen between on the
#: validation split: the default, shallower trees that need more evidence per leaf, and column
#: sampling (many correlated windowed features; each tree sees half of them).
PARAM_CANDIDATES: tuple[dict[str, Any], ...] = (
    {},
    {"num_leaves": 15, "min_data_in_leaf": 50, "feature_fraction": 0.5},
    {"num_leaves": 31, "feature_fraction": 0.5, "lambda_l2": 1.0},
    {"num_leaves": 127, "min_data_in_leaf": 10, "feature_fraction": 0.7},
)


def train(
    x: Array,
    y: Array,
    ts: Array,
    feature_names: list[str],
    *,
    rounds: int = 600,
    params: dict[str, Any] | None = None,
    embargo_seconds: int = 0,
    candidates: tuple[dict[str, Any], ...] = PARAM_CANDIDATES,
) -> TrainedModel:
    """Fit on the first 60 %, early-stop, choose the hyper-parameters among ``candidates`` (by
    average precision) and the threshold (by F1) on the next 20 %, test on the rest;
    ``embargo_seconds`` of rows after each part are left out (see :func:`temporal_split`)."""
    import lightgbm as lgb
    from sklearn.metrics import average_precision_score

    tr, va, te = temporal_split(ts, embargo_seconds=embargo_seconds)
    if not len(va) or not len(te):
        from integrita.errors import InputError

        raise InputError(
            "the ledger is too short for a validation and a test period after the "
            f"{embargo_seconds / 86400:g}-day embargo"
        )
    if not np.any(y[tr]):
        from integrita.errors import InputError

        raise InputError("no laundering transaction in the training period: cannot train")
    tried: list[tuple[float, int, Any, dict[str, Any]]] = []
    for n, candidate in enumerate(candidates or ({},)):
        settings = {**DEFAULT_PARAMS, **candidate, **(params or {})}
        # binned anew per candidate: the bins depend on min_data_in_leaf
        dtrain = lgb.Dataset(x[tr], label=y[tr], feature_name=feature_names, params=settings)
        dvalid = lgb.Dataset(x[va], label=y[va], reference=dtrain)
        fitted = lgb.train(
            settings,
            dtrain,
            num_boost_round=rounds,
            valid_sets=[dvalid],
            callbacks=[lgb.early_stopping(50, verbose=False)],
        )
        score = np.asarray(fitted.predict(x[va]))
        ap = float(average_precision_score(y[va], score)) if np.any(y[va]) else 0.0
        tried.append((ap, -n, fitted, candidate))
    _, _, booster, chosen = max(tried, key=lambda t: (t[0], t[1]))
    valid_score = np.asarray(booster.predict(x[va]))
    threshold = best_threshold(y[va], valid_score)
    test_score = np.asarray(booster.predict(x[te]))
    metrics = {
        "validation": binary_metrics(y[va], valid_score >= threshold),
        "test": binary_metrics(y[te], test_score >= threshold),
    }
    if np.any(y[te]):
        metrics["test"]["average_precision"] = float(average_precision_score(y[te], test_score))
    rows = {
        "train": len(tr),
        "validation": len(va),
        "test": len(te),
        "positives_train": int(np.sum(y[tr])),
        "positives_test": int(np.sum(y[te])),
        "embargo_seconds": embargo_seconds,
    }
    choice = {
        "params": chosen,
        "chosen_on": "validation average precision",
        "candidates": [{"params": c, "validation_ap": round(ap, 4)} for ap, _, _, c in tried],
    }
    return TrainedModel(booster, threshold, feature_names, metrics, rows, choice)


def explain(
    booster: Any, x: Array, names: list[str], top: int = 5
) -> list[list[dict[str, object]]]:
    """For each row, the features that pushed its score up the most (SHAP contributions)."""
    contrib = booster.predict(x, pred_contrib=True)[:, :-1]
    result = []
    for i in range(contrib.shape[0]):
        order = np.argsort(-contrib[i])[:top]
        result.append(
            [
                {
                    "feature": names[j],
                    "value": float(x[i, j]),
                    "contribution": round(float(contrib[i, j]), 4),
                }
                for j in order
                if contrib[i, j] > 0
            ]
        )
    return result
